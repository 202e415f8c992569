"""The confirmation before a request is sent, at 80x24 and 120x40: a change, a
destructive change (with what to type) whose long parameters scroll, and a use of a
key with its plaintext masked."""

from __future__ import annotations

import json

import pytest
from consoletest import settle

from kmstui.backends import WriteRequest
from kmstui.ui.dialogs.confirm_call import ConfirmCallScreen, shown_params

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
WHERE = "To AWS 111122223333 eu-west-1 (profile prod), as root (111122223333)"

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"Statement{n}",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::111122223333:role/app-{n}"},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
            }
            for n in range(4)
        ],
    },
    indent=2,
)

REQUESTS = {
    "write": WriteRequest(
        "kms",
        "CreateAlias",
        {"AliasName": "alias/payroll", "TargetKeyId": KEY_ID},
        "write",
    ),
    "destructive": WriteRequest(
        "kms",
        "PutKeyPolicy",
        {"KeyId": KEY_ID, "PolicyName": "default", "Policy": POLICY},
        "destructive",
        "alias/app-data",
    ),
    "use": WriteRequest(
        "kms",
        "Encrypt",
        {"KeyId": KEY_ID, "Plaintext": b"the payroll secret", "EncryptionContext": {"team": "pay"}},
        "use",
    ),
}


def _dialog(kind: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(ConfirmCallScreen(REQUESTS[kind], WHERE))
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("kind", list(REQUESTS))
@pytest.mark.parametrize("size", SIZES)
def test_confirm_call(snap_compare, app, kind, size):
    assert snap_compare(app, terminal_size=size, run_before=_dialog(kind))


def test_secrets_are_masked_and_blobs_shown_as_on_the_wire():
    shown = shown_params(
        WriteRequest(
            "kms",
            "Decrypt",
            {"CiphertextBlob": b"\x00\x01", "Plaintext": b"the payroll secret"},
            "use",
        )
    )
    assert "payroll" not in shown
    assert json.loads(shown) == {"CiphertextBlob": "AAE=", "Plaintext": "<18 bytes, hidden>"}


def test_a_policy_document_follows_the_parameters_as_written():
    shown = shown_params(REQUESTS["destructive"])
    head, policy = shown.split("\n\nPolicy:\n")
    assert json.loads(head)["Policy"] == f"<{len(POLICY)} characters, below>"
    assert policy == POLICY


def test_params_a_backend_masked_are_not_masked_again():
    request = WriteRequest("kms", "Encrypt", {"Plaintext": "<18 bytes, hidden>"}, "use")
    assert json.loads(shown_params(request)) == {"Plaintext": "<18 bytes, hidden>"}


async def test_the_long_parameters_scroll_and_the_buttons_stay_on_screen(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmCallScreen(REQUESTS["destructive"], WHERE))
        await settle(pilot)
        params = app.screen.query_one("#call-params")
        assert params.max_scroll_y > 0
        for selector in ("#send", "#cancel", "#call-typed"):
            region = app.screen.query_one(selector).region
            assert region.y >= 0 and region.bottom <= 24, selector
        params.focus()
        await pilot.press("pagedown")
        await pilot.pause()
        assert params.scroll_y > 0
