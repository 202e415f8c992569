"""Ask before doing something that cannot simply be undone."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from kmstui.ui.actions import Action, bindings
from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import plain


class ConfirmScreen(Dialog[bool]):
    """Dismisses with True (confirmed) or False. ``message`` is plain text."""

    BINDINGS = bindings(
        Action("dialog.confirm", "yes", "confirm", "Yes", "Go ahead", dialog=True),
        Action("dialog.no", "no", "cancel", "No", "Do nothing", dialog=True),
        Action("dialog.cancel", "cancel", "cancel", "Cancel", "Do nothing", dialog=True),
    )

    def __init__(
        self, title: str, message: str, *, confirm: str = "Confirm", destructive: bool = True
    ):
        super().__init__()
        self.title_text, self.message, self.confirm_label = title, message, confirm
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(plain(self.title_text), classes="dialog-title")
            yield Static(plain(self.message), classes="dialog-body")
            with Horizontal(classes="buttons"):
                yield Button("Cancel (n)", id="cancel")
                yield Button(
                    f"{self.confirm_label} (y)",
                    id="confirm",
                    variant="error" if self.destructive else "primary",
                )

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)
