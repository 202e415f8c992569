"""Whole flows through the console app, from the key list to a key's policy and grants
and back, driven by keys as a person would."""

from __future__ import annotations

import json

from consoletest import SIZE, key_id_by_alias, open_key, settle
from textual.widgets import Input, OptionList, SelectionList, Static

from kmstui.kms.grants import GRANT_OPERATIONS
from kmstui.policy import ERROR
from kmstui.ui.dialogs.acting_as import ActingAsScreen
from kmstui.ui.dialogs.create_key import CreateKeyScreen
from kmstui.ui.dialogs.error import ErrorScreen
from kmstui.ui.grants import GrantsPane
from kmstui.ui.grants.dialogs import CreateGrantDialog, GrantTokenDialog, PrincipalField
from kmstui.ui.policy import PolicyEditorPane
from kmstui.ui.policy.dialogs import ConfirmDialog, DiffDialog, MessageDialog
from kmstui.ui.policy.findings_table import FindingsTable
from kmstui.ui.screens.key_detail import KeyDetailScreen
from tests.workers import wait_until

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ADMIN = f"arn:aws:iam::{ACCOUNT}:user/admin"
AUDITOR = f"arn:aws:iam::{ACCOUNT}:user/auditor"


# -- helpers ------------------------------------------------------------------------
def stored_policy(engine, key_id: str) -> str:
    return engine.call("GetKeyPolicy", {"KeyId": key_id, "PolicyName": "default"})["Policy"]


async def policy_tab(pilot) -> PolicyEditorPane:
    """Show the Policy tab (alt+p) and move into the editor (Tab)."""
    await pilot.press("alt+p")
    await settle(pilot)
    pane = pilot.app.screen.query_one(PolicyEditorPane)
    await pilot.press("tab")
    assert pane.editor.has_focus
    return pane


def errors_of(pane: PolicyEditorPane) -> list[tuple[str, int, int]]:
    return [
        (f.code, f.span.start.line, f.span.start.column)
        for f in pane.findings
        if f.severity == ERROR
    ]


def codes_of_errors(pane: PolicyEditorPane) -> list[str]:
    return [code for code, _, _ in errors_of(pane)]


async def name_the_admin_instead_of_root(pilot, pane: PolicyEditorPane) -> None:
    """In the default key policy, type over `root` in `"AWS": "arn:…:root"`."""
    editor = pane.editor
    row = next(
        n
        for n in range(editor.document.line_count)
        if f'"AWS": "{ROOT}"' in editor.document.get_line(n)
    )
    start = editor.document.get_line(row).index(ROOT) + len(ROOT) - len("root")
    editor.selection = ((row, start), (row, start + len("root")))
    await pilot.press(*"user/admin")


async def act_as(pilot, arn: str) -> None:
    """Choose ``arn`` in the acting-as dialog (A)."""
    await pilot.press("A")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ActingAsScreen)
    options = dialog.query_one("#principals", OptionList)
    options.highlighted = options.get_option_index(arn)
    await pilot.press("enter")
    await settle(pilot)
    assert pilot.app.acting_as.principal == arn


def last_events(engine, *names: str) -> list[dict]:
    """The most recent event for each of ``names``, in that order."""
    recent = list(engine.events.recent)
    return [next(e for e in reversed(recent) if e["eventName"] == name) for name in names]


