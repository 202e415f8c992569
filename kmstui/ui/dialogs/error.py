"""An engine error as AWS reports it: the error code and its message."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from kmstui.ui.actions import Action, bindings
from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import markup, plain


class ErrorScreen(Dialog[None]):
    BINDINGS = bindings(
        Action("dialog.close", "cancel", "cancel", "Close", "Close the message", dialog=True),
        Action("dialog.ok", "ok", "cancel", "OK", "Close the message", dialog=True),
        Action(
            "dialog.copy", "copy", "copy", "Copy", "Copy the error to the clipboard", dialog=True
        ),
    )

    def __init__(self, code: str, message: str, operation: str = ""):
        super().__init__()
        self.code, self.message, self.operation = code, message, operation

    def compose(self) -> ComposeResult:
        with Vertical(classes="box error"):
            where = " — $operation" if self.operation else ""
            yield Label(
                markup(f"[b]$code[/b]{where}", code=self.code, operation=self.operation),
                classes="dialog-title",
                id="error-code",
            )
            yield Static(
                plain(self.message or "(no message)"), classes="dialog-body", id="error-message"
            )
            with Horizontal(classes="buttons"):
                yield Button("Copy (c)", id="copy")
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(f"{self.code}: {self.message}")
        self.notify("Error copied", markup=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(None)
