"""The keys of the screen underneath, generated from its active bindings, so help
can never fall behind the code."""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from kmstui.ui.actions import Action, bindings, palette_title
from kmstui.ui.capabilities import reason
from kmstui.ui.format import plain
from kmstui.ui.seam import backend_if_open

NARROW_BELOW = 100  # terminal columns under which the id goes under the command


def help_rows(screen: Screen) -> list[tuple[str, str, str, str]]:
    """(key, command, what it does, binding id) for each binding active on ``screen``."""
    rows: dict[str, tuple[str, str, str, str]] = {}
    app = screen.app
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.id or not binding.description or binding.system:
            continue  # widgets' own keys (cursor moves) are not console commands
        name = palette_title(binding) or binding.description
        shown = binding.key_display or app.get_key_display(binding)
        if name in rows:
            if shown not in rows[name][0].split():
                rows[name] = (f"{rows[name][0]} {shown}", *rows[name][1:])
            continue
        why = reason(backend_if_open(screen), binding.id)
        marker = f" ({why})" if why else "" if active.enabled else " (n/a here)"
        rows[name] = (shown, name + marker, binding.tooltip, binding.id or "")
    # By noun; within a noun, in the order the code declares them (tabs left to right).
    return sorted(rows.values(), key=lambda r: r[1].split(":")[0])


def screen_title(screen: Screen) -> str:
    """The name people call a screen: its HELP_TITLE, its section's title, or its class
    name in words ("CreateKeyScreen" -> "Create key")."""
    title: str = getattr(screen, "HELP_TITLE", "")
    if title:
        return title
    from kmstui.ui.app import SECTIONS

    section = dict(SECTIONS).get(getattr(screen, "SECTION", ""))
    if section:
        return section
    words = re.findall(r"[A-Z][a-z]*|[a-z]+|\d+", type(screen).__name__.removesuffix("Screen"))
    return " ".join(words).capitalize() or "Console"


def help_table(rows: list[tuple[str, str, str, str]], narrow: bool) -> Table:
    """Ids are never cut: they are what ``[keymap]`` in config.toml needs. When narrow,
    each id goes under its command and the descriptions wrap."""
    table = Table(
        box=None, expand=True, show_edge=False, pad_edge=False, padding=(0, 1), header_style="bold"
    )
    table.add_column("Key", no_wrap=True, style="bold")
    table.add_column("Command", no_wrap=True)
    table.add_column("What it does", ratio=1)
    if not narrow:
        table.add_column("Id", no_wrap=True, style="dim")
    for key, command, what, binding_id in rows:
        if narrow:
            table.add_row(key, Text.assemble(command, "\n", (binding_id, "dim")), what)
        else:
            table.add_row(key, command, what, binding_id)
    return table


def verb_table() -> Table:
    """The console's verbs and their keys, from the one table (kmstui.ui.actions)."""
    from kmstui.ui.actions import VERBS
    from kmstui.ui.keys import key_name

    table = Table(box=None, expand=True, show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("Keys", no_wrap=True, style="bold")
    table.add_column("Verb", ratio=1)
    for verb, (keys, meaning) in VERBS.items():
        shown = " ".join(key_name(k) for k in keys.split(","))
        table.add_row(shown, f"{verb}: {meaning}")
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CLASSES = "dialog"
    BINDINGS = bindings(
        Action("help.close", "cancel", "dismiss", "Close", "Close help", dialog=True),
        Action("help.again", "close-help", "dismiss", "Close", "Close help", dialog=True),
    )

    def __init__(self, title: str, rows: list[tuple[str, str, str, str]]):
        super().__init__()
        self.title_text, self.rows = title, rows

    @classmethod
    def for_screen(cls, screen: Screen) -> HelpScreen:
        return cls(f"Help — {screen_title(screen)}", help_rows(screen))

    def compose(self) -> ComposeResult:
        with Vertical(classes="box help"):
            yield Label(plain(self.title_text), classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(id="help-table")
            yield Label(
                'Remap a key by its id in config.toml: [keymap] "key.disable" = "D"',
                classes="hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self._draw()
        self.query_one("#help-scroll").focus()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        from rich.console import Group

        self.query_one("#help-table", Static).update(
            Group(
                help_table(self.rows, self.app.size.width < NARROW_BELOW),
                Text(""),
                Text("Every key of the console (docs/keys.md): one verb a key", style="bold"),
                verb_table(),
            )
        )

    async def action_dismiss(self, result=None) -> None:
        self.dismiss(None)
