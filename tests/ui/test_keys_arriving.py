"""The key list while it arrives: the first ListKeys page shows before the rest is
listed, its rows say "…" until described, the status line says how far it is, and a
filter and the cursor set meanwhile stay when the rest arrives. A refresh drops the
pages of the load it replaced."""

from __future__ import annotations

import threading
import time

from consoletest import SIZE, new_key
from textual.widgets import DataTable, Input, Static

from kmstui.backends import EmbeddedBackend
from tests.workers import wait_until


def held_console(engine, tmp_path, gate: threading.Event):
    """The console whose ListKeys pages after the first wait for ``gate``."""
    from kmstui.ui.app import KmsConsole

    Input.cursor_blink = False  # type: ignore[assignment]
    backend = EmbeddedBackend(engine)
    call = backend.call

    def held(operation, params=None, *, caller):
        if operation == "ListKeys" and (params or {}).get("Marker"):
            gate.wait(30)
        return call(operation, params, caller=caller)

    backend.call = held  # type: ignore[method-assign]
    return KmsConsole(backend=backend, config_dir=tmp_path / "config")


async def poll(pilot, predicate, what: str, timeout: float = 30.0) -> None:
    """Wait without waiting for workers (the load is held back)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


def shown(table: DataTable) -> list[str]:
    return [str(row.value) for row in table.rows]


async def test_a_filter_and_the_cursor_set_while_keys_arrive_stay(engine, tmp_path):
    for n in range(150):
        new_key(engine, f"alias/more-{n:03d}")
    total = len(engine.call("ListKeys", {"Limit": 1000})["Keys"])
    gate = threading.Event()
    app = held_console(engine, tmp_path, gate)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        table = screen.query_one("#keys", DataTable)
        status = screen.query_one("#status", Static)
        await poll(pilot, lambda: table.row_count > 0, "the first page")
        assert table.row_count == 100 and screen.loading_keys
        assert "100 keys read …" in str(status.render())
        first = shown(table)[0]
        assert [str(c) for c in table.get_row(first)][2:4] == ["…", "…"]  # state, spec

        await pilot.press("slash", *"more-0")
        await pilot.press("enter")  # the table again
        before = shown(table)
        assert before and all("more-0" in str(table.get_row(k)[0]) for k in before)
        await pilot.press("down")
        chosen = screen.selected_row()
        assert chosen is not None and chosen.key_id == before[1]

        gate.set()
        await wait_until(pilot, lambda: screen.loaded, what="the whole list")
        after = shown(table)
        assert screen.query_one("#filter", Input).value == "more-0"
        assert len(after) == 100 and set(before) <= set(after)  # more-000 ... more-099
        assert screen.selected_row().key_id == chosen.key_id
        assert table.cursor_row == after.index(chosen.key_id)
        assert str(table.get_row(chosen.key_id)[2]) == "Enabled"
        text = str(status.render())
        assert text.startswith(f"100 of {total} keys") and "…" not in text


async def test_a_refresh_drops_the_pages_of_the_load_it_replaced(engine, tmp_path):
    for n in range(150):
        new_key(engine, f"alias/more-{n:03d}")
    gate = threading.Event()
    app = held_console(engine, tmp_path, gate)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        table = screen.query_one("#keys", DataTable)
        await poll(pilot, lambda: table.row_count > 0, "the first page")
        replaced = screen._load_number
        gone = shown(table)[0]
        engine.call("ScheduleKeyDeletion", {"KeyId": gone, "PendingWindowInDays": 7})
        await pilot.press("ctrl+r")
        assert screen._load_number == replaced + 1
        gate.set()  # the old load's next page now arrives too, and is dropped
        await wait_until(pilot, lambda: screen.loaded, what="the new load")
        keys = shown(table)
        listed = [k["KeyId"] for k in engine.call("ListKeys", {"Limit": 1000})["Keys"]]
        assert len(keys) == len(set(keys)) and set(keys) == set(listed)
        assert str(table.get_row(gone)[2]) == "PendingDeletion"


async def test_rows_arriving_wait_for_the_table_to_have_drawn_the_last_ones(
    engine, tmp_path, monkeypatch
):
    """A drawing holds the next one back for RELAX times as long as it took with its
    render; the whole listing (every key and alias) is drawn at once all the same."""
    from kmstui.ui.screens import keys

    for n in range(150):
        new_key(engine, f"alias/more-{n:03d}")
    total = len(engine.call("ListKeys", {"Limit": 1000})["Keys"])
    pages, aliases = threading.Event(), threading.Event()
    app = held_console(engine, tmp_path, pages)
    call = app.backend.call

    def held(operation, params=None, *, caller):
        if operation == "ListAliases":
            aliases.wait(30)
        return call(operation, params, caller=caller)

    app.backend.call = held  # type: ignore[method-assign]
    monkeypatch.setattr(keys, "RELAX", 100_000)  # each drawing holds the next for hours
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        table = screen.query_one("#keys", DataTable)
        await poll(pilot, lambda: table.row_count > 0, "the first page")
        pages.set()  # every key listed; the aliases not yet
        await poll(pilot, lambda: screen.progress_text().startswith("0 aliases"), "the keys")
        await pilot.pause(0.5)  # five ticks
        assert table.row_count == 100

        monkeypatch.setattr(keys, "RELAX", 0)
        await poll(pilot, lambda: table.row_count == total, "the keys, drawn on a tick")
        assert not screen.listed_whole

        monkeypatch.setattr(keys, "RELAX", 100_000)
        aliases.set()
        await poll(pilot, lambda: screen.listed_whole, "the whole listing, at once")
        assert "more-149" in " ".join(str(table.get_row_at(i)[0]) for i in range(total))
