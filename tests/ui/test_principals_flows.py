"""Principals: identity policies edited in the live-validating editor and saved as the
acting-as principal; a new inline policy by name."""

from __future__ import annotations

import json

from consoletest import SIZE, settle
from textual.widgets import DataTable

from kmstui.ui.dialogs.prompt import PromptScreen
from kmstui.ui.policy.dialogs import DiffDialog, MessageDialog
from kmstui.ui.screens.identity_policy import IdentityPolicyScreen

ACCOUNT = "111122223333"


async def select_principal(pilot, name: str) -> None:
    table = pilot.app.screen.query_one("#principals", DataTable)
    arn = next(k.value for k in table.rows if k.value.endswith(f":{name}"))
    table.move_cursor(row=table.get_row_index(arn))
    await settle(pilot)


async def open_principals(pilot, who: str) -> None:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    await select_principal(pilot, who)


def user_policy(engine, user: str, name: str) -> dict:
    from urllib.parse import unquote

    got = engine.call("GetUserPolicy", {"UserName": user, "PolicyName": name})
    return json.loads(unquote(got["PolicyDocument"]))


async def test_editing_a_user_policy_validates_live_and_saves_after_the_diff(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await open_principals(pilot, "user/auditor")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, IdentityPolicyScreen)
        pane = app.screen.query_one("#identity-policy")
        document = json.loads(pane.text)
        document["Statement"][0]["Effect"] = "Allwo"
        pane.editor.replace(json.dumps(document, indent=2), (0, 0), pane.editor.document.end)
        await pilot.pause(0.4)
        await settle(pilot)
        assert any("Effect" in f.message for f in pane.findings)
        document["Statement"][0]["Effect"] = "Allow"
        document["Statement"][0]["Action"] = ["kms:Decrypt"]
        pane.editor.replace(json.dumps(document, indent=2), (0, 0), pane.editor.document.end)
        await pilot.pause(0.4)
        await settle(pilot)
        assert not pane.findings
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DiffDialog)
        await pilot.press("enter")
        await settle(pilot)
    saved = user_policy(engine, "auditor", "ReadOnlyKms")
    assert saved["Statement"][0]["Action"] == ["kms:Decrypt"]


async def test_a_save_the_acting_principal_may_not_make_is_refused_and_explained(app, engine):
    before = user_policy(engine, "auditor", "ReadOnlyKms")
    async with app.run_test(size=SIZE) as pilot:
        await open_principals(pilot, "user/auditor")
        await pilot.press("e")
        await settle(pilot)
        app.act_as(f"arn:aws:iam::{ACCOUNT}:user/auditor")  # may read KMS, not change IAM
        pane = app.screen.query_one("#identity-policy")
        pane.editor.replace(
            pane.text.replace("kms:", "kms:Describe", 1), (0, 0), pane.editor.document.end
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert app.screen.message.startswith("AccessDenied: ")
        assert "iam:PutUserPolicy" in app.screen.message
    assert user_policy(engine, "auditor", "ReadOnlyKms") == before


async def test_policy_add_names_a_new_inline_policy_and_saves_it(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await open_principals(pilot, "role/app-role")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("#value").value = "AppDataAccess"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)  # that name exists
        app.screen.query_one("#value").value = "ExtraDecrypt"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IdentityPolicyScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DiffDialog)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape", "escape")  # the first leaves the editor, as Tab would
        await settle(pilot)
        names = app.screen.query_one("#policy-names", DataTable)
        assert "ExtraDecrypt" in [str(names.get_row_at(r)[0]) for r in range(names.row_count)]
    names = engine.call("ListRolePolicies", {"RoleName": "app-role"})["PolicyNames"]
    assert "ExtraDecrypt" in names
