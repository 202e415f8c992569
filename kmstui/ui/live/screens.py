"""The Volumes and Monitor sections as console screens (top bar, pane, footer).

The console mounts them as modes::

    from kmstui.ui.live.screens import MonitorScreen, VolumesScreen
    MODES = {..., "volumes": VolumesScreen, "monitor": MonitorScreen}

Each screen builds its pane from ``app.engine`` (and ``app.call``, the acting-as
entry point); an app may instead offer ``app.live_feed`` (a fixed stream, for
snapshots and the demo's frames).
"""

from __future__ import annotations

from textual.app import ComposeResult

from kmstui.ui.live.monitor import MonitorPane
from kmstui.ui.live.volumes import VolumesPane
from kmstui.ui.screens.base import ConsoleScreen


def _call(app):
    call = getattr(app, "call", None)
    if call is not None:
        return call
    return lambda operation, params=None: app.engine.call(operation, params or {})


class MonitorScreen(ConsoleScreen):
    SECTION = "monitor"
    HELP_TITLE = "Monitor"

    def compose_body(self) -> ComposeResult:
        yield MonitorPane(
            getattr(self.app, "engine", None), feed=getattr(self.app, "live_feed", None)
        )

    def reload(self) -> None:
        self.query_one(MonitorPane).attach_engine(getattr(self.app, "engine", None))


class VolumesScreen(ConsoleScreen):
    SECTION = "volumes"
    HELP_TITLE = "Volumes"

    def compose_body(self) -> ComposeResult:
        yield VolumesPane(
            getattr(self.app, "engine", None),
            _call(self.app),
            feed=getattr(self.app, "live_feed", None),
        )

    def reload(self) -> None:
        pane = self.query_one(VolumesPane)
        pane.attach_engine(getattr(self.app, "engine", None), _call(self.app))
        pane.reload()
