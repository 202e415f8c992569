"""Snapshots of the panes and their dialogs at 80x24 and 120x40.

Everything shown is deterministic: a fixed clock, seeded ids and tokens, frozen
cursors, and no mouse (a hovered widget would show a tooltip)."""

from __future__ import annotations

import pytest
from textual.widgets import SelectionList

from kmstui.ui.grants.dialogs import PrincipalField
from tests.workers import settle as settle_workers

from .hosts import freeze_cursors, grants_host, policy_host
from .test_policy_pane import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
APP_ROLE = "arn:aws:iam::111122223333:role/app-role"


async def break_a_comma(pilot) -> None:
    """Remove the comma after ``"Effect": "Allow"`` and let validation run."""
    await settle(pilot)
    editor = pilot.app.query_one("#policy-editor")
    editor.move_cursor((6, len(editor.document.get_line(6))))
    await pilot.press("backspace")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_policy_pane_with_findings(snap_compare, seeded, ebs_key, size):
    async def run_before(pilot) -> None:
        await break_a_comma(pilot)
        await pilot.press("f8")  # onto the first finding: the error
        await pilot.pause()

    assert snap_compare(policy_host(seeded, ebs_key), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_policy_pane_simulating(snap_compare, seeded, ebs_key, size):
    async def run_before(pilot) -> None:
        await settle(pilot)
        if size[0] < 100:
            await pilot.press("f9")
        panel = pilot.app.query_one("#policy-simulate")
        panel.set_principal("arn:aws:iam::111122223333:user/auditor")
        await settle(pilot)

    assert snap_compare(policy_host(seeded, ebs_key), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_policy_diff_dialog(snap_compare, seeded, ebs_key, size):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pane = pilot.app.query_one("#pane")
        edited = pane.text.replace("Enable IAM User Permissions", "Enable IAM policies")
        edited = edited.replace(
            '"kms:DescribeKey"', '"kms:DescribeKey",\n        "kms:CreateGrant"'
        )
        pane.editor.replace(edited, (0, 0), pane.editor.document.end)
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(policy_host(seeded, ebs_key), terminal_size=size, run_before=run_before)


def _with_grants(engine, key_id: str) -> None:
    engine.call(
        "CreateGrant",
        {
            "KeyId": key_id,
            "GranteePrincipal": APP_ROLE,
            "Name": "app-web",
            "RetiringPrincipal": "arn:aws:iam::111122223333:user/admin",
            "Operations": ["Decrypt", "Encrypt", "GenerateDataKey"],
            "Constraints": {"EncryptionContextSubset": {"app": "web"}},
        },
    )
    engine.call(
        "CreateGrant",
        {
            "KeyId": key_id,
            "GranteePrincipal": "arn:aws:iam::444455556666:user/partner",
            "Operations": ["DescribeKey"],
        },
    )


@pytest.mark.parametrize("size", SIZES)
def test_grants_pane(snap_compare, seeded, app_key, size):
    _with_grants(seeded, app_key)
    assert snap_compare(grants_host(seeded, app_key), terminal_size=size, run_before=settle_workers)


async def _fill_create_dialog(pilot) -> None:
    await settle_workers(pilot)  # ListGrants runs on a worker
    await pilot.press("n")
    await pilot.pause()
    dialog = pilot.app.screen
    freeze_cursors(dialog)
    dialog.query_one("#grant-grantee", PrincipalField).value = APP_ROLE
    operations = dialog.query_one("#grant-operations", SelectionList)
    operations.select("Decrypt")
    operations.select("GenerateDataKey")
    dialog.query_one("#grant-name").value = "app-volume"
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_create_grant_dialog(snap_compare, seeded, app_key, size):
    assert snap_compare(
        grants_host(seeded, app_key), terminal_size=size, run_before=_fill_create_dialog
    )


@pytest.mark.parametrize("size", SIZES)
def test_grant_token_dialog(snap_compare, seeded, app_key, size):
    async def run_before(pilot) -> None:
        await _fill_create_dialog(pilot)
        pilot.app.screen.query_one("#dialog-confirm").press()
        await settle_workers(pilot)  # CreateGrant runs on a worker

    assert snap_compare(grants_host(seeded, app_key), terminal_size=size, run_before=run_before)
