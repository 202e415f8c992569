"""The console application: sections as modes, the acting-as caller and the backend
it manages (opened on a worker after the first frame). Every request goes through
:mod:`kmstui.ui.seam`; what it serves, through :mod:`kmstui.ui.serving`; its app-wide
actions are :mod:`kmstui.ui.app_actions`."""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.command import Provider
from textual.reactive import reactive

from kmstui import paths
from kmstui.backends import Backend, CannotConnect, EmbeddedBackend, open_embedded
from kmstui.caller import Caller
from kmstui.ui.actions import bindings
from kmstui.ui.app_actions import APP_ACTIONS, SECTIONS, AppActionsMixin
from kmstui.ui.capabilities import SAY_THEMSELVES, action_reason, binding_for, reason
from kmstui.ui.messages import DataChanged
from kmstui.ui.seam import Answer, RequestsMixin
from kmstui.ui.serving import ServeOptions, ServingMixin

if TYPE_CHECKING:
    from textual.actions import ActionParseResult
    from textual.dom import DOMNode

__all__ = ["SECTIONS", "KmsConsole", "ServeOptions"]


def _mode(module: str, name: str) -> Callable[[], Any]:
    """A section's screen, imported only when the section is first shown."""

    def make():
        import importlib

        return getattr(importlib.import_module(module), name)()

    return make


def _console_commands() -> type[Provider]:
    """The command palette's provider, imported when the palette first opens."""
    from kmstui.ui.commands import ConsoleCommands

    return ConsoleCommands


SECTION_SCREENS = {
    "keys": "kmstui.ui.screens.keys",
    "principals": "kmstui.ui.screens.principals",
    "volumes": "kmstui.ui.live.screens",
    "monitor": "kmstui.ui.live.screens",
}


