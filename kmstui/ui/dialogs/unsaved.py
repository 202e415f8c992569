"""Asked before leaving a policy editor that holds unsaved edits."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from kmstui.ui.actions import Action, bindings
from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import plain

SAVE, DISCARD, STAY = "save", "discard", "stay"


class UnsavedScreen(Dialog[str]):
    """Dismisses with "save" (review the diff, then save), "discard" or "stay"."""

    BINDINGS = bindings(
        Action(
            "dialog.save",
            "save",
            "choose('save')",
            "Save",
            "Review the diff, then save",
            dialog=True,
        ),
        Action(
            "dialog.discard",
            "discard",
            "choose('discard')",
            "Discard",
            "Drop the unsaved edits",
            dialog=True,
        ),
        Action("dialog.cancel", "cancel", "choose('stay')", "Stay", "Keep editing", dialog=True),
    )

    def __init__(self, what: str):
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label("Unsaved policy edits", classes="dialog-title")
            yield Static(
                plain(
                    f"{self.what} has edits that are not saved. Save them, discard them, "
                    "or stay in the editor?"
                ),
                classes="dialog-body",
            )
            with Horizontal(classes="buttons"):
                yield Button("Stay (esc)", id="stay")
                yield Button("Discard (d)", id="discard", variant="error")
                yield Button("Save… (s)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or STAY)


RESTORE, LATER = "restore", "later"


class RecoveryScreen(Dialog[str]):
    """Offers an edit kept when the terminal closed: "restore", "discard" or "later"
    (Escape: the file stays and is offered again next time)."""

    BINDINGS = bindings(
        Action(
            "dialog.restore",
            "restore",
            "choose('restore')",
            "Restore",
            "Put the edit back",
            dialog=True,
        ),
        Action(
            "dialog.discard",
            "discard",
            "choose('discard')",
            "Discard",
            "Drop the kept edit",
            dialog=True,
        ),
        Action(
            "dialog.cancel",
            "cancel",
            "choose('later')",
            "Later",
            "Ask again next time",
            dialog=True,
        ),
    )

    def __init__(self, message: str):
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label("Restore unsaved policy edits?", classes="dialog-title")
            yield Static(plain(self.message), classes="dialog-body")
            with Horizontal(classes="buttons"):
                yield Button("Later (esc)", id="later")
                yield Button("Discard (d)", id="discard", variant="error")
                yield Button("Restore (r)", id="restore", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#restore", Button).focus()

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or LATER)
