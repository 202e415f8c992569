"""Monitor: the live event stream (every KMS call, allowed or denied), redrawn a few
times a second."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from kmstui.ui.actions import Action, bindings
from kmstui.ui.screens.base import ConsoleScreen
from kmstui.ui.widgets.events import REFRESH_HZ, EventTable


class MonitorScreen(ConsoleScreen):
    SECTION = "monitor"
    BINDINGS = bindings(
        Action("events.copy", "y", "copy_event", "Copy event",
               "Copy the selected event as JSON"),
    )

    def compose_body(self) -> ComposeResult:
        yield Static(f"Recent events, newest first · redrawn at most {REFRESH_HZ}× a second",
                     classes="status")
        yield EventTable(self.app.engine, id="monitor-events")

    def action_copy_event(self) -> None:
        import json

        table = self.query_one(EventTable)
        recent = list(reversed(self.app.engine.events.recent))
        if table.row_count and table.cursor_row < len(recent):
            self.app.copy_to_clipboard(json.dumps(recent[table.cursor_row], default=str))
            self.notify("Event copied", markup=False)
