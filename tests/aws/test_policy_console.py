"""The policy editor on a remote account (the AWS backend over a real `kmstui serve`,
writes allowed, each one confirmed): its findings come from the account and are
labelled by source, a policy that passes is saved, one that locks the caller out is
refused before PutKeyPolicy is put to the user, and the simulator says what it cannot
see."""

from __future__ import annotations

import json

import pytest

from kmstui.aws.account import Where
from kmstui.backends.aws import open_aws
from kmstui.policy import ERROR
from kmstui.ui.policy import PolicyEditorPane
from kmstui.ui.policy.dialogs import DiffDialog, MessageDialog
from kmstui.ui.policy.findings_table import FindingsTable
from kmstui.ui.policy.simulate import SimulatePanel
from tests import served
from tests.ui_policy.hosts import PaneHost
from tests.workers import wait_until

ACCOUNT = "135792468013"
KEYS = ("AKIDEXAMPLE", "example-secret")
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2) + "\n"


ADMIN = {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*",
         "Resource": "*"}  # fmt: skip
ALICE_DECRYPTS = {"Sid": "AliceDecrypts", "Effect": "Allow", "Principal": {"AWS": ALICE},
                  "Action": "kms:Decrypt", "Resource": "*"}  # fmt: skip
ONLY_ALICE = {"Sid": "OnlyAlice", "Effect": "Allow", "Principal": {"AWS": ALICE},
              "Action": "kms:*", "Resource": "*"}  # fmt: skip


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    process, url = served.serve(tmp_path_factory.mktemp("served"), ACCOUNT)
    yield url
    served.stop(process)


@pytest.fixture
def aws(endpoint):
    backend = open_aws(
        Where(region="us-east-1", endpoint_url=endpoint, fallback_credentials=KEYS),
        allow_writes=True,
    )
    iam = backend.connection.client("iam")
    if not iam.list_users()["Users"]:
        iam.create_user(UserName="alice")
    yield backend
    backend.close()


def host(aws, key_id: str, asked: list) -> PaneHost:
    def confirm(request) -> bool:  # the person at the console answers yes
        asked.append((request.operation, request.kind, request.type_to_confirm))
        return True

    aws.set_confirm(confirm)
    return PaneHost(lambda app: PolicyEditorPane(aws, key_id, aws.root_caller, id="pane"))


def stored(aws, key_id: str) -> str:
    answer = aws.call("GetKeyPolicy", {"KeyId": key_id, "PolicyName": "default"},
                      caller=aws.root_caller())  # fmt: skip
    return answer["Policy"]


async def edit(pilot, pane: PolicyEditorPane, text: str) -> None:
    """Replace the editor's text and wait for its findings (a new list once validated)."""
    before = pane._findings
    pane.editor.replace(text, (0, 0), pane.editor.document.end)
    await wait_until(pilot, lambda: pane._findings is not before, what="the text validated")


async def test_a_policy_that_passes_is_saved_and_one_that_locks_the_caller_out_is_refused(
    aws, tmp_path
):
    key_id = aws.connection.client("kms").create_key()["KeyMetadata"]["KeyId"]
    asked: list = []
    app = host(aws, key_id, asked)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(PolicyEditorPane)
        await wait_until(pilot, lambda: bool(pane.text.strip()), what="the stored policy")

        # Passes: the account's alice exists, and the caller keeps the key.
        good = policy(ADMIN, ALICE_DECRYPTS)
        await edit(pilot, pane, good)
        assert not [f for f in pane.findings if f.severity == ERROR]
        table = app.query_one(FindingsTable)
        row = [str(c) for c in table.get_row_at(0)]
        assert row[2] == "ACCESS_ANALYZER_UNAVAILABLE"
        assert row[3].startswith("Access Analyzer: IAM Access Analyzer's ValidatePolicy")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffDialog), what="the diff")
        await pilot.click("#dialog-confirm")
        await wait_until(pilot, lambda: stored(aws, key_id) == good, what="the policy saved")
        assert asked[-1] == ("PutKeyPolicy", "destructive", key_id)
        await wait_until(pilot, lambda: not pane.modified, what="the save taken as stored")

        # Locks the caller (the credentials' principal, from STS) out: refused here.
        locked = policy(ONLY_ALICE)
        await edit(pilot, pane, locked)
        errors = [f for f in pane.findings if f.severity == ERROR]
        assert [f.code for f in errors] == ["POLICY_LOCKOUT"] and ROOT in errors[0].message
        confirms = len(asked)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffDialog), what="the diff")
        assert "validator reports 1 error" in app.screen._warning
        await pilot.click("#dialog-confirm")
        await wait_until(pilot, lambda: isinstance(app.screen, MessageDialog), what="the refusal")
        message = app.screen.message
        assert message.startswith("MalformedPolicyDocumentException: The new key policy will")
        assert "before sending PutKeyPolicy" in message
        assert len(asked) == confirms  # never put to the user
        assert stored(aws, key_id) == good


async def test_the_simulator_uses_the_accounts_iam_and_says_what_it_cannot_see(aws, tmp_path):
    iam = aws.connection.client("iam")
    iam.put_user_policy(
        UserName="alice",
        PolicyName="encrypts",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect":
            "Allow", "Action": "kms:Encrypt", "Resource": "*"}]}),
    )  # fmt: skip
    key_id = aws.connection.client("kms").create_key()["KeyMetadata"]["KeyId"]
    app = host(aws, key_id, [])
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(PolicyEditorPane)
        panel = app.query_one(SimulatePanel)
        await wait_until(pilot, lambda: bool(pane.text.strip()), what="the stored policy")
        panel.set_principal(ALICE)
        panel.set_action("Encrypt")
        # (an answer for the principal and action shown before may still be on screen)
        await wait_until(
            pilot, lambda: "identity policy" in panel.answer_text, what="alice's simulation"
        )
        answer = panel.answer_text
        assert answer.startswith("Allow") and "identity policy encrypts statement #0" in answer
        assert "Cannot see (not part of this answer):" in answer
        for unseen in ("permission boundaries", "session policies", "service control policies"):
            assert unseen in answer
        assert "failed" not in answer  # every read of alice's policies answered


async def test_a_save_the_user_declines_is_a_note_and_the_edits_stay_unsaved(aws, tmp_path):
    key_id = aws.connection.client("kms").create_key()["KeyMetadata"]["KeyId"]
    before = stored(aws, key_id)
    app = host(aws, key_id, [])
    aws.set_confirm(lambda request: False)  # the person at the console answers no
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(PolicyEditorPane)
        await wait_until(pilot, lambda: bool(pane.text.strip()), what="the stored policy")
        edited = policy(ADMIN, ALICE_DECRYPTS)
        await edit(pilot, pane, edited)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffDialog), what="the diff")
        await pilot.click("#dialog-confirm")
        said = "PutKeyPolicy was not sent: you did not confirm it. The edits are kept, not saved."
        notes = lambda: [n.message for n in app._notifications]  # noqa: E731
        await wait_until(pilot, lambda: said in notes(), what="the note")
        await pilot.pause()
        assert not isinstance(app.screen, MessageDialog)  # not a failure
        assert pane.modified and pane.text == edited
        assert stored(aws, key_id) == before
