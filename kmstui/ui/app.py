"""The console application: sections as modes, the acting-as caller, and the one
place every engine request goes through (:meth:`KmsConsole.call`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.reactive import reactive

from kmstui import paths
from kmstui.caller import Caller
from kmstui.errors import AwsError
from kmstui.ui.actions import Action, bindings
from kmstui.ui.messages import DataChanged, EngineReply

if TYPE_CHECKING:
    from kmstui.engine import Engine


def _mode(module: str, name: str) -> Callable[[], Any]:
    """A section's screen, imported only when the section is first shown."""

    def make():
        import importlib

        return getattr(importlib.import_module(module), name)()

    return make


@dataclass(frozen=True)
class ServeOptions:
    """``kmstui --serve``: the AWS JSON endpoint, served from the console's own event
    loop while it runs (see :class:`kmstui.api.server.EndpointServer`)."""

    host: str = "127.0.0.1"
    port: int = 4599
    allow_any_credentials: bool = False


SECTIONS = [
    ("keys", "Keys"),
    ("principals", "Principals"),
    ("volumes", "Volumes"),
    ("monitor", "Monitor"),
]
SECTION_SCREENS = {
    "keys": "kmstui.ui.screens.keys",
    "principals": "kmstui.ui.screens.principals",
    "volumes": "kmstui.ui.live.screens",
    "monitor": "kmstui.ui.live.screens",
}

APP_ACTIONS = [
    *(
        Action(
            f"section.{mode}",
            "section",
            f"app.switch_mode('{mode}')",
            title,
            f"Show the {title} section",
            show=False,
            key=str(n),
        )
        for n, (mode, title) in enumerate(SECTIONS, start=1)
    ),
    Action(
        "help.show",
        "help",
        "app.help",
        "Help",
        "List the keys of this screen",
        key_display="?",
    ),
    # ctrl+t as well: in the policy editor A is a letter (and F6/F7 select text).
    Action(
        "acting-as.switch",
        "act-as",
        "app.switch_principal",
        "Act as",
        "Choose the principal the console makes requests as",
    ),
    Action(
        "clock.advance",
        "advance-clock",
        "app.advance_clock",
        "Advance clock",
        "Move the engine clock forward (deletions and rotations fall due)",
        show=False,
    ),
    Action(
        "theme.choose",
        "theme",
        "app.change_theme",
        "Choose theme",
        "Pick a colour theme (saved in config.toml)",
        show=False,
    ),
    Action(
        "screen.screenshot",
        "screenshot",
        "app.save_svg",
        "Screenshot",
        "Save the screen as an SVG file in the current directory",
        show=False,
        priority=True,  # over dialogs and help too
    ),
    Action(
        "palette.open",
        "palette",
        "app.command_palette",
        "Commands",
        "Search every command, from anywhere (ctrl+p too: Textual's own binding)",
        show=False,
        key_display=":",
        key="colon",
    ),
    *(
        Action(f"cursor.{verb}", verb, f"app.move('{target}')", title, tip, key=key, show=False)
        for verb, key, target, title, tip in (
            ("down", "j", "down", "Down", "Move down (as the down arrow)"),
            ("up", "k", "up", "Up", "Move up (as the up arrow)"),
            ("top", "g", "home", "First", "Move to the first row (as Home)"),
            ("bottom", "G", "end", "Last", "Move to the last row (as End)"),
        )
    ),
    Action("app.quit", "quit", "app.quit", "Quit", "Leave the console", key="q"),
]