# -- the policy editor --------------------------------------------------------------
async def test_a_new_keys_policy_shows_a_json_error_where_it_is_then_saves_once_fixed(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, CreateKeyScreen)
        app.screen.query_one("#description", Input).value = "Ledger exports"
        app.screen.query_one("#alias", Input).value = "ledger"
        await pilot.click("#create")
        await settle(pilot)
        key_id = key_id_by_alias(engine, "alias/ledger")
        await open_key(pilot, key_id)
        pane = await policy_tab(pilot)
        editor = pane.editor
        assert not errors_of(pane)

        # Rename the statement: select its Sid and type over it.
        sid_line = editor.document.get_line(5)
        assert sid_line.strip() == '"Sid": "Enable IAM User Permissions",'
        start = sid_line.index("Enable")
        editor.selection = ((5, start), (5, start + len("Enable IAM User Permissions")))
        await pilot.press(*"AccountAdmins")
        # Then drop the comma that ends the line.
        editor.move_cursor((5, len(editor.document.get_line(5))))
        await pilot.press("backspace")
        await wait_until(pilot, lambda: bool(errors_of(pane)))
        # The parser stops at the next member, `"Effect"` on line 7, column 7.
        assert errors_of(pane) == [("JSON_SYNTAX_ERROR", 7, 7)]
        table = app.screen.query_one(FindingsTable)
        assert [cell.plain for cell in table.get_row_at(0)[:2]] == ["ERROR", "7:7"]
        assert editor.line_marker(6) == "E"
        assert "1 error" in app.screen.query_one("#policy-status").render().plain

        await pilot.press("comma")
        await wait_until(pilot, lambda: not errors_of(pane))
        assert editor.line_marker(6) is None
        assert not any(f.severity == ERROR for f in table.findings)

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DiffDialog)
        assert '+      "Sid": "AccountAdmins",' in app.screen.diff_text
        await pilot.click("#dialog-confirm")
        await settle(pilot)
        assert isinstance(app.screen, KeyDetailScreen)
        saved = json.loads(stored_policy(engine, key_id))
        assert [s["Sid"] for s in saved["Statement"]] == ["AccountAdmins"]
        assert not pane.modified


async def test_a_policy_that_locks_the_caller_out_is_rejected_and_nothing_changes(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    before = stored_policy(engine, key_id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id)
        pane = await policy_tab(pilot)
        assert not pane.query_one("#policy-bypass").value
        await name_the_admin_instead_of_root(pilot, pane)
        await wait_until(pilot, lambda: codes_of_errors(pane) == ["POLICY_LOCKOUT"])

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DiffDialog)
        assert f'+        "AWS": "{ADMIN}"' in app.screen.diff_text
        await pilot.click("#dialog-confirm")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert app.screen.message.startswith("MalformedPolicyDocumentException: ")
        assert "will not allow you to update the key policy in the future" in app.screen.message
        assert stored_policy(engine, key_id) == before
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, KeyDetailScreen)
        assert pane.modified  # the edit is still there to fix


# -- grants and acting as -----------------------------------------------------------
async def create_grant_for_auditor(pilot, operations: list[str], name: str) -> str:
    """On the Grants tab: n, fill in the dialog, create; close the token dialog.
    Returns the new grant's id."""
    await pilot.press("alt+g")
    await settle(pilot)
    pane = pilot.app.screen.query_one(GrantsPane)
    assert pane.table.has_focus
    await pilot.press("n")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, CreateGrantDialog)
    await pilot.press(*AUDITOR)  # the grantee field has the focus
    assert dialog.query_one("#grant-grantee", PrincipalField).value == AUDITOR
    choices = dialog.query_one("#grant-operations", SelectionList)
    choices.focus()
    for operation in operations:
        choices.highlighted = GRANT_OPERATIONS.index(operation)
        await pilot.press("space")
    assert choices.selected == operations
    dialog.query_one("#grant-name", Input).focus()
    await pilot.press(*name)
    await pilot.click("#dialog-confirm")
    await settle(pilot)  # CreateGrant runs on a worker
    token_dialog = pilot.app.screen
    assert isinstance(token_dialog, GrantTokenDialog)
    grant_id = token_dialog.grant_id
    await pilot.click("#dialog-ok")
    await settle(pilot)
    assert isinstance(pilot.app.screen, KeyDetailScreen)
    return grant_id


