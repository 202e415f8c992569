"""A new access key's secret, shown this once, with a copy button."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from kmstui.ui.actions import Action, bindings
from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import plain


class SecretScreen(Dialog[None]):
    BINDINGS = bindings(
        Action(
            "secret.copy", "copy", "copy", "Copy secret", "Copy the secret access key", dialog=True
        ),
        Action(
            "dialog.close", "cancel", "cancel", "Close", "Close; the secret is gone", dialog=True
        ),
    )

    def __init__(self, user: str, access_key_id: str, secret: str):
        super().__init__()
        self.user, self.access_key_id, self.secret = user, access_key_id, secret

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(plain(f"New access key for {self.user}"), classes="dialog-title")
            yield Static(
                plain(f"Access key ID      {self.access_key_id}\nSecret access key  {self.secret}"),
                id="secret",
            )
            yield Static(
                "⚠ This is the only time the secret is shown. Copy it now.", classes="warning"
            )
            with Horizontal(classes="buttons"):
                yield Button("Copy secret (c)", id="copy", variant="primary")
                yield Button("Close", id="close")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.secret)
        self.notify("Secret access key copied", markup=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(None)
