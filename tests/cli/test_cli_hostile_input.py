"""Hostile input on the command line: exit 2 (usage) or 1 (the AWS error JSON), never
a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kmstui.cli import main


@pytest.fixture
def data_dir(tmp_path):
    return str(tmp_path / "data")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def nested(depth: int) -> str:
    return '{"KeyId": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [900, 60_000])
def test_call_with_deeply_nested_json_exits_2(capsys, data_dir, depth):
    code, out, err = run(capsys, "call", "ListKeys", nested(depth), "--data-dir", data_dir)
    assert code == 2 and out == ""
    assert "levels deep" in err


@pytest.mark.parametrize("depth", [900, 60_000])
def test_call_reads_deep_json_from_a_file_too(capsys, data_dir, tmp_path, depth):
    request = tmp_path / "request.json"
    request.write_text(nested(depth))
    code, _, err = run(capsys, "call", "ListKeys", f"@{request}", "--data-dir", data_dir)
    assert code == 2 and "levels deep" in err


@pytest.mark.parametrize("depth", [900, 60_000])
def test_policy_simulate_with_deeply_nested_json_exits_2(capsys, tmp_path, depth):
    cases = tmp_path / "cases.json"
    cases.write_text("[" * depth + "]" * depth)
    code, out, err = run(capsys, "policy", "simulate", str(cases))
    assert code == 2 and "levels deep" in err


def test_call_with_an_escaped_lone_surrogate_exits_2(capsys, data_dir):
    request = '{"AliasName": "alias/x\\ud800", "TargetKeyId": "alias/app-data"}'
    code, out, err = run(capsys, "call", "CreateAlias", request, "--data-dir", data_dir)
    assert code == 2 and "surrogate" in err
    code, out, _ = run(capsys, "call", "ListAliases", "--data-dir", data_dir)
    assert code == 0 and "\\ud800" not in out


def test_call_with_a_stray_byte_on_the_command_line_exits_2(capsys, data_dir):
    """What the OS hands Python for a byte that is not UTF-8 (surrogateescape)."""
    request = '{"AliasName": "alias/x\udcff", "TargetKeyId": "alias/app-data"}'
    code, out, err = run(capsys, "call", "CreateAlias", request, "--data-dir", data_dir)
    assert code == 2 and out == "" and "surrogate" in err


def test_call_with_a_5000_digit_number_exits_2(capsys, data_dir):
    code, out, err = run(
        capsys, "call", "ListKeys", '{"Limit": ' + "9" * 5000 + "}", "--data-dir", data_dir
    )
    assert code == 2 and "too large" in err


def test_call_with_a_wrong_type_prints_the_aws_error_and_exits_1(capsys, data_dir):
    code, out, _ = run(capsys, "call", "CreateKey", '{"XksKeyId": 0}', "--data-dir", data_dir)
    assert code == 1
    assert json.loads(out)["__type"] == "SerializationException"


def test_a_data_dir_that_names_a_file_exits_2(capsys, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    code, out, err = run(capsys, "call", "ListKeys", "--data-dir", str(a_file))
    assert code == 2 and out == "" and str(a_file) in err
    assert a_file.read_text() == "not a directory"
    code, _, err = run(capsys, "call", "ListKeys", "--data-dir", str(a_file / "below"))
    assert code == 2 and "a-file" in err


@pytest.mark.parametrize("region", ["../../etc", "us-east-1/../x", "", "US-EAST-1", "x" * 300])
def test_a_region_that_is_not_a_region_name_exits_2(capsys, data_dir, region):
    code, out, err = run(capsys, "call", "ListKeys", "--region", region, "--data-dir", data_dir)
    assert code == 2 and out == "" and "Region" in err


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-2", "us-gov-west-1"])
def test_a_region_name_is_taken(capsys, data_dir, region):
    code, out, _ = run(capsys, "call", "ListKeys", "--region", region, "--data-dir", data_dir)
    assert code == 0 and "Keys" in json.loads(out)


def test_no_traceback_from_a_process_either(tmp_path):
    """The real process: stdout's encoding and the exit code as a script sees them."""
    request = '{"Description": "\\ud800"}'
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kmstui",
            "call",
            "CreateKey",
            request,
            "--data-dir",
            str(tmp_path / "d"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"KMSTUI_CONFIG": str(tmp_path / "config"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr


def test_a_principal_that_is_not_valid_text_exits_2(capsys, data_dir):
    principal = "arn:aws:iam::111122223333:user/\udcff"
    code, out, err = run(capsys, "call", "ListKeys", "--as", principal, "--data-dir", data_dir)
    assert code == 2 and out == "" and "--as" in err