class KmsConsole(App):
    TITLE = "kmstui"
    CSS_PATH = str(Path(__file__).with_name("console.tcss"))  # subclasses live elsewhere
    BINDINGS = bindings(*APP_ACTIONS)
    MODES = {mode: _mode(SECTION_SCREENS[mode], f"{title}Screen") for mode, title in SECTIONS}
    DEFAULT_MODE = "keys"  # built as the first screen; the other sections when first shown
    ENABLE_COMMAND_PALETTE = True
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    acting_as: reactive[Caller] = reactive(Caller.root, init=False)
    clock_text: reactive[str] = reactive("", init=False)
    serve_url: reactive[str] = reactive("", init=False)

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        open_engine: Callable[[], Engine] | None = None,
        config_dir: str | Path | None = None,
        theme_dirs: list[Path] | None = None,
        serve: ServeOptions | None = None,
        exports: tuple[tuple[str, int | None], ...] = (),
    ):
        """``engine``: an open engine (tests pass one). ``open_engine``: how to open one;
        it runs on a worker after the first frame so the console appears at once.
        ``serve``: also serve the AWS JSON endpoint once the engine is open.
        ``exports``: ``(volume id, port or None)`` of volumes to serve over NBD."""
        from kmstui.ui.commands import ConsoleCommands
        from kmstui.ui.config import ConsoleConfig
        from kmstui.ui.themes import DEFAULT_THEME, load_themes

        self.COMMANDS = {ConsoleCommands}
        super().__init__()
        self.engine = engine
        self._open_engine = open_engine
        self.open_error: str | None = None
        self.serve_options = serve
        self.endpoint = None  # the EndpointServer while serving
        self.exports = exports
        self.nbd_servers: list = []  # an NbdServer per exported volume
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
            self._engine_ready(engine)

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

    def _engine_ready(self, engine: Engine) -> None:
        self.engine = engine
        self.set_reactive(KmsConsole.acting_as, engine.root_caller())
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
        if self.engine is None and self._open_engine is not None:
            # Opening imports the engine; do it once the first frame is on screen.
            self.call_after_refresh(self._open)
        elif self.engine is not None:
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
    def _open(self) -> None:
        from kmstui.opening import CannotOpen

        try:
            engine = self._open_engine()
        except CannotOpen as exc:
            self.call_from_thread(self._cannot_open, str(exc))
            return
        self.call_from_thread(self._opened, engine)

    def _opened(self, engine: Engine) -> None:
        self._engine_ready(engine)  # sets both quietly: tell their watchers now
        self.mutate_reactive(KmsConsole.acting_as)
        self.mutate_reactive(KmsConsole.clock_text)
        self.screen.post_message(DataChanged())
        self._start_serving()

    def _cannot_open(self, message: str) -> None:
        self.open_error = message
        self.exit(return_code=2)

    # -- the endpoint -----------------------------------------------------------------
    def _start_serving(self) -> None:
        if self.serve_options is not None and self.endpoint is None:
            self.run_worker(self._serve(self.serve_options), group="serve", exit_on_error=False)
        if self.exports and not self.nbd_servers:
            self.run_worker(self._export(), group="serve", exit_on_error=False)

    async def _export(self) -> None:
        """Serve the ``--nbd`` volumes from the console's own loop, so their I/O shows
        in the Volumes graphs and their data-key events in the Monitor."""
        for volume_id, port in self.exports:
            await self.export_volume(volume_id, port, origin="--nbd")

    def exported_at(self, volume_id: str) -> str | None:
        """The NBD address ``volume_id`` is exported at by this console, if it is."""
        for server in self.nbd_servers:
            if server.exports.default.name == volume_id:
                return server.address
        return None

    async def export_volume(
        self, volume_id: str, port: int | None = None, *, origin: str = "export"
    ) -> None:
        """Export an attached volume over NBD on loopback (the next free port from
        10809 unless ``port``), or say why it cannot be."""
        import asyncio
        import logging

        from kmstui.nbd import DEFAULT_PORT, ExportUnavailable, NbdServer
        from kmstui.nbd.export import volume_export

        logging.getLogger("kmstui.nbd").setLevel(logging.ERROR)  # stderr is the screen's
        if (address := self.exported_at(volume_id)) is not None:
            self.notify(f"{volume_id} is exported at {address}", markup=False)
            return
        taken = {server.port for server in self.nbd_servers}
        if port is None:
            port = next(p for p in range(DEFAULT_PORT, DEFAULT_PORT + 1000) if p not in taken)
        try:
            export = await asyncio.to_thread(volume_export, self.engine.ec2, volume_id)
            server = NbdServer([export], port=port)
            await server.start()
        except (ExportUnavailable, OSError) as exc:
            from kmstui.ui.dialogs.error import ErrorScreen

            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self.push_screen(ErrorScreen("Cannot export", f"{volume_id}: {reason}", origin))
            return
        self.nbd_servers.append(server)
        self.notify(
            f"Exporting {volume_id} at {server.address} (plaintext on loopback; it ends "
            "when the volume is detached or the console quits)",
            markup=False,
        )

    async def _serve(self, options: ServeOptions) -> None:
        import logging

        from kmstui.api.server import EndpointServer

        # The endpoint logs to stderr, which the console's screen owns: keep it quiet.
        logging.getLogger("kmstui.api").setLevel(logging.ERROR)
        server = EndpointServer(
            self.engine,
            options.host,
            options.port,
            allow_any_credentials=options.allow_any_credentials,
        )
        try:
            self.serve_url = await server.start()
        except OSError as exc:
            from kmstui.ui.dialogs.error import ErrorScreen

            self.push_screen(
                ErrorScreen(
                    "Cannot serve",
                    f"Cannot listen on {options.host}:{options.port}: "
                    f"{exc.strerror or exc}. The console runs without the endpoint.",
                    "--serve",
                )
            )
            return
        self.endpoint = server
        self.notify(f"Serving KMS at {self.serve_url}", markup=False)

    async def stop_serving(self) -> None:
        servers, self.nbd_servers = self.nbd_servers, []
        for nbd in servers:
            await nbd.close()
        server, self.endpoint = self.endpoint, None
        if server is not None:
            await server.stop()
            self.serve_url = ""

    async def on_unmount(self) -> None:
        await self.stop_serving()  # before run() closes the engine

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.engine is None and action in ("switch_mode", "switch_principal", "advance_clock"):
            return False  # nothing to show until the data directory is open
        return True

    def watch_theme(self, theme: str) -> None:
        if self.is_running and theme != self.config.theme:
            try:
                self.config.save_theme(theme)
            except OSError as exc:
                self.notify(
                    str(exc), title="Could not save the theme", severity="warning", markup=False
                )

    # -- the engine -------------------------------------------------------------------
    def call(self, operation: str, params: dict | None = None) -> dict:
        """Every request the console makes, as the acting-as principal, marked with the
        console's user agent (its events say the console made them)."""
        with self.engine.lock:
            return self.engine.call(operation, params or {}, caller=self.console_caller())

    def console_caller(self) -> Caller:
        """The acting-as principal with the console's user agent: the caller every
        console request is made as (the panes that call the engine themselves too)."""
        from dataclasses import replace

        from kmstui.ui.own_calls import CONSOLE_USER_AGENT

        return replace(self.acting_as, user_agent=CONSOLE_USER_AGENT)

    def perform(
        self,
        label: str,
        job: Callable[[Callable[[str, dict], dict]], Any],
        *,
        then: Callable[[Any], None] | None = None,
        success: str | None = None,
    ) -> None:
        """Run ``job(call)`` on a worker thread; errors come back as a dialog."""
        self._perform(label, job, then, success)

    def submit(
        self,
        operation: str,
        params: dict,
        *,
        then: Callable[[Any], None] | None = None,
        success: str | None = None,
    ) -> None:
        self._perform(operation, lambda call: call(operation, params), then, success)

    @work(thread=True, exit_on_error=False, group="engine")
    def _perform(self, label: str, job, then, success) -> None:
        try:
            result = job(self.call)
        except AwsError as exc:
            self.post_message(EngineReply(label, error=exc))
            return
        except ValueError as exc:  # a value the engine could not take, said plainly
            self.post_message(
                EngineReply(label, error=AwsError(str(exc), code="ValidationException"))
            )
            return
        self.post_message(EngineReply(label, result=result, then=then, success=success))

    def on_engine_reply(self, reply: EngineReply) -> None:
        self.clock_text = self._engine_date()
        if reply.error is not None:
            self.show_error(reply.error, reply.label)
            self.screen.post_message(DataChanged())
            return
        if reply.success:
            self.notify(reply.success, markup=False)
        if reply.then is not None:
            reply.then(reply.result)
        self.screen.post_message(DataChanged())

    def show_error(self, error: AwsError, operation: str = "") -> None:
        from kmstui.ui.dialogs.error import ErrorScreen

        self.push_screen(ErrorScreen(error.code, error.message, operation))

    def refresh_clock(self) -> None:
        """Show the engine time again (a reactive: unchanged text redraws nothing)."""
        if self.engine is not None:
            self.clock_text = self._engine_date()

    def _engine_date(self) -> str:
        from kmstui.ui.format import date

        return date(self.engine.clock.now()) if self.engine is not None else ""

    # -- app-wide actions -------------------------------------------------------------
    async def action_quit(self) -> None:
        """Quit (q, ctrl+q), asking first about unsaved policy edits anywhere."""
        from kmstui.ui.unsaved import all_screens, leave_after_asking

        leave_after_asking(self, all_screens(self), self.exit)

    def action_move(self, key: str) -> None:
        """j, k, g and G: the arrow, Home or End key for the focused list (in a table,
        ctrl+Home or ctrl+End: its Home and End move across the columns)."""
        from textual.widgets import DataTable

        if isinstance(self.focused, DataTable) and key in ("home", "end"):
            key = f"ctrl+{key}"
        if self.focused is not None:
            self.simulate_key(key)

    async def action_switch_mode(self, mode: str) -> None:
        self.go_to_section(mode)

    def go_to_section(self, mode: str) -> None:
        """Show a section, asking first about unsaved policy edits in this one."""
        from kmstui.ui.unsaved import leave_after_asking

        if mode == self.current_mode:
            return
        leave_after_asking(self, self.screen_stack, lambda: self.switch_mode(mode))

    def action_help(self) -> None:
        from kmstui.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen.for_screen(self.screen))

    def action_save_svg(self, directory: str | None = None, name: str | None = None) -> str:
        """Save what the screen shows as an SVG (for docs, bug reports, demos), under a
        new name each time unless ``name`` is given."""
        folder = Path(directory or os.getcwd())
        from kmstui.ui.screenshot import screenshot_name

        path = self.save_screenshot(name or screenshot_name(self, folder), str(folder))
        self.notify(f"Saved the screen to {path}", markup=False)
        return path

    def action_switch_principal(self) -> None:
        from kmstui.ui.dialogs.acting_as import ActingAsScreen
        from kmstui.ui.principals import principal_choices

        def chosen(arn: str | None) -> None:
            if arn:
                self.act_as(arn)

        self.push_screen(
            ActingAsScreen(principal_choices(self.engine), self.acting_as.principal), chosen
        )

    def act_as(self, arn: str) -> None:
        if arn == self.acting_as.principal:
            return
        self.acting_as = Caller.for_arn(arn, self.engine.region)
        from kmstui.ui.format import short_arn

        self.notify(f"Acting as {short_arn(arn)}", markup=False)
        self.screen.post_message(DataChanged())

    def action_advance_clock(self) -> None:
        from kmstui.clock import parse_duration
        from kmstui.ui.dialogs.prompt import PromptScreen

        def validate(text: str) -> str | None:
            try:
                self.engine.clock.check_advance(parse_duration(text), text.strip())
            except ValueError as exc:  # not a duration, or past the latest engine time
                return str(exc)
            return None

        def advance(text: str | None) -> None:
            if text:
                seconds = parse_duration(text)
                self.perform(
                    "clock: advance",
                    lambda _call: self._advance(seconds, text.strip()),
                    success=f"Engine clock advanced by {text.strip()}",
                )

        self.push_screen(
            PromptScreen(
                "Advance the engine clock",
                "Duration (e.g. 31d, 12h, 90m)",
                "31d",
                validate,
                confirm="Advance",
            ),
            advance,
        )

    def _advance(self, seconds: float, shown: str) -> float:
        with self.engine.lock:
            return self.engine.advance_clock(seconds, shown)
