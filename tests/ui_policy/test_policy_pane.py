"""The policy editor pane, driven as a person would: typing, choosing findings,
simulating, saving."""

from __future__ import annotations

import json

from kmstui.backends import EmbeddedBackend
from kmstui.caller import Caller
from kmstui.policy import ERROR
from kmstui.ui.policy import PolicyEditorPane
from kmstui.ui.policy.dialogs import DiffDialog, MessageDialog, PathDialog
from kmstui.ui.policy.editor import PolicyTextArea
from kmstui.ui.policy.findings_table import FindingsTable
from kmstui.ui.policy.pane import DEBOUNCE_SECONDS, ValidationDone
from kmstui.ui.policy.simulate import SimulatePanel
from tests.workers import wait_for_workers

from .hosts import PaneHost, policy_host

ROOT = "arn:aws:iam::111122223333:root"
ADMIN = "arn:aws:iam::111122223333:user/admin"
AUDITOR = "arn:aws:iam::111122223333:user/auditor"
LOCKOUT_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyAdmin",
                "Effect": "Allow",
                "Principal": {"AWS": ADMIN},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    },
    indent=2,
)


async def settle(pilot) -> None:
    """Let the debounce pass and the workers finish, then handle their messages."""
    await pilot.pause(DEBOUNCE_SECONDS + 0.05)
    await wait_for_workers(pilot.app)
    await pilot.pause()


def pane_of(app) -> PolicyEditorPane:
    return app.query_one(PolicyEditorPane)


def replace_text(pane: PolicyEditorPane, text: str) -> None:
    editor = pane.editor
    editor.replace(text, (0, 0), editor.document.end)


