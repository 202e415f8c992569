"""The console's app-wide actions: sections, help, the acting-as principal and its
Region, the engine clock, themes, screenshots, cursor keys and quitting."""

from __future__ import annotations

import os
from pathlib import Path

from kmstui.ui.actions import Action
from kmstui.ui.host import AppHost
from kmstui.ui.messages import DataChanged
from kmstui.ui.region import REGION_ACTION, choose_region

SECTIONS = [
    ("keys", "Keys"),
    ("principals", "Principals"),
    ("volumes", "Volumes"),
    ("monitor", "Monitor"),
]

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
    REGION_ACTION,
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


class AppActionsMixin(AppHost):
    """The actions of :data:`APP_ACTIONS`, for :class:`kmstui.ui.app.KmsConsole`."""

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

        backend = self.open_backend()
        act_as_any = backend.capabilities.act_as_any
        if not act_as_any:
            self.notify(f"Act as: {act_as_any.why_not}", severity="warning", markup=False)
            return

        def chosen(arn: str | None) -> None:
            if arn:
                self.act_as(arn)

        self.push_screen(
            ActingAsScreen(principal_choices(backend), self.acting_as.principal), chosen
        )

    def action_switch_region(self) -> None:
        choose_region(self)

    def act_as(self, arn: str) -> None:
        if arn == self.acting_as.principal:
            return
        self.acting_as = self.open_backend().caller_for(arn).in_region(self.acting_as.region)
        from kmstui.ui.format import short_arn

        self.notify(f"Acting as {short_arn(arn)}", markup=False)
        self.screen.post_message(DataChanged())

    def action_advance_clock(self) -> None:
        from kmstui.clock import parse_duration
        from kmstui.ui.dialogs.prompt import PromptScreen

        backend = self.open_backend()
        clock = backend.clock
        if clock is None:
            why = backend.capabilities.clock.why_not
            self.notify(f"Engine clock: {why}", severity="warning", markup=False)
            return

        def validate(text: str) -> str | None:
            try:
                clock.check_advance(parse_duration(text), text.strip())
            except ValueError as exc:  # not a duration, or past the latest engine time
                return str(exc)
            return None

        def advance(text: str | None) -> None:
            if text:
                seconds = parse_duration(text)
                self.perform(
                    "clock: advance",
                    lambda _call: clock.advance(seconds, text.strip()),
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