async def test_a_grant_lets_the_auditor_encrypt_and_revoking_it_takes_that_away(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id)
        grant_id = await create_grant_for_auditor(pilot, ["Encrypt", "Decrypt"], "auditor-rt")
        (grant,) = engine.call("ListGrants", {"KeyId": key_id})["Grants"]
        assert grant["GrantId"] == grant_id and grant["Name"] == "auditor-rt"
        assert grant["GranteePrincipal"] == AUDITOR
        assert grant["Operations"] == ["Encrypt", "Decrypt"]

        await act_as(pilot, AUDITOR)
        await pilot.press("t")
        await settle(pilot)
        assert not isinstance(app.screen, ErrorScreen)
        encrypt, decrypt = last_events(engine, "Encrypt", "Decrypt")
        for event, action in ((encrypt, "kms:Encrypt"), (decrypt, "kms:Decrypt")):
            assert event["userIdentity"]["arn"] == AUDITOR
            assert "errorCode" not in event
            assert event["decision"] == {
                "action": action,
                "effect": "Allow",
                "decidedBy": [grant_id],
            }

        # The auditor may not revoke; back to root, revoke it on the Grants tab.
        await act_as(pilot, ROOT)
        pane = app.screen.query_one(GrantsPane)
        assert [g["GrantId"] for g in pane.grants] == [grant_id]
        assert pane.table.has_focus
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.click("#dialog-confirm")
        await settle(pilot)
        assert engine.call("ListGrants", {"KeyId": key_id})["Grants"] == []

        await act_as(pilot, AUDITOR)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.code == "AccessDeniedException"
        assert "kms:Encrypt" in str(app.screen.query_one("#error-message", Static).render())
        (encrypt,) = last_events(engine, "Encrypt")
        assert encrypt["errorCode"] == "AccessDeniedException"
        assert encrypt["decision"]["effect"] != "Allow"


async def test_the_auditor_with_an_encrypt_only_grant_is_told_why_decrypt_is_denied(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id)
        grant_id = await create_grant_for_auditor(pilot, ["Encrypt"], "auditor-encrypt")
        await act_as(pilot, AUDITOR)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.code == "AccessDeniedException"
        assert app.screen.operation == "Encrypt/Decrypt"
        shown = str(app.screen.query_one("#error-message", Static).render())
        assert shown.startswith(f"User: {AUDITOR} is not authorized to perform: kms:Decrypt")
        assert shown.endswith("because no identity-based policy allows the kms:Decrypt action")
        encrypt, decrypt = last_events(engine, "Encrypt", "Decrypt")
        assert encrypt["decision"]["decidedBy"] == [grant_id]
        assert decrypt["errorCode"] == "AccessDeniedException"


async def test_switching_who_the_console_acts_as_checks_the_policy_edit_again(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id)
        pane = await policy_tab(pilot)
        editor = pane.editor
        await name_the_admin_instead_of_root(pilot, pane)
        await wait_until(pilot, lambda: codes_of_errors(pane) == ["POLICY_LOCKOUT"])
        # As the admin the policy named, the edit no longer locks the caller out.
        await pilot.press("shift+tab")  # out of the editor, where A is text
        assert not editor.has_focus
        await act_as(pilot, ADMIN)
        await wait_until(pilot, lambda: not errors_of(pane))
        # And back as root it does again.
        await act_as(pilot, ROOT)
        await wait_until(pilot, lambda: codes_of_errors(pane) == ["POLICY_LOCKOUT"])


async def test_ctrl_t_chooses_who_to_act_as_from_inside_the_policy_editor(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id)
        pane = await policy_tab(pilot)
        before = pane.editor.text
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, ActingAsScreen)
        assert pane.editor.text == before


async def test_clicking_the_acting_as_principal_opens_the_switcher(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#acting-as")
        await pilot.pause()
        assert isinstance(app.screen, ActingAsScreen)


async def test_the_top_bar_follows_the_engine_clock_moved_from_elsewhere(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        date = app.query_one("#engine-date", Static)
        before = str(date.render())
        engine.clock.advance(3 * 3600)  # as the demo or an SDK call through the endpoint
        await wait_until(pilot, lambda: str(date.render()) != before, timeout=3)
        assert str(date.render()).endswith("11:00")
