"""One value from the user, checked before the dialog closes."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import plain

Validator = Callable[[str], str | None]  # the problem, or None when the value is good


class PromptScreen(Dialog[str]):
    def __init__(
        self,
        title: str,
        label: str,
        value: str = "",
        validate: Validator | None = None,
        *,
        confirm: str = "OK",
        placeholder: str = "",
    ):
        super().__init__()
        self.title_text, self.label, self.value = title, label, value
        self.validate = validate
        self.confirm_label = confirm
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(plain(self.title_text), classes="dialog-title")
            yield Static(plain(self.label), classes="prompt-label")
            yield Input(self.value, placeholder=self.placeholder, id="value")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.confirm_label, id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def problem_with(self, text: str) -> str | None:
        return self.validate(text) if self.validate else None

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        text = self.query_one(Input).value
        problem = self.problem_with(text)
        if problem:
            self.query_one("#problem", Static).update(plain(f"✕ {problem}"))
            return
        self.dismiss(text)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
