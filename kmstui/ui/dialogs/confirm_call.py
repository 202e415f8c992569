"""Before a request that changes something (or uses a real key) is sent: the exact call
as the aws CLI spells it, where it goes and its parameters (secrets masked). Enter or y
sends it, Escape does not; a destructive call is sent only once the name of what it
destroys (an alias, key id or volume id) is typed exactly."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from kmstui.backends import WriteRequest
from kmstui.model.writes import masked
from kmstui.ui.actions import Action, bindings
from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import plain

TITLES = {
    "use": "Use this key?",
    "write": "Send this change?",
    "destructive": "Send this destructive change?",
}


def _wire(value: object) -> object:
    """A parameter as the JSON protocol carries it: blobs base64, times ISO 8601."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


MASKED = re.compile(r"<\d+ bytes, hidden>")

# Members whose value is a JSON document in a string: shown as written, under the rest.
DOCUMENTS = ("Policy", "PolicyDocument", "AssumeRolePolicyDocument")


def shown_params(request: WriteRequest) -> str:
    """The request's parameters as JSON, secrets masked; a policy document (a string
    member) follows them as it is written, so it reads as the user wrote it."""
    params = {
        member: value if MASKED.fullmatch(str(value)) else masked({member: value})[member]
        for member, value in request.params.items()
    }  # a backend masks them first (the gate does): not twice, or the size would be wrong
    documents = {
        member: params[member] for member in DOCUMENTS if isinstance(params.get(member), str)
    }
    shown = {m: f"<{len(v)} characters, below>" if m in documents else v for m, v in params.items()}
    text = json.dumps(shown, indent=2, default=_wire, ensure_ascii=False)
    for member, document in documents.items():
        text += f"\n\n{member}:\n{document.rstrip()}"
    return text


class ConfirmCallScreen(Dialog[bool]):
    """Dismisses with True (send it) or False. ``where``: where the request goes and as
    whom, in words (the title bar's location and the acting-as principal)."""

    BINDINGS = bindings(
        Action("dialog.confirm", "yes", "confirm", "Send", "Send the request", dialog=True),
        Action("dialog.cancel", "cancel", "cancel", "Cancel", "Do not send it", dialog=True),
    )

    DEFAULT_CSS = """
    ConfirmCallScreen #call-cli { text-style: bold; color: $accent; }
    ConfirmCallScreen #call-where { color: $text-muted; margin-bottom: 1; }
    ConfirmCallScreen #call-params {
        height: auto; max-height: 16; background: $boost; padding: 0 1;
    }
    ConfirmCallScreen.-short #call-params { max-height: 7; }
    ConfirmCallScreen #call-type-label { margin-top: 1; }
    ConfirmCallScreen .buttons { margin-top: 0; }
    """

    def __init__(self, request: WriteRequest, where: str = ""):
        super().__init__()
        self.request = request
        self.where = where

    @property
    def destructive(self) -> bool:
        return self.request.type_to_confirm is not None

    def compose(self) -> ComposeResult:
        request = self.request
        with Vertical(classes="box wide error" if request.kind == "destructive" else "box wide"):
            yield Label(plain(TITLES.get(request.kind, TITLES["write"])), classes="dialog-title")
            yield Static(plain(request.cli), id="call-cli")
            if self.where:
                yield Static(plain(self.where), id="call-where")
            with VerticalScroll(id="call-params"):
                yield Static(plain(shown_params(request)), id="call-params-text")
            if self.destructive:
                yield Static(
                    plain(f"Type {request.type_to_confirm} to send it:"), id="call-type-label"
                )
                yield Input(placeholder=str(request.type_to_confirm), id="call-typed")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel (Esc)", id="cancel")
                yield Button(
                    "Send (Enter)",
                    id="send",
                    variant="error" if request.kind == "destructive" else "primary",
                    disabled=self.destructive,
                )

    def on_mount(self) -> None:
        if self.destructive:
            self.query_one("#call-typed", Input).focus()
        else:
            self.query_one("#send", Button).focus()

    @property
    def typed_matches(self) -> bool:
        if not self.destructive:
            return True
        return self.query_one("#call-typed", Input).value == self.request.type_to_confirm

    @on(Input.Changed, "#call-typed")
    def _typed(self) -> None:
        self.query_one("#send", Button).disabled = not self.typed_matches
        self.query_one("#problem", Static).update("")

    @on(Input.Submitted, "#call-typed")
    @on(Button.Pressed, "#send")
    def action_confirm(self) -> None:
        if not self.typed_matches:
            self.query_one("#problem", Static).update(
                plain(f"✕ Type {self.request.type_to_confirm} exactly to send it.")
            )
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)
