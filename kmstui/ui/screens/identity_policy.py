"""One inline identity policy of a user or role, in the live-validating policy editor.
Saving is PutUserPolicy or PutRolePolicy, made as the acting-as principal, after the
editor has shown the diff."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from kmstui.ui.actions import Action, bindings
from kmstui.ui.format import markup
from kmstui.ui.host import InConsole
from kmstui.ui.principals import Principal
from kmstui.ui.seam import backend_of
from kmstui.ui.widgets.footer import ConsoleFooter
from kmstui.ui.widgets.topbar import TopBar

NEW_POLICY = (
    json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}
            ],
        },
        indent=2,
    )
    + "\n"
)


def put_operation(principal: Principal) -> tuple[str, dict]:
    """PutUserPolicy/PutRolePolicy and who it names."""
    noun = "User" if principal.kind == "user" else "Role"
    return f"Put{noun}Policy", {f"{noun}Name": principal.name}


class IdentityPolicyScreen(InConsole, Screen):
    """``text`` is the stored document, or None for a new policy (the editor starts
    from a small example, and the diff shows every line as added)."""

    HELP_TITLE = "Identity policy"
    BINDINGS = bindings(
        Action(
            "identity-policy.back",
            "back",
            "back",
            "Back",
            "Back to the principals (asks first when there are unsaved edits)",
        ),
    )

    def __init__(self, principal: Principal, name: str, text: str | None):
        super().__init__()
        self.principal, self.policy_name, self.text = principal, name, text
        self.saved = False

    def compose(self) -> ComposeResult:
        from kmstui.ui.policy import PolicyEditorPane

        yield TopBar("principals")
        new = " (new)" if self.text is None else ""
        yield Static(
            markup(
                f"[b]$name[/b]{new} · inline policy of $kind/$who",
                name=self.policy_name,
                kind=self.principal.kind,
                who=self.principal.name,
            ),
            classes="title",
            id="policy-title",
        )
        yield PolicyEditorPane(
            backend_of(self),
            None,
            self.app.console_caller,
            policy_type="IDENTITY_POLICY",
            initial_text=self.text or "",
            on_save=self._put,
            id="identity-policy",
        )
        yield ConsoleFooter()

    def on_mount(self) -> None:
        if self.text is None:
            from kmstui.ui.policy import PolicyEditorPane

            editor = self.query_one("#identity-policy", PolicyEditorPane).editor
            editor.replace(NEW_POLICY, (0, 0), editor.document.end)
            editor.move_cursor((0, 0))

    def _put(self, text: str) -> None:
        """Raises the AWS error for the editor to show (AccessDenied, Malformed...)."""
        operation, who = put_operation(self.principal)
        self.app.call(operation, {**who, "PolicyName": self.policy_name, "PolicyDocument": text})
        self.saved = True

    def action_back(self) -> None:
        from kmstui.ui.policy import PolicyEditorPane

        pane = self.query_one("#identity-policy", PolicyEditorPane)
        if not pane.modified:
            self.dismiss(self.saved)
            return
        from kmstui.ui.dialogs.confirm import ConfirmScreen

        def confirmed(discard: bool | None) -> None:
            if discard:
                self.dismiss(self.saved)

        self.app.push_screen(
            ConfirmScreen(
                "Discard your edits?",
                f"{self.policy_name} has changes that are not saved.",
                confirm="Discard",
            ),
            confirmed,
        )
