"""The Volumes and Monitor sections as console screens (top bar, pane, footer).

The console mounts them as modes::

    from kmstui.ui.live.screens import MonitorScreen, VolumesScreen
    MODES = {..., "volumes": VolumesScreen, "monitor": MonitorScreen}

Each screen builds its pane from the console's backend (and ``app.call``, the
acting-as entry point); an app may instead offer ``app.live_feed`` (a fixed stream,
for snapshots and the demo's frames).
"""

from __future__ import annotations

from textual.app import ComposeResult

from kmstui.ui.live.monitor import MonitorPane
from kmstui.ui.live.volumes import VolumesPane
from kmstui.ui.screens.base import ConsoleScreen
from kmstui.ui.seam import backend_if_open


class MonitorScreen(ConsoleScreen):
    SECTION = "monitor"
    HELP_TITLE = "Monitor"

    def compose_body(self) -> ComposeResult:
        yield MonitorPane(backend_if_open(self), feed=getattr(self.app, "live_feed", None))

    def reload(self) -> None:
        self.query_one(MonitorPane).attach_backend(backend_if_open(self))


class VolumesScreen(ConsoleScreen):
    SECTION = "volumes"
    HELP_TITLE = "Volumes"

    def compose_body(self) -> ComposeResult:
        yield VolumesPane(
            backend_if_open(self), self.app.call, feed=getattr(self.app, "live_feed", None)
        )

    def reload(self) -> None:
        pane = self.query_one(VolumesPane)
        pane.attach_backend(backend_if_open(self), self.app.call)
        pane.reload()