class KmsConsole(AppActionsMixin, RequestsMixin, ServingMixin, App):
    TITLE = "kmstui"
    CSS_PATH = str(Path(__file__).with_name("console.tcss"))  # subclasses live elsewhere
    BINDINGS = bindings(*APP_ACTIONS)
    MODES = {mode: _mode(SECTION_SCREENS[mode], f"{title}Screen") for mode, title in SECTIONS}
    DEFAULT_MODE = "keys"  # built as the first screen; the other sections when first shown
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {_console_commands}  # the console's own, in place of Textual's
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    acting_as: reactive[Caller] = reactive(Caller.root, init=False)
    clock_text: reactive[str] = reactive("", init=False)
    serve_url: reactive[str] = reactive("", init=False)

    def __init__(
        self,
        engine: Any = None,
        *,
        backend: Backend | None = None,
        open_engine: Callable[[], Any] | None = None,
        open_backend: Callable[[], Backend] | None = None,
        config_dir: str | Path | None = None,
        theme_dirs: list[Path] | None = None,
        serve: ServeOptions | None = None,
        exports: tuple[tuple[str, int | None], ...] = (),
    ):
        """``engine``: an open embedded engine (tests pass one); ``backend``: any
        other backend, open. ``open_engine``: how to open an embedded engine; it runs
        on a worker after the first frame so the console appears at once.
        ``open_backend``: how to open another backend (CannotConnect says why not),
        on a worker likewise. ``serve``: also serve the AWS JSON endpoint once the engine is open.
        ``exports``: ``(volume id, port or None)`` of volumes to serve over NBD."""
        from kmstui.ui.config import ConsoleConfig
        from kmstui.ui.themes import DEFAULT_THEME, load_themes

        super().__init__()
        self.backend: Backend | None = None
        self._opener: Callable[[], Backend] | None = open_backend
        if open_engine is not None:
            self._opener = lambda: open_embedded(open_engine)
        self.open_error: str | None = None
        self.serve_options = serve
        self.endpoint = None  # the endpoint's server while serving
        self.exports = exports
        self.nbd_servers: list = []  # an NbdServer per exported volume
        self.unanswered: set[Answer] = set()  # confirmations on screen
        self.config_dir = paths.config_dir(config_dir)
        self.config = ConsoleConfig.load(self.config_dir)
        dirs = theme_dirs or [paths.resource_dir("themes"), self.config_dir / "themes"]
        self.loaded_themes = load_themes(*dirs)
        for theme in self.loaded_themes.themes:
            self.register_theme(theme)
        wanted = self.config.theme or DEFAULT_THEME
        self._use_theme(
            wanted
            if wanted in self.available_themes
            else (DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark")
        )
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        if engine is not None:
            backend = EmbeddedBackend(engine)
        if backend is not None:
            self._backend_ready(backend)

    def _use_theme(self, name: str) -> None:
        """The starting theme. Assigning ``App.theme`` before the first frame queues a
        second parse of all CSS; the first parse has not happened yet, so set the
        value and what the theme watcher would (classes, ANSI colour mapping) only."""
        self.set_reactive(App.theme, name)
        dark = self.current_theme.dark
        classes = {c: False for c in self.classes if c.startswith("-theme-")}
        self.update_classes(
            {**classes, f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark},
            update=False,
        )
        self._refresh_truecolor_filter(self.ansi_theme)

    def _backend_ready(self, backend: Backend) -> None:
        self.backend = backend
        backend.set_confirm(self.confirm_call)  # the embedded engine asks no one
        self.set_reactive(KmsConsole.acting_as, backend.root_caller())
        self.set_reactive(KmsConsole.clock_text, self._engine_date())

    # -- start ------------------------------------------------------------------------
    def on_mount(self) -> None:
        for problem in [
            *self.loaded_themes.problems,
            *([self.config.problem] if self.config.problem else []),
        ]:
            self.notify(problem, title="Skipped a bad file", severity="warning", markup=False)
        # The engine clock moves without the console (the demo, requests over the
        # endpoint): read it once a second. A fixed clock reads the same every time.
        self.set_interval(1.0, self.refresh_clock, name="engine clock")
        if self.backend is None and self._opener is not None:
            # Opening imports the engine (or boto3); do it once the first frame is on screen.
            self.call_after_refresh(self._open, self._opener)
        elif self.backend is not None:
            self._start_serving()
        self._on_hangup(self._hung_up)

    def _on_hangup(self, handler: Callable[[], None]) -> None:
        """Run ``handler`` when the terminal closes (SIGHUP), where the platform has it."""
        import asyncio
        import signal

        if not hasattr(signal, "SIGHUP"):
            return
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, handler)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or no signal support in this loop

    def _hung_up(self) -> None:
        """The terminal is gone: keep unsaved policy edits for next time, then leave."""
        from kmstui.ui.unsaved import keep_all

        keep_all(self)
        self.exit(return_code=129)

    @work(thread=True, exit_on_error=False, group="open")
    def _open(self, opener: Callable[[], Backend]) -> None:
        try:
            backend = opener()
        except CannotConnect as exc:
            self.call_from_thread(self._cannot_open, str(exc))
            return
        self.call_from_thread(self._opened, backend)

    def _opened(self, backend: Backend) -> None:
        self._backend_ready(backend)  # sets both quietly: tell their watchers now
        self.mutate_reactive(KmsConsole.acting_as)
        self.mutate_reactive(KmsConsole.clock_text)
        self.screen.post_message(DataChanged())
        self._start_serving()
        # What the console holds once it is open (the modules, the SDK's service models,
        # the engine's state) lives as long as it does: the collector need not walk it
        # on every full collection, each of which held the screen for a quarter of a
        # second on that heap. Given back when the console closes.
        gc.freeze()

    def _cannot_open(self, message: str) -> None:
        self.open_error = message
        self.exit(return_code=2)

    async def on_unmount(self) -> None:
        self.answer_unanswered()  # a request waiting for an answer is not sent
        await self.stop_serving()  # before run() closes the engine
        gc.unfreeze()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.backend is None and action in (
            "switch_mode",
            "switch_principal",
            "switch_region",
            "advance_clock",
        ):
            return False  # nothing to show until the data directory is open
        return True

    # -- what the backend cannot do, said before it is tried -----------------------------
    def _check_action_state(self, action: str, default_namespace: DOMNode) -> bool | None:
        # Textual (pinned) asks this for the footer, help and the palette: an action
        # the backend cannot do shows dimmed, and help and the palette say why.
        state = super()._check_action_state(action, default_namespace)
        if state and action_reason(self.backend, default_namespace, action):
            return None
        return state

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """An action the backend cannot do says why (``read-only: ...``) instead of
        opening a form whose request would be refused."""
        if isinstance(action, str) and self.backend is not None:
            binding = binding_for(default_namespace or self, action)
            if binding is not None and binding.id not in SAY_THEMSELVES:
                why = reason(self.backend, binding.id)
                if why:
                    self.notify(f"{binding.description}: {why}", severity="warning", markup=False)
                    return True
        return await super().run_action(action, default_namespace, namespaces)

    def watch_theme(self, theme: str) -> None:
        if self.is_running and theme != self.config.theme:
            try:
                self.config.save_theme(theme)
            except OSError as exc:
                self.notify(
                    str(exc), title="Could not save the theme", severity="warning", markup=False
                )
