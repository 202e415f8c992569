"""Choose the principal the console makes its requests as."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.principals import Principal


class ActingAsScreen(Dialog[str]):
    def __init__(self, principals: list[Principal], current: str):
        super().__init__()
        self.principals, self.current = principals, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label("Act as", classes="dialog-title")
            options = []
            for p in self.principals:
                mark = "▶ " if p.arn == self.current else "  "
                options.append(Option(Text(f"{mark}{p.label}"), id=p.arn))
            yield OptionList(*options, id="principals")
            yield Label("Enter chooses · Escape cancels", classes="hint")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.focus()
        for index, p in enumerate(self.principals):
            if p.arn == self.current:
                option_list.highlighted = index

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
