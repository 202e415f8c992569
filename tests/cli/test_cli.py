"""The command line: kmstui call, events, clock and policy, with their exit codes."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kmstui.cli import main

TEST_DATA = Path(__file__).resolve().parents[1] / "data"
SEED_POLICY = Path(__file__).resolve().parents[2] / "sample_data" / "seed-key-policy.json"


@pytest.fixture
def data_dir(tmp_path):
    return str(tmp_path / "data")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_call_prints_the_aws_shaped_response(capsys, data_dir):
    code, out, _ = run(
        capsys, "call", "CreateKey", '{"Description": "cli"}', "--data-dir", data_dir
    )
    assert code == 0
    assert json.loads(out)["KeyMetadata"]["Description"] == "cli"


def test_call_takes_blobs_as_base64_and_returns_them_as_base64(capsys, data_dir):
    plaintext = base64.b64encode(b"hello").decode()
    code, out, _ = run(
        capsys,
        "call",
        "Encrypt",
        json.dumps({"KeyId": "alias/app-data", "Plaintext": plaintext}),
        "--data-dir",
        data_dir,
    )
    assert code == 0
    blob = json.loads(out)["CiphertextBlob"]
    code, out, _ = run(
        capsys, "call", "Decrypt", json.dumps({"CiphertextBlob": blob}), "--data-dir", data_dir
    )
    assert base64.b64decode(json.loads(out)["Plaintext"]) == b"hello"


def test_call_reads_the_request_from_a_file(capsys, data_dir, tmp_path):
    request = tmp_path / "request.json"
    request.write_text('{"Description": "from a file"}')
    code, out, _ = run(capsys, "call", "CreateKey", f"@{request}", "--data-dir", data_dir)
    assert code == 0 and "from a file" in out


def test_call_reads_the_request_from_stdin(capsys, data_dir, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO('{"Description": "from stdin"}'))
    code, out, _ = run(capsys, "call", "CreateKey", "-", "--data-dir", data_dir)
    assert code == 0 and "from stdin" in out


def test_an_aws_error_prints_its_json_and_exits_1(capsys, data_dir):
    code, out, _ = run(
        capsys, "call", "DescribeKey", '{"KeyId": "alias/nope"}', "--data-dir", data_dir
    )
    assert code == 1
    assert json.loads(out) == {
        "__type": "NotFoundException",
        "message": "Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found.",
    }


def test_malformed_input_exits_2(capsys, data_dir):
    code, out, err = run(capsys, "call", "CreateKey", "{nope", "--data-dir", data_dir)
    assert code == 2 and out == "" and "not JSON" in err


def test_an_unreadable_input_file_exits_2(capsys, data_dir):
    code, _, err = run(capsys, "call", "CreateKey", "@/no/such/file", "--data-dir", data_dir)
    assert code == 2 and "cannot read" in err


def test_calling_as_another_principal_is_authorized_as_that_principal(capsys, data_dir):
    code, out, _ = run(
        capsys,
        "call",
        "Encrypt",
        json.dumps({"KeyId": "alias/app-data", "Plaintext": "aGk="}),
        "--as",
        "arn:aws:iam::111122223333:user/auditor",
        "--data-dir",
        data_dir,
    )
    assert code == 1
    assert json.loads(out)["__type"] == "AccessDeniedException"


def test_the_first_run_seeds_sample_data(capsys, data_dir):
    code, out, _ = run(capsys, "call", "ListAliases", "--data-dir", data_dir)
    aliases = {a["AliasName"]: a for a in json.loads(out)["Aliases"]}
    assert {"alias/ebs-volumes", "alias/app-data"} <= set(aliases)
    key_id = aliases["alias/ebs-volumes"]["TargetKeyId"]
    code, out, _ = run(
        capsys, "call", "GetKeyPolicy", json.dumps({"KeyId": key_id}), "--data-dir", data_dir
    )
    assert json.loads(out)["Policy"] == SEED_POLICY.read_text()


def test_events_prints_the_history_newest_last(capsys, data_dir):
    run(capsys, "call", "ListKeys", "--data-dir", data_dir)
    run(capsys, "call", "ListAliases", "--data-dir", data_dir)
    code, out, _ = run(capsys, "events", "--json", "--data-dir", data_dir)
    names = [json.loads(line)["eventName"] for line in out.splitlines()]
    assert code == 0
    assert names.index("ListKeys") < names.index("ListAliases") == len(names) - 1
    assert names[0] in {"CreateUser", "CreateKey"}


def test_events_text_lines_name_operation_principal_and_decision(capsys, data_dir):
    run(capsys, "call", "ListAliases", "--data-dir", data_dir)  # the first run seeds
    run(capsys, "call", "ListKeys", "--data-dir", data_dir)
    code, out, _ = run(capsys, "events", "--tail", "1", "--data-dir", data_dir)
    assert "ListKeys" in out and "arn:aws:iam::111122223333:root" in out and "Allow" in out


def test_clock_advance_moves_the_engine_clock_for_later_commands(capsys, data_dir):
    key = json.loads(run(capsys, "call", "CreateKey", "--data-dir", data_dir)[1])
    key_id = key["KeyMetadata"]["KeyId"]
    run(
        capsys,
        "call",
        "ScheduleKeyDeletion",
        json.dumps({"KeyId": key_id, "PendingWindowInDays": 7}),
        "--data-dir",
        data_dir,
    )
    code, out, _ = run(capsys, "clock", "advance", "8d", "--data-dir", data_dir)
    assert code == 0 and "offset 8.00 days" in out
    code, out, _ = run(
        capsys, "call", "DescribeKey", json.dumps({"KeyId": key_id}), "--data-dir", data_dir
    )
    assert code == 1 and json.loads(out)["__type"] == "NotFoundException"


def test_clock_advance_rejects_a_bad_duration(capsys, data_dir):
    code, _, err = run(capsys, "clock", "advance", "soon", "--data-dir", data_dir)
    assert code == 2 and "not a duration" in err


def test_policy_validate_prints_file_line_column_findings(capsys):
    code, out, _ = run(capsys, "policy", "validate", str(SEED_POLICY))
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{SEED_POLICY}:1:") for line in lines)
    assert {line.split()[1] for line in lines} == {"SECURITY_WARNING", "WARNING"}


def test_policy_validate_exits_1_on_an_error_with_its_position(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n'
        '    {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},\n  ]\n}'
    )
    code, out, _ = run(capsys, "policy", "validate", str(bad))
    assert code == 1
    assert out.startswith(f"{bad}:5:3: ERROR ")


def test_policy_validate_json_output(capsys):
    code, out, _ = run(capsys, "policy", "validate", "--format", "json", str(SEED_POLICY))
    report = json.loads(out)
    assert report[0]["file"] == str(SEED_POLICY)
    assert {"severity", "code", "message", "span"} <= set(report[0]["findings"][0])


def test_policy_validate_sarif_output(capsys):
    code, out, _ = run(capsys, "policy", "validate", "--format", "sarif", str(SEED_POLICY))
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    result = sarif["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert result["level"] in {"warning", "error", "note"}


def test_policy_validate_runs_the_lockout_check_for_a_caller(capsys):
    code, out, _ = run(
        capsys,
        "policy",
        "validate",
        str(SEED_POLICY),
        "--caller",
        "arn:aws:iam::444455556666:user/stranger",
    )
    assert code == 1 and "ERROR" in out


def test_policy_validate_with_a_data_dir_checks_principals_exist(capsys, tmp_path, data_dir):
    run(capsys, "call", "ListKeys", "--data-dir", data_dir)  # seeds the sample principals
    policy = tmp_path / "p.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    },
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:user/ghost"},
                        "Action": "kms:Decrypt",
                        "Resource": "*",
                    },
                ],
            }
        )
    )
    assert run(capsys, "policy", "validate", str(policy))[0] == 0
    code, out, _ = run(capsys, "policy", "validate", str(policy), "--data-dir", data_dir)
    assert code == 1 and "ghost" in out


def test_policy_validate_of_a_missing_file_exits_2(capsys):
    assert run(capsys, "policy", "validate", "/no/such.json")[0] == 2


def test_policy_simulate_gives_each_example_its_expected_decision(capsys, tmp_path):
    cases = json.loads((TEST_DATA / "policy_examples.json").read_text())
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    code, out, _ = run(capsys, "policy", "simulate", "--format", "json", str(path))
    assert code == 0
    assert [r["decision"] for r in json.loads(out)] == [c["expected"] for c in cases]


def test_policy_simulate_of_an_unreadable_file_exits_2(capsys):
    assert run(capsys, "policy", "simulate", "/no/such.json")[0] == 2


def test_version_and_help_work_as_a_module():
    exe = shutil.which("kmstui")
    assert exe is not None
    version = subprocess.run(
        [sys.executable, "-m", "kmstui", "--version"], capture_output=True, text=True, timeout=60
    )
    assert version.returncode == 0 and version.stdout.startswith("kmstui ")
    help_text = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert help_text.returncode == 0 and "call" in help_text.stdout


def test_settings_set_the_ebs_caller_model_for_later_commands(capsys, data_dir):
    code, out, _ = run(
        capsys, "settings", "set", "ebs.caller-model", "seed", "--data-dir", data_dir
    )
    assert code == 0 and "seed" in out
    code, out, _ = run(capsys, "settings", "show", "--data-dir", data_dir)
    assert "ebs.caller-model = seed" in out


def test_settings_reject_an_unknown_caller_model(capsys, data_dir):
    code, _, err = run(
        capsys, "settings", "set", "ebs.caller-model", "magic", "--data-dir", data_dir
    )
    assert code == 2 and "aws" in err


def test_events_follow_prints_new_events_while_another_process_owns_the_directory(
    tmp_path,
):
    import os
    import select

    from kmstui.engine import Engine

    data, config = tmp_path / "data", tmp_path / "config"
    engine = Engine(data, config)
    try:
        env = {**os.environ, "KMSTUI_CONFIG": str(config)}
        follower = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kmstui",
                "events",
                "--follow",
                "--json",
                "--data-dir",
                str(data),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            # The follower starts at the end of the history, whenever it is ready: keep
            # making events until one reaches it.
            for _ in range(40):
                engine.call("CreateKey", {"Description": "followed"})
                ready, _, _ = select.select([follower.stdout], [], [], 0.5)
                if ready:
                    break
            assert ready, "no event arrived within 20 s"
            record = json.loads(follower.stdout.readline())
            assert record["eventName"] == "CreateKey"
            assert record["requestParameters"]["description"] == "followed"
        finally:
            follower.kill()
            follower.wait(timeout=10)
    finally:
        engine.close()