async def test_stored_policy_opens_laid_out_with_its_findings(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        assert pane.text.startswith("{\n")
        assert json.loads(pane.text) == json.loads(
            seeded.call("GetKeyPolicy", {"KeyId": ebs_key})["Policy"]
        )
        codes = [(f.severity, f.code) for f in pane.findings]
        assert ("SECURITY_WARNING", "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL") in codes
        assert not any(f.severity == ERROR for f in pane.findings)
        assert (
            app.query_one("#policy-status")
            .render()
            .plain.startswith("1 security warning, 2 warnings")
        )
        assert not pane.modified


async def test_removing_a_comma_reports_a_json_error_at_its_line_and_column(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        editor = pane.editor
        line = editor.document.get_line(6)
        assert line.strip() == '"Effect": "Allow",'
        editor.move_cursor((6, len(line)))
        await pilot.press("backspace")
        await settle(pilot)
        errors = [f for f in pane.findings if f.severity == ERROR]
        assert [(f.code, f.span.start.line, f.span.start.column) for f in errors] == [
            ("JSON_SYNTAX_ERROR", 8, 7)
        ]
        assert editor.line_marker(7) == "E"
        table = app.query_one(FindingsTable)
        assert table.get_row_at(0)[0].plain == "ERROR"
        assert table.get_row_at(0)[1].plain == "8:7"
        assert "1 error" in app.query_one("#policy-status").render().plain


async def test_choosing_a_finding_puts_the_cursor_at_its_start_and_selects_nothing(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        table = app.query_one(FindingsTable)
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        await pilot.pause()
        finding = table.findings[1]
        assert pane.editor.has_focus
        assert pane.editor.selection.is_empty  # the next key typed replaces nothing
        assert pane.editor.shown_span == (
            (finding.span.start.line - 1, finding.span.start.column - 1),
            (finding.span.end.line - 1, finding.span.end.column - 1),
        )
        assert pane.editor.cursor_location == (
            finding.span.start.line - 1,
            finding.span.start.column - 1,
        )


async def test_next_finding_key_walks_the_findings_in_order(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        starts = [(f.span.start.line - 1, f.span.start.column - 1) for f in pane.findings]
        visited = []
        for _ in range(len(starts) + 1):
            await pilot.press("f8")
            visited.append(pane.editor.cursor_location)
        assert visited == [*starts, starts[0]]


async def test_fixing_the_error_clears_it(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        editor = pane.editor
        end = (6, len(editor.document.get_line(6)))
        editor.move_cursor(end)
        await pilot.press("backspace")
        await settle(pilot)
        assert any(f.severity == ERROR for f in pane.findings)
        await pilot.press("comma")
        await settle(pilot)
        assert not any(f.severity == ERROR for f in pane.findings)
        assert editor.line_marker(7) is None
        assert len(pane.findings) == 3


async def test_a_result_for_older_text_is_dropped(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        before = pane.findings
        stale = ValidationDone(pane._generation - 1, [])
        pane.post_message(stale)
        await pilot.pause()
        assert pane.findings == before


async def test_typing_quickly_validates_the_last_text_only(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        pane.editor.move_cursor((0, 1))
        await pilot.press(*"oops")  # "{oops" : a syntax error at 1:2 once typing stops
        await settle(pilot)
        assert [
            (f.code, f.span.start.line, f.span.start.column)
            for f in pane.findings
            if f.severity == ERROR
        ] == [("JSON_SYNTAX_ERROR", 1, 2)]


async def test_saving_a_policy_that_locks_the_caller_out_shows_kms_rejection(seeded, ebs_key):
    stored = seeded.call("GetKeyPolicy", {"KeyId": ebs_key})["Policy"]
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        replace_text(pane, LOCKOUT_POLICY)
        await settle(pilot)
        assert [f.code for f in pane.findings if f.severity == ERROR] == ["POLICY_LOCKOUT"]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DiffDialog)
        assert "validator reports 1 error" in app.screen._warning
        await pilot.click("#dialog-confirm")
        await settle(pilot)  # the save runs on a worker
        assert isinstance(app.screen, MessageDialog)
        assert app.screen.message.startswith(
            "MalformedPolicyDocumentException: The new key policy will not allow you to "
            "update the key policy in the future."
        )
        assert seeded.call("GetKeyPolicy", {"KeyId": ebs_key})["Policy"] == stored


async def test_bypassing_the_lockout_check_lets_the_policy_through(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        replace_text(pane, LOCKOUT_POLICY)
        await pilot.click("#policy-bypass")
        await settle(pilot)
        assert "BYPASS LOCKOUT CHECK ON" in app.query_one("#policy-status").render().plain
        assert not any(f.severity == ERROR for f in pane.findings)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#dialog-confirm")
        await settle(pilot)  # the save runs on a worker
        # The root user is locked out now; the admin the policy names can read it.
        assert (
            seeded.call("GetKeyPolicy", {"KeyId": ebs_key}, caller=Caller.for_arn(ADMIN))["Policy"]
            == LOCKOUT_POLICY
        )


async def test_save_shows_the_diff_then_puts_the_policy_as_the_acting_principal(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    saved = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        edited = pane.text.replace("Enable IAM User Permissions", "Enable IAM policies")
        replace_text(pane, edited)
        await settle(pilot)
        assert pane.modified
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DiffDialog)
        assert '-      "Sid": "Enable IAM User Permissions",' in dialog.diff_text
        assert '+      "Sid": "Enable IAM policies",' in dialog.diff_text
        await pilot.click("#dialog-confirm")
        await settle(pilot)  # the save runs on a worker
        assert not isinstance(app.screen, (DiffDialog, MessageDialog))
        assert seeded.call("GetKeyPolicy", {"KeyId": ebs_key})["Policy"] == edited
        assert not pane.modified
        saved.extend(n.message for n in app._notifications)
    assert "Key policy saved." in saved


async def test_cancelling_the_diff_saves_nothing(seeded, ebs_key):
    stored = seeded.call("GetKeyPolicy", {"KeyId": ebs_key})["Policy"]
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        replace_text(pane, pane.text.replace("KeyPolicy", "Changed"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert seeded.call("GetKeyPolicy", {"KeyId": ebs_key})["Policy"] == stored


async def test_a_principal_that_cannot_put_the_policy_is_told_why(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        replace_text(pane, pane.text.replace("KeyPolicy", "Changed"))
        app.acting = Caller.for_arn(AUDITOR)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#dialog-confirm")
        await settle(pilot)  # the save runs on a worker
        assert isinstance(app.screen, MessageDialog)
        assert app.screen.message.startswith("AccessDeniedException: ")


async def simulate(pilot, principal: str, action: str = "Decrypt", context: str = "") -> str:
    panel = pilot.app.query_one(SimulatePanel)
    panel.set_principal(principal)
    panel.set_action(action)
    panel.query_one("#simulate-context").value = context
    await settle(pilot)
    return panel.answer_text


async def test_simulate_allows_the_account_root_by_the_delegation_statement(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        answer = await simulate(pilot, ROOT)
        assert answer.splitlines()[0] == "Allow"
        assert 'key policy statement "Enable IAM User Permissions"' in answer
        assert (
            'key policy statement "Allow access for EC2 to encrypt/decrypt volumes": '
            f"Principal does not include {ROOT}"
        ) in answer


async def test_simulate_denies_a_user_without_iam_permission_implicitly(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        answer = await simulate(pilot, "arn:aws:iam::111122223333:user/nobody")
        assert answer.splitlines()[0] == "ImplicitDeny"
        assert "Why: no identity-based policy allows the kms:Decrypt action" in answer


async def test_simulate_answers_for_the_text_being_edited(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        document = json.loads(pane.text)
        document["Statement"].append(
            {
                "Sid": "NoDecryptForAuditor",
                "Effect": "Deny",
                "Principal": {"AWS": AUDITOR},
                "Action": "kms:Decrypt",
                "Resource": "*",
            }
        )
        replace_text(pane, json.dumps(document, indent=2))
        answer = await simulate(pilot, AUDITOR)
        assert answer.splitlines()[0] == "ExplicitDeny"
        assert 'Decided by:\n  key policy statement "NoDecryptForAuditor"' in answer
        # Nothing was saved: the stored policy still has no such statement.
        assert (
            "NoDecryptForAuditor" not in seeded.call("GetKeyPolicy", {"KeyId": ebs_key})["Policy"]
        )


async def test_simulate_explains_a_malformed_encryption_context(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await simulate(pilot, ROOT, context="novalue")
        problem = app.query_one("#simulate-problem").render().plain
        assert problem == "Encryption context: 'novalue' is not key=value"


async def test_load_from_a_missing_file_says_so_in_a_dialog(seeded, ebs_key, tmp_path):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        app.screen.query_one("#dialog-path").value = str(tmp_path / "missing.json")
        await pilot.click("#dialog-confirm")
        await settle(pilot)  # the save runs on a worker
        assert isinstance(app.screen, MessageDialog)
        assert app.screen.message == f"{tmp_path / 'missing.json'}: No such file or directory"


async def test_load_replaces_the_text_and_validates_it(seeded, ebs_key, tmp_path):
    source = tmp_path / "policy.json"
    source.write_text(LOCKOUT_POLICY, encoding="utf-8")
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        assert pane.load_file(source)
        await settle(pilot)
        assert pane.text == LOCKOUT_POLICY
        assert [f.code for f in pane.findings if f.severity == ERROR] == ["POLICY_LOCKOUT"]


async def test_export_writes_the_editor_text(seeded, ebs_key, tmp_path):
    target = tmp_path / "out.json"
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#dialog-path").value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == pane_of(app).text


async def test_copy_puts_the_whole_policy_on_the_clipboard(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one(FindingsTable).focus()  # in the editor, y is a letter
        await pilot.press("y")
        assert app.clipboard == pane_of(app).text


async def test_identity_policy_saves_through_its_callback(seeded):
    saved: list[str] = []
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}],
        },
        indent=2,
    )
    app = PaneHost(
        lambda host: PolicyEditorPane(
            EmbeddedBackend(seeded),
            None,
            host.acting_as,
            policy_type="IDENTITY_POLICY",
            initial_text=text,
            on_save=saved.append,
            id="pane",
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        assert not app.query(SimulatePanel)
        assert not app.query("#policy-bypass")
        replace_text(pane, text.replace("kms:Decrypt", "kms:Decrpyt"))
        await settle(pilot)
        assert [f.code for f in pane.findings] == ["INVALID_ACTION"]
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#dialog-confirm")
        await settle(pilot)  # the save runs on a worker
    assert saved == [text.replace("kms:Decrypt", "kms:Decrpyt")]


async def test_user_text_with_markup_is_shown_as_text(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        replace_text(
            pane,
            pane.text.replace("KeyPolicy", "[/bold][red]x").replace('"Version"', '"[/]Version"'),
        )
        await settle(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert "[/bold][red]x" in app.screen.diff_text
        await pilot.press("escape")
        await pilot.pause()
        assert any("[/]Version" in f.message for f in pane.findings)


def test_every_binding_has_a_stable_id_and_a_tooltip():
    for binding in PolicyEditorPane.BINDINGS:
        assert binding.id and binding.id.startswith("policy.")
        assert binding.tooltip
    ids = {b.id for b in PolicyEditorPane.BINDINGS}
    assert {
        "policy.save",
        "policy.diff",
        "policy.next_finding",
        "policy.load",
        "policy.export",
        "policy.copy",
    } <= ids


async def test_narrow_layout_hides_the_simulator_until_asked(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = app.query_one(SimulatePanel)
        assert pane_of(app).has_class("-simulate-hidden")
        assert panel.region.height == 0
        await pilot.press("f9")
        await pilot.pause()
        assert pane_of(app).has_class("-simulate-shown")
        assert panel.region.height > 0
        assert app.query_one(PolicyTextArea).region.height >= 5


async def test_a_policy_the_acting_principal_cannot_read_says_why(seeded, ebs_key):
    app = policy_host(seeded, ebs_key)
    app.acting = Caller.for_arn("arn:aws:iam::111122223333:user/nobody")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert (
            app.query_one("#policy-status")
            .render()
            .plain.startswith("GetKeyPolicy failed: AccessDeniedException: ")
        )
        assert pane_of(app).text == ""
