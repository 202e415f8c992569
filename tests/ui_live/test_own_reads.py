"""The console marks its own requests by user agent; the Monitor and a key's Events
tab hide its reads by default, with a toggle and a count."""

from __future__ import annotations

from livetest import make_story, settle
from textual.widgets import Static

from kmstui.ui.live.event_list import EventList
from kmstui.ui.own_calls import CONSOLE_USER_AGENT


def names(events: EventList) -> list[str]:
    return [events.record_at(row)["eventName"] for row in range(events.row_count)]


async def test_the_monitor_hides_the_consoles_reads_until_asked(console, ec2_engine):
    make_story(ec2_engine)  # made by a client, not the console
    async with console.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # Volumes reads DescribeVolumes as the console
        await settle(pilot)
        records = list(ec2_engine.events.recent)
        assert any(
            r["eventName"] == "DescribeVolumes" and r["userAgent"] == CONSOLE_USER_AGENT
            for r in records
        )
        await pilot.press("4")
        await settle(pilot)
        events = pilot.app.screen.query_one(EventList)
        assert "DescribeVolumes" not in names(events)
        assert "CreateVolume" in names(events)  # a client's calls stay
        status = str(pilot.app.screen.query_one("#monitor-status", Static).render())
        assert "console reads hidden" in status
        await pilot.press("o")
        await settle(pilot)
        assert "DescribeVolumes" in names(events)
        await pilot.press("o")
        await settle(pilot)
        assert "DescribeVolumes" not in names(events)


async def test_the_key_events_tab_counts_the_hidden_console_reads(console, ec2_engine):
    from textual.widgets import DataTable

    story = make_story(ec2_engine)
    async with console.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the key detail reads the key as the console
        await settle(pilot)
        screen = pilot.app.screen
        screen.action_show_tab("events")
        await settle(pilot)
        table = screen.query_one("#events-table", DataTable)
        shown = [str(table.get_row_at(r)[1]) for r in range(table.row_count)]
        assert "DescribeKey" not in shown and "CreateKey" in shown
        note = str(screen.query_one("#events-note", Static).render())
        assert "console read(s) hidden" in note and not note.startswith("0 ")
        await pilot.press("o")
        await settle(pilot)
        shown = [str(table.get_row_at(r)[1]) for r in range(table.row_count)]
        assert "DescribeKey" in shown
        assert story["key_id"]
