"""The keys of the screen underneath, generated from its active bindings, so help
can never fall behind the code."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label

from kmstui.ui.actions import Action, bindings, palette_title
from kmstui.ui.format import plain


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
        marker = "" if active.enabled else " (n/a here)"
        rows[name] = (shown, name + marker, binding.tooltip, binding.id or "")
    return sorted(rows.values(), key=lambda r: (r[1].split(":")[0], r[1]))


class HelpScreen(ModalScreen[None]):
    DEFAULT_CLASSES = "dialog"
    BINDINGS = bindings(Action("help.close", "escape,question_mark,f1,q", "dismiss", "Close",
                               "Close help"))

    def __init__(self, title: str, rows: list[tuple[str, str, str, str]]):
        super().__init__()
        self.title_text, self.rows = title, rows

    @classmethod
    def for_screen(cls, screen: Screen) -> HelpScreen:
        title = getattr(screen, "SECTION", "") or type(screen).__name__.removesuffix("Screen")
        return cls(f"Help — {title.replace('_', ' ').capitalize()}", help_rows(screen))

    def compose(self) -> ComposeResult:
        with Vertical(classes="box help"):
            yield Label(plain(self.title_text), classes="dialog-title")
            table = DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "Command", "What it does", "Id")
            for row in self.rows:
                table.add_row(*row)
            yield table
            yield Label("Remap any key by id in config.toml: [keymap] \"key.disable\" = \"D\"",
                        classes="hint")

    async def action_dismiss(self, result=None) -> None:
        self.dismiss(None)
