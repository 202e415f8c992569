"""The key detail's event table decodes only the records that arrived since its last
redraw, and stays in step with the engine's ring as old records leave it."""

from kmstui.backends import EmbeddedBackend
from kmstui.events import EventBus
from kmstui.ui.widgets.events import EventTable


def test_the_table_decodes_only_new_records_and_follows_the_ring(engine, monkeypatch):
    # a ring of five: every line the engine publishes goes on to it, and the console
    # reads the engine's events from it
    small = EventBus(ring_size=5)
    engine.events.sink = small.publish
    engine.events = small
    table = EventTable(EmbeddedBackend(engine).events)
    decoded = []
    import kmstui.ui.widgets.events as module

    real = module.loads_line
    monkeypatch.setattr(module, "loads_line", lambda line: decoded.append(line) or real(line))

    def names():
        return [r["eventName"] for r in table._decoded()]

    assert names() == []
    engine.call("ListKeys")
    engine.call("ListAliases")
    assert names() == ["ListKeys", "ListAliases"]
    engine.call("CreateKey")
    decoded.clear()
    assert names() == ["ListKeys", "ListAliases", "CreateKey"]
    assert len(decoded) == 1  # only the new one
    assert names() == ["ListKeys", "ListAliases", "CreateKey"] and len(decoded) == 1
    for _ in range(3):
        engine.call("ListKeys")
    assert names() == ["ListAliases", "CreateKey", "ListKeys", "ListKeys", "ListKeys"]
    for _ in range(6):  # every record it had seen has left the ring
        engine.call("ListAliases")
    assert names() == ["ListAliases"] * 5
    assert [r["eventName"] for r in engine.events.recent] == names()
