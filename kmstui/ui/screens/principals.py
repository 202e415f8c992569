"""Principals: the account's IAM users and roles, their inline identity policies (edit,
add and delete in the live-validating policy editor) and users' access keys (create,
deactivate, delete). Needs the IAM service."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import unquote

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from kmstui.errors import AwsError
from kmstui.ui.actions import Action, bindings
from kmstui.ui.format import date, plain, short_arn
from kmstui.ui.principals import Principal, from_arn, iam_available, principal_choices
from kmstui.ui.screens.base import ConsoleScreen
from kmstui.ui.seam import backend_of


@dataclass
class PrincipalDetail:
    principal: Principal
    policies: dict[str, str] = field(default_factory=dict)
    access_keys: list[dict] = field(default_factory=list)
    problem: str | None = None


def _document(text: str) -> str:
    text = unquote(text) if text.startswith("%") else text
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


def read_principal(call, principal: Principal) -> PrincipalDetail:
    detail = PrincipalDetail(principal)
    if principal.kind not in ("user", "role"):
        return detail
    noun = "User" if principal.kind == "user" else "Role"
    who = {f"{noun}Name": principal.name}
    for name in call(f"List{noun}Policies", who).get("PolicyNames", []):
        got = call(f"Get{noun}Policy", {**who, "PolicyName": name})
        detail.policies[name] = _document(got.get("PolicyDocument", ""))
    if principal.kind == "user":
        detail.access_keys = call("ListAccessKeys", who).get("AccessKeyMetadata", [])
    return detail


def statement_count(document: str) -> str:
    try:
        statements = json.loads(document).get("Statement", [])
    except (ValueError, AttributeError):
        return "?"
    return str(len(statements) if isinstance(statements, list) else 1)


def list_principals(backend, call) -> list[Principal]:
    found = {p.arn: p for p in principal_choices(backend)}
    for user in call("ListUsers", {}).get("Users", []):
        found.setdefault(user["Arn"], from_arn(user["Arn"]))
    for role in call("ListRoles", {}).get("Roles", []):
        found.setdefault(role["Arn"], from_arn(role["Arn"]))
    return sorted(found.values(), key=lambda p: (p.account, p.kind != "root", p.kind, p.name))


class PrincipalsLoaded(Message):
    def __init__(self, principals: list[Principal] | None, problem: str | None = None):
        super().__init__()
        self.principals, self.problem = principals, problem


class PrincipalLoaded(Message):
    def __init__(self, detail: PrincipalDetail):
        super().__init__()
        self.detail = detail


POLICY_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-")


def policy_name_problem(text: str, taken: set[str]) -> str | None:
    name = text.strip()
    if not name:
        return "Enter a policy name."
    if len(name) > 128 or not set(name) <= POLICY_NAME_CHARS:
        return "Up to 128 letters, digits and + = , . @ _ -"
    if name in taken:
        return f"{name} exists; edit it instead (p)."
    return None


class PrincipalsScreen(ConsoleScreen):
    SECTION = "principals"
    BINDINGS = bindings(
        Action(
            "principal.act-as",
            "act-as",
            "act_as",
            "Act as this",
            "Make requests as the selected principal",
            key="A",
        ),
        Action(
            "policy.edit",
            "edit",
            "edit_policy",
            "Edit policy",
            "Edit the selected inline policy; saves with PutUserPolicy/PutRolePolicy",
        ),
        Action(
            "policy.add",
            "new",
            "add_policy",
            "New policy",
            "Add an inline policy to this user or role (asks for its name)",
        ),
        Action(
            "policy.delete",
            "delete",
            "delete_policy",
            "Delete policy",
            "DeleteUserPolicy/DeleteRolePolicy for the selected policy (asks first)",
        ),
        Action(
            "access-key.create",
            "new",
            "create_access_key",
            "New access key",
            "CreateAccessKey for this user (the secret is shown once)",
        ),
        Action(
            "access-key.activate",
            "enable",
            "set_access_key('Active')",
            "Activate",
            "UpdateAccessKey: Status Active",
        ),
        Action(
            "access-key.deactivate",
            "disable",
            "set_access_key('Inactive')",
            "Deactivate",
            "UpdateAccessKey: Status Inactive",
        ),
        Action(
            "access-key.delete",
            "delete",
            "delete_access_key",
            "Delete key",
            "DeleteAccessKey for the selected access key (asks first)",
        ),
        Action("principals.refresh", "refresh", "refresh", "Refresh", "Read again", show=False),
    )

    def __init__(self) -> None:
        super().__init__()
        self.principals: list[Principal] = []
        self.detail: PrincipalDetail | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="principals-note", classes="status")
        with Horizontal(id="principals-body"):
            yield DataTable(id="principals", cursor_type="row", zebra_stripes=True)
            with Vertical(id="principal-side"):
                yield Label("Access keys", classes="heading", id="access-keys-heading")
                yield DataTable(id="access-keys", cursor_type="row")
                yield Label("Inline identity policies", classes="heading", id="policies-heading")
                yield DataTable(id="policy-names", cursor_type="row")
                with VerticalScroll(id="policies-scroll"):
                    yield Static("", id="policies", classes="code")

    def on_mount(self) -> None:
        self.query_one("#principals", DataTable).add_columns("Account", "Type", "Name")
        self.query_one("#access-keys", DataTable).add_columns("Access key id", "Status", "Created")
        self.query_one("#policy-names", DataTable).add_columns("Policy", "Statements")

    def reload(self) -> None:
        if not iam_available(backend_of(self)):
            self.query_one("#principals-note", Static).update(
                "IAM not available: this engine has no IAM service yet, so users, roles, "
                "identity policies and access keys cannot be listed. You can still act as "
                "the sample principals (A)."
            )
            self._fill([from_arn(p.arn) for p in principal_choices(backend_of(self))])
            return
        self._load()

    def action_refresh(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="principals", exit_on_error=False)
    def _load(self) -> None:
        try:
            found = list_principals(backend_of(self), self.app.call)
        except AwsError as exc:
            # Still list who the console can act as; their details say what is denied.
            known = [from_arn(p.arn) for p in principal_choices(backend_of(self))]
            self.post_message(PrincipalsLoaded(known, f"{exc.code}: {exc.message}"))
            return
        self.post_message(PrincipalsLoaded(found))

    def on_principals_loaded(self, message: PrincipalsLoaded) -> None:
        note = self.query_one("#principals-note", Static)
        if message.problem:
            note.update(plain(f"✕ {message.problem}"))
        else:
            note.update(
                plain(
                    f"{len(message.principals or [])} principal(s) · acting as "
                    f"{short_arn(self.app.acting_as.principal)}"
                )
            )
        self._fill(message.principals or [])

    def _fill(self, principals: list[Principal]) -> None:
        self.principals = principals
        table = self.query_one("#principals", DataTable)
        selected = self.selected()
        table.clear()
        for p in principals:
            table.add_row(p.account, p.kind, plain(p.name), key=p.arn)
        if selected is not None and selected.arn in {p.arn for p in principals}:
            table.move_cursor(row=table.get_row_index(selected.arn), animate=False)
        self._read_selected()

    def selected(self) -> Principal | None:
        table = self.query_one("#principals", DataTable)
        if not table.row_count:
            return None
        arn = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((p for p in self.principals if p.arn == arn), None)

    @on(DataTable.RowHighlighted, "#principals")
    def _highlighted(self) -> None:
        self._read_selected()

    def _read_selected(self) -> None:
        principal = self.selected()
        if principal is not None and iam_available(backend_of(self)):
            self._load_detail(principal)
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="principal", exit_on_error=False)
    def _load_detail(self, principal: Principal) -> None:
        try:
            detail = read_principal(self.app.call, principal)
        except AwsError as exc:
            detail = PrincipalDetail(principal, problem=f"{exc.code}: {exc.message}")
        self.post_message(PrincipalLoaded(detail))

    def on_principal_loaded(self, message: PrincipalLoaded) -> None:
        self.detail = detail = message.detail
        user = detail.principal.kind == "user"
        for widget in (self.query_one("#access-keys-heading"), self.query_one("#access-keys")):
            widget.display = user  # roles and the root user have no access keys here
        self.query_one("#access-keys-heading", Label).update(
            f"Access keys ({len(detail.access_keys)})"
            if detail.access_keys
            else "Access keys (none; k creates one)"
        )
        self.query_one("#policies-heading", Label).update(
            f"Inline identity policies ({len(detail.policies)})"
        )
        keys = self.query_one("#access-keys", DataTable)
        keys.clear()
        for key in detail.access_keys:
            keys.add_row(
                plain(key.get("AccessKeyId", "")),
                plain(key.get("Status", "")),
                plain(date(key.get("CreateDate"))),
                key=key.get("AccessKeyId"),
            )
        names = self.query_one("#policy-names", DataTable)
        selected = self.selected_policy()
        names.clear()
        for name, document in detail.policies.items():
            names.add_row(plain(name), plain(statement_count(document)), key=name)
        if selected in detail.policies:
            names.move_cursor(row=names.get_row_index(selected), animate=False)
        self._show_policy()
        self.refresh_bindings()

    def selected_policy(self) -> str | None:
        table = self.query_one("#policy-names", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value

    def _show_policy(self) -> None:
        detail = self.detail
        name = self.selected_policy()
        if detail is None:
            text = plain("")
        elif detail.problem:
            text = plain(f"✕ {detail.problem}")
        elif name is not None:
            text = plain(detail.policies.get(name, ""))
        elif detail.principal.kind == "root":
            text = plain("The account root user needs no identity policy.")
        else:
            text = plain("No inline policies. n adds one.")
        self.query_one("#policies", Static).update(text)

    @on(DataTable.RowHighlighted, "#policy-names")
    def _policy_highlighted(self) -> None:
        self._show_policy()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#policy-names")
    def _policy_chosen(self) -> None:
        self.action_edit_policy()

    def _selected_access_key(self) -> str | None:
        table = self.query_one("#access-keys", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        principal = self.selected()
        if action == "act_as":
            return principal is not None
        editable = (
            principal is not None
            and principal.kind in ("user", "role")
            and iam_available(backend_of(self))
            and self.detail is not None
            and self.detail.principal == principal
            and not self.detail.problem
        )
        policies_focused = self.focused is self.query_one("#policy-names")
        keys_focused = self.focused is self.query_one("#access-keys")
        if action == "add_policy":  # n: a new policy, unless the access keys have focus
            return editable and not keys_focused
        if action == "edit_policy":
            return editable and self.selected_policy() is not None
        if action == "delete_policy":
            return editable and policies_focused and self.selected_policy() is not None
        if action in ("set_access_key", "create_access_key", "delete_access_key"):
            if principal is None or principal.kind != "user" or not iam_available(backend_of(self)):
                return False
            if action == "delete_access_key" and policies_focused:
                return False  # x deletes the policy there
            if action == "create_access_key" and not keys_focused:
                return False  # n adds a policy there
            if action != "create_access_key":
                return self._selected_access_key() is not None
        return True

    # -- identity policies ------------------------------------------------------------
    def _open_policy(self, name: str, text: str | None) -> None:
        from kmstui.ui.screens.identity_policy import IdentityPolicyScreen

        assert self.detail is not None
        self.app.push_screen(IdentityPolicyScreen(self.detail.principal, name, text))

    def action_edit_policy(self) -> None:
        name = self.selected_policy()
        if name is not None and self.detail is not None:
            self._open_policy(name, self.detail.policies.get(name, ""))

    def action_add_policy(self) -> None:
        if self.detail is None:
            return
        from kmstui.ui.dialogs.prompt import PromptScreen

        taken = set(self.detail.policies)

        def chosen(name: str | None) -> None:
            if name:
                self._open_policy(name.strip(), None)

        self.app.push_screen(
            PromptScreen(
                f"New inline policy for {self.detail.principal.kind}/{self.detail.principal.name}",
                "Policy name",
                "",
                lambda text: policy_name_problem(text, taken),
                confirm="Edit",
            ),
            chosen,
        )

    def action_delete_policy(self) -> None:
        name = self.selected_policy()
        if name is None or self.detail is None:
            return
        from kmstui.ui.dialogs.confirm import ConfirmScreen

        principal = self.detail.principal
        noun = "User" if principal.kind == "user" else "Role"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.submit(
                    f"Delete{noun}Policy",
                    {f"{noun}Name": principal.name, "PolicyName": name},
                    success=f"Deleted policy {name}",
                )

        self.app.push_screen(
            ConfirmScreen(
                f"Delete policy {name}?",
                f"Delete{noun}Policy removes it from {principal.kind}/{principal.name}; what it "
                "allowed is denied from the next request.",
                confirm="Delete",
            ),
            confirmed,
        )

    def action_act_as(self) -> None:
        principal = self.selected()
        if principal is not None:
            self.app.act_as(principal.arn)

    def action_create_access_key(self) -> None:
        principal = self.selected()
        if principal is None:
            return
        from kmstui.ui.dialogs.secret import SecretScreen

        def show(result: dict) -> None:
            key = result.get("AccessKey", {})
            self.app.push_screen(
                SecretScreen(
                    principal.name, key.get("AccessKeyId", ""), key.get("SecretAccessKey", "")
                )
            )

        self.app.submit("CreateAccessKey", {"UserName": principal.name}, then=show)

    def action_set_access_key(self, new: str) -> None:
        principal, key_id = self.selected(), self._selected_access_key()
        if principal is None or key_id is None or self.detail is None:
            return
        self.app.submit(
            "UpdateAccessKey",
            {"UserName": principal.name, "AccessKeyId": key_id, "Status": new},
            success=f"{key_id} is {new}",
        )

    def action_delete_access_key(self) -> None:
        principal, key_id = self.selected(), self._selected_access_key()
        if principal is None or key_id is None:
            return
        from kmstui.ui.dialogs.confirm import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.submit(
                    "DeleteAccessKey",
                    {"UserName": principal.name, "AccessKeyId": key_id},
                    success=f"Deleted {key_id}",
                )

        self.app.push_screen(
            ConfirmScreen(
                f"Delete access key {key_id}?",
                "Requests signed with it will fail. This cannot be undone.",
                confirm="Delete",
            ),
            confirmed,
        )
