"""The key detail reads the key again when a change made elsewhere names it (another
client over the endpoint, work come due), and not while nothing happens."""

from __future__ import annotations

from consoletest import SIZE, key_id_by_alias, open_key, settle

from tests.workers import wait_until


async def test_a_key_disabled_elsewhere_shows_disabled_without_a_keypress(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")

    def reads() -> int:
        return sum(1 for r in engine.events.recent if r["eventName"] == "DescribeKey")

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_key(pilot, key_id)
        title = screen.query_one("#key-title")
        assert "Enabled" in str(title.render())
        before = reads()
        await pilot.pause(1.0)
        await settle(pilot)
        assert reads() == before  # nothing changed: nothing read
        engine.call("DisableKey", {"KeyId": key_id})  # as another client would
        await wait_until(pilot, lambda: "Disabled" in str(title.render()), what="Disabled")
