"""Small modal dialogs: a message, a confirmation, a path prompt and a diff review.

Every text shown comes in as plain text (rich ``Text``), never as markup, so a
policy, a path or an error message cannot inject styles or break rendering.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from kmstui.ui.actions import bindings, dialog_action

DIALOG_CSS = """
    align: center middle;
    & > .dialog {
        width: 76;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        padding: 0 1;
        border: thick $primary 80%;
        background: $surface;
    }
    & .dialog-title {
        text-style: bold;
        width: 1fr;
        margin-bottom: 1;
    }
    & .dialog-body {
        height: auto;
        max-height: 20;
        margin-bottom: 1;
    }
    & .dialog-buttons {
        height: auto;
        align-horizontal: right;
    }
    & .dialog-buttons Button {
        margin-left: 1;
    }
    & .-error .dialog-title { color: $error; }
    & .-warning .dialog-title { color: $warning; }
"""


def _plain(value: str | Text) -> Text:
    return value if isinstance(value, Text) else Text(value)


class MessageDialog(ModalScreen[None]):
    """A title, some words and an OK button (escape or enter closes it)."""

    DEFAULT_CSS = "MessageDialog {" + DIALOG_CSS + "}"
    BINDINGS = bindings(
        dialog_action("dialog.close", "cancel", "close", "Close", "Close the message", show=False)
    )

    def __init__(
        self, title: str, message: str | Text, *, severity: str = "information", button: str = "OK"
    ) -> None:
        super().__init__()
        self._title = title
        self._message = message
        self.message = _plain(message).plain  # what it says, as plain text
        self._severity = severity
        self._button = button

    def compose(self) -> ComposeResult:
        with Vertical(classes=f"dialog -{self._severity}"):
            yield Label(Text(self._title), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(_plain(self._message), id="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._button, variant="primary", id="dialog-ok")

    def on_mount(self) -> None:
        self.query_one("#dialog-ok", Button).focus()

    @on(Button.Pressed, "#dialog-ok")
    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """Asks before doing something; returns True only when confirmed (y), False for
    no (n) or Escape."""

    DEFAULT_CSS = "ConfirmDialog {" + DIALOG_CSS + "}"
    BINDINGS = bindings(
        dialog_action("dialog.confirm", "yes", "confirm", "Yes", "Go ahead"),
        dialog_action("dialog.no", "no", "cancel", "No", "Do nothing"),
        dialog_action("dialog.cancel", "cancel", "cancel", "Cancel", "Do nothing", show=False),
    )

    def __init__(
        self, title: str, message: str | Text, *, confirm: str = "OK", destructive: bool = False
    ) -> None:
        super().__init__()
        self._title = title
        self._message = message
        self.message = _plain(message).plain
        self._confirm = confirm
        self._destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -warning" if self._destructive else "dialog"):
            yield Label(Text(self._title), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(_plain(self._message), id="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (n)", id="dialog-cancel")
                yield Button(
                    f"{self._confirm} (y)",
                    id="dialog-confirm",
                    variant="error" if self._destructive else "primary",
                )

    def on_mount(self) -> None:
        # Destructive actions start on Cancel so a stray enter does no harm.
        target = "#dialog-cancel" if self._destructive else "#dialog-confirm"
        self.query_one(target, Button).focus()

    @on(Button.Pressed, "#dialog-confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#dialog-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class PathDialog(ModalScreen["str | None"]):
    """Asks for a file path; returns it, or None when cancelled."""

    DEFAULT_CSS = "PathDialog {" + DIALOG_CSS + "}"
    BINDINGS = bindings(
        dialog_action("dialog.cancel", "cancel", "cancel", "Cancel", "Close", show=False)
    )

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        confirm: str = "OK",
        placeholder: str = "path/to/policy.json",
    ) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._confirm = confirm
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self._title), classes="dialog-title")
            yield Input(self._value, placeholder=self._placeholder, id="dialog-path")
            yield Label("", id="dialog-problem")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="dialog-cancel")
                yield Button(self._confirm, variant="primary", id="dialog-confirm")

    def on_mount(self) -> None:
        self.query_one("#dialog-path", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#dialog-confirm")
    def _submit(self) -> None:
        path = self.query_one("#dialog-path", Input).value.strip()
        if not path:
            self.query_one("#dialog-problem", Label).update("Enter a file path.")
            return
        self.dismiss(path)

    @on(Button.Pressed, "#dialog-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class DiffDialog(ModalScreen[bool]):
    """Shows a diff before saving (or just for review); returns True to save."""

    DEFAULT_CSS = (
        "DiffDialog {"
        + DIALOG_CSS
        + """
        & > .dialog { width: 110; height: 90%; }
        & #diff-view { height: 1fr; border: round $panel-lighten-2; }
        & #diff-text { width: auto; }
        & .dialog-note { color: $text-muted; height: auto; }
        & .dialog-note.-warning { color: $warning; text-style: bold; }
    }"""
    )
    BINDINGS = bindings(
        dialog_action("dialog.cancel", "cancel", "cancel", "Cancel", "Close", show=False)
    )

    def __init__(
        self,
        title: str,
        diff: Text,
        *,
        notes: Sequence[str] = (),
        warning: str = "",
        save_label: str | None = "Save",
    ) -> None:
        super().__init__()
        self._title = title
        self._diff = diff
        self.diff_text = diff.plain
        self._notes = list(notes)
        self._warning = warning
        self._save_label = save_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self._title), classes="dialog-title")
            for note in self._notes:
                yield Static(Text(note), classes="dialog-note")
            if self._warning:
                yield Static(Text(self._warning), classes="dialog-note -warning")
            with VerticalScroll(id="diff-view", can_focus=True):
                yield Static(self._diff, id="diff-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel" if self._save_label else "Close", id="dialog-cancel")
                if self._save_label:
                    yield Button(self._save_label, variant="primary", id="dialog-confirm")

    def on_mount(self) -> None:
        target = "#dialog-confirm" if self._save_label else "#dialog-cancel"
        self.query_one(target, Button).focus()

    @on(Button.Pressed, "#dialog-confirm")
    def _confirmed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#dialog-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
