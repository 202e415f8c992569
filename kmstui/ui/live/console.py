"""The console with the live sections mounted, and the demo that plays in it.

:class:`LiveConsole` is the console whose Volumes and Monitor sections are the live
screens. :class:`DemoConsole` opens on the demo screen: a narrator line over the
monitor while a worker plays the story (:mod:`kmstui.ui.live.story`) through the
backend; the UI only renders. When the
story ends the sections unlock and the console is the user's.
"""

from __future__ import annotations

import threading

from textual import work
from textual.app import ComposeResult
from textual.widgets import Static

from kmstui.ui.app import KmsConsole
from kmstui.ui.format import plain
from kmstui.ui.live.feed import LiveFeed
from kmstui.ui.live.monitor import MonitorPane
from kmstui.ui.live.story import STEPS, Step, play
from kmstui.ui.screens.base import ConsoleScreen
from kmstui.ui.seam import backend_if_open


class LiveConsole(KmsConsole):
    """``KmsConsole`` whose live sections read ``live_feed`` (a fixed stream of events
    and metrics, for tests and snapshots) instead of the backend's."""

    def __init__(self, engine=None, *, live_feed: LiveFeed | None = None, **kwargs):
        self.live_feed = live_feed
        super().__init__(engine, **kwargs)


class Narrator(Static):
    """What is happening and why, one step at a time."""

    DEFAULT_CSS = """
    Narrator { height: auto; max-height: 9; padding: 0 1; background: $boost;
               border-left: thick $accent; margin: 0 0 0 0; }
    """

    def tell(self, number: int, step: Step, detail: str) -> None:
        text = f"Step {number}/{len(STEPS)} · {step.title}\n{step.why}"
        if detail:
            text += f"\n→ {detail}"
        self.update(plain(text))


class DemoScreen(ConsoleScreen):
    SECTION = "monitor"
    HELP_TITLE = "Demo"

    def compose_body(self) -> ComposeResult:
        yield Narrator("Starting the demo…", id="narrator")
        yield MonitorPane(backend_if_open(self), feed=getattr(self.app, "live_feed", None))


class DemoConsole(LiveConsole):
    """Plays the story at ``speed`` (2 = twice as fast), then hands over."""

    MODES = {**LiveConsole.MODES, "demo": DemoScreen}
    DEFAULT_MODE = "demo"

    def __init__(self, engine=None, *, speed: float = 1.0, autoplay: bool = True, **kwargs):
        super().__init__(engine, **kwargs)
        self.speed = max(0.01, speed)
        self.autoplay = autoplay
        self.playing = False
        self.finished = threading.Event()
        self._stop = threading.Event()

    def on_mount(self) -> None:
        if self.autoplay and self.backend is not None:
            self.playing = True
            self.call_after_refresh(self._play)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the story plays, other sections would make requests of their own and
        # change the event sequence; they open once it has finished.
        if self.playing and action in ("switch_mode", "switch_principal", "advance_clock"):
            return False
        return super().check_action(action, parameters)

    @work(thread=True, exclusive=True, group="demo", exit_on_error=False)
    def _play(self) -> None:
        def narrate(number: int, step: Step, detail: str) -> None:
            self.call_from_thread(self._narrate, number, step, detail)

        try:
            play(
                self.backend,
                narrate=narrate,
                wait=lambda seconds: self._stop.wait(seconds / self.speed),
            )
        finally:
            self.call_from_thread(self._done)

    def _narrate(self, number: int, step: Step, detail: str) -> None:
        self.refresh_clock()  # the story moves the clock between steps
        for screen in self.screen_stack:
            if isinstance(screen, DemoScreen):
                screen.query_one(Narrator).tell(number, step, detail)

    def _done(self) -> None:
        self.playing = False
        self.finished.set()
        self.refresh_bindings()

    async def on_unmount(self) -> None:
        self._stop.set()
