"""The grant dialogs: create a grant, and show its token once."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
)

from kmstui.errors import AwsError
from kmstui.model.grantops import GRANT_OPERATIONS, grant_operations_for
from kmstui.ui.actions import bindings, dialog_action
from kmstui.ui.policy.dialogs import DIALOG_CSS
from kmstui.ui.policy.simulate import ContextSyntaxError, parse_encryption_context

CONSTRAINT_KINDS = ("none", "EncryptionContextEquals", "EncryptionContextSubset")


def grant_operations() -> list[str]:
    """The operations a grant may allow, in AWS's order (the GrantOperation enum)."""
    return list(GRANT_OPERATIONS)


def offered_operations(metadata: dict | None) -> list[str]:
    """The grant operations AWS accepts for a key of this KeySpec and KeyUsage, in
    AWS's order; every one when the key's metadata could not be read."""
    if not metadata or "KeySpec" not in metadata:
        return grant_operations()
    valid = grant_operations_for(metadata)
    return [op for op in grant_operations() if op in valid]


class PrincipalField(Vertical):
    """A principal: chosen from the known ones, or typed."""

    DEFAULT_CSS = """
    PrincipalField { height: auto; }
    """

    def __init__(
        self,
        principals: Sequence[str],
        *,
        value: str = "",
        placeholder: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._principals = list(dict.fromkeys(principals))
        self._value = value
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield Select(
            [(Text(p), p) for p in self._principals],
            prompt="Known principals",
            compact=True,
            classes="principal-known",
        )
        yield Input(
            self._value, placeholder=self._placeholder, compact=True, classes="principal-arn"
        )

    @property
    def value(self) -> str:
        return self.query_one(".principal-arn", Input).value.strip()

    @value.setter
    def value(self, principal: str) -> None:
        self.query_one(".principal-arn", Input).value = principal

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.value = event.value


class CreateAnswered(Message):
    def __init__(self, response: dict | None, error: AwsError | None = None) -> None:
        self.response, self.error = response, error
        super().__init__()


class CreateGrantDialog(ModalScreen["dict | None"]):
    """Builds CreateGrant parameters and runs ``create`` with them. KMS's refusal
    is shown in the dialog, which stays open; success returns the response. Only the
    operations valid for the key (its ``metadata``: KeySpec and KeyUsage) are offered."""

    DEFAULT_CSS = (
        "CreateGrantDialog {"
        + DIALOG_CSS
        + """
        & > .dialog { width: 110; height: auto; max-height: 95%; }
        & #grant-form { height: auto; max-height: 1fr; }
        & #grant-columns { height: auto; }
        & #grant-left { width: 1fr; height: auto; }
        & #grant-right { width: 36; height: auto; margin-left: 2; }
        & Label { color: $text-muted; margin-top: 1; }
        & #grant-operations { height: 12; }
        & #grant-constraint-kind { width: 1fr; }
        & #grant-operations-chosen { height: auto; color: $text-muted; }
        & #grant-problem { color: $error; height: auto; margin-top: 1; }
        &.-narrow #grant-columns { layout: vertical; }
        &.-narrow #grant-right { width: 1fr; margin-left: 0; }
        &.-narrow #grant-operations { height: 8; }
        &.-short > .dialog { height: 100%; max-height: 100%; }
        &.-short #grant-form { height: 1fr; max-height: 100%; }
        &.-short .dialog-title { margin-bottom: 0; }
    }"""
    )
    BINDINGS = bindings(
        dialog_action("dialog.cancel", "cancel", "cancel", "Cancel", "Close", show=False)
    )

    def __init__(
        self,
        key_id: str,
        principals: Sequence[str],
        create: Callable[[dict], dict],
        metadata: dict | None = None,
    ) -> None:
        super().__init__()
        self._key_id = key_id
        self._principals = principals
        self._create = create
        self.operations = offered_operations(metadata)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(f"Create a grant on {self._key_id}"), classes="dialog-title")
            with VerticalScroll(id="grant-form"):
                with Horizontal(id="grant-columns"):
                    with Vertical(id="grant-left"):
                        yield Label("Grantee principal (required)")
                        yield PrincipalField(
                            self._principals,
                            id="grant-grantee",
                            placeholder="arn:aws:iam::111122223333:role/app",
                        )
                        yield Label("Retiring principal (optional)")
                        yield PrincipalField(
                            self._principals,
                            id="grant-retiring",
                            placeholder="who may retire the grant",
                        )
                        yield Label("Name (optional; the same name returns the same grant)")
                        yield Input(id="grant-name", compact=True, placeholder="ebs-volume-1")
                        yield Label("Constraint")
                        with RadioSet(id="grant-constraint-kind", compact=True):
                            for index, kind in enumerate(CONSTRAINT_KINDS):
                                yield RadioButton(kind, value=index == 0, compact=True)
                        yield Input(
                            id="grant-context",
                            compact=True,
                            disabled=True,
                            placeholder="encryption context: k=v,k2=v2",
                        )
                    with Vertical(id="grant-right"):
                        yield Label("Operations")
                        yield SelectionList(
                            *((op, op) for op in self.operations),
                            id="grant-operations",
                            compact=True,
                        )
                        yield Static(Text("Chosen: none"), id="grant-operations-chosen")
                yield Static("", id="grant-problem")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="dialog-cancel")
                yield Button("Create grant", variant="primary", id="dialog-confirm")

    def on_mount(self) -> None:
        self.query_one("#grant-grantee .principal-arn", Input).focus()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")
        self.set_class(self.size.height < 36, "-short")

    @on(SelectionList.SelectedChanged, "#grant-operations")
    def _operations_changed(self) -> None:
        # The chosen operations in words, not only as highlighted boxes.
        chosen = self.query_one("#grant-operations", SelectionList).selected
        self.query_one("#grant-operations-chosen", Static).update(
            Text("Chosen: " + (", ".join(chosen) if chosen else "none"))
        )

    @property
    def constraint_kind(self) -> str:
        index = self.query_one("#grant-constraint-kind", RadioSet).pressed_index
        return CONSTRAINT_KINDS[max(index, 0)]

    @on(RadioSet.Changed, "#grant-constraint-kind")
    def _constraint_changed(self) -> None:
        self.query_one("#grant-context", Input).disabled = self.constraint_kind == "none"

    def parameters(self) -> dict:
        """CreateGrant parameters from the form; ValueError says what is missing."""
        grantee = self.query_one("#grant-grantee", PrincipalField).value
        if not grantee:
            raise ValueError("Choose or type a grantee principal.")
        operations = list(self.query_one("#grant-operations", SelectionList).selected)
        if not operations:
            raise ValueError("Choose at least one operation.")
        params: dict = {
            "KeyId": self._key_id,
            "GranteePrincipal": grantee,
            "Operations": operations,
        }
        retiring = self.query_one("#grant-retiring", PrincipalField).value
        if retiring:
            params["RetiringPrincipal"] = retiring
        name = self.query_one("#grant-name", Input).value.strip()
        if name:
            params["Name"] = name
        kind = self.constraint_kind
        if kind != "none":
            try:
                context = parse_encryption_context(self.query_one("#grant-context", Input).value)
            except ContextSyntaxError as exc:
                raise ValueError(f"Encryption context: {exc}") from None
            if not context:
                raise ValueError(f"{kind} needs at least one k=v pair.")
            params["Constraints"] = {kind: context}
        return params

    @on(Button.Pressed, "#dialog-confirm")
    def _submit(self) -> None:
        problem = self.query_one("#grant-problem", Static)
        try:
            params = self.parameters()
        except ValueError as exc:
            problem.update(Text(str(exc)))
            return
        self._submit_create(params)

    @work(thread=True, exclusive=True, group="create-grant", exit_on_error=False)
    def _submit_create(self, params: dict) -> None:
        """CreateGrant on a worker: the answer closes the dialog, a refusal shows in it."""
        try:
            self.post_message(CreateAnswered(self._create(params)))
        except AwsError as exc:
            self.post_message(CreateAnswered(None, exc))

    @on(CreateAnswered)
    def _answered(self, message: CreateAnswered) -> None:
        exc = message.error
        if exc is None:
            self.dismiss(message.response)
            return
        self.query_one("#grant-problem", Static).update(Text(f"{exc.code}: {exc.message}"))

    @on(Button.Pressed, "#dialog-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class GrantTokenDialog(ModalScreen[None]):
    """The new grant's id and token. The token is shown this once."""

    DEFAULT_CSS = (
        "GrantTokenDialog {"
        + DIALOG_CSS
        + """
        & #token-text { background: $boost; padding: 0 1; margin-bottom: 1; }
        & .dialog-note { color: $warning; margin-bottom: 1; }
    }"""
    )
    BINDINGS = bindings(
        dialog_action("dialog.close", "cancel", "close", "Close", "Close", show=False)
    )

    def __init__(self, grant_id: str, token: str) -> None:
        super().__init__()
        self.grant_id = grant_id
        self._token = token

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Grant created", classes="dialog-title")
            yield Static(Text(f"GrantId: {self.grant_id}"), id="token-grant-id")
            yield Static(
                Text("GrantToken (shown once: copy it now if the grantee needs it):"),
                classes="dialog-note",
            )
            yield Static(Text(self._token), id="token-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy token", id="token-copy")
                yield Button("Close", variant="primary", id="dialog-ok")

    def on_mount(self) -> None:
        self.query_one("#token-copy", Button).focus()

    @on(Button.Pressed, "#token-copy")
    def copy_token(self) -> None:
        self.app.copy_to_clipboard(self._token)
        self.notify("Grant token copied to the clipboard.")

    @on(Button.Pressed, "#dialog-ok")
    def action_close(self) -> None:
        self.dismiss(None)
