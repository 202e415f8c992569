"""`kmstui policy audit` against a real `kmstui serve` process: every customer managed
key's policy validated (one with an error, one with a security warning, clean ones),
the AWS managed key and the key pending deletion skipped with the reason, text, JSON
and SARIF, the exit code per --fail-on, paging, and the errors that stop an audit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from kmstui.cli import main
from tests import served
from tests.served import free_port, stop

ACCOUNT = "111122223333"
REGION = "us-east-1"
# A statement stored when it was accepted, that the validator now calls an error.
BROKEN_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "kms:*",
      "Resource": "*"
    },
    {
      "Effect": "Permit",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "kms:Decrypt",
      "Resource": "*"
    }
  ]
}"""
# Where the error is: the line and column (from 1) of the value "Permit".
PERMIT_LINE = next(n for n, line in enumerate(BROKEN_POLICY.splitlines(), 1) if "Permit" in line)
PERMIT_COLUMN = BROKEN_POLICY.splitlines()[PERMIT_LINE - 1].index('"Permit"') + 1
PUBLIC_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "Anyone",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "kms:Decrypt",
                "Resource": "*",
            },
        ],
    },
    indent=2,
)


def serve(base: Path) -> tuple[subprocess.Popen, str]:
    return served.serve(base, ACCOUNT)


def client(service: str, url: str, access_key: str = "AKIAIOSFODNN7EXAMPLE"):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key="fake",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    """A served account: keys named by role, and the URL."""
    base = tmp_path_factory.mktemp("audit")
    process, url = serve(base)
    kms = client("kms", url)
    keys = {}
    try:
        keys["clean"] = kms.create_key(Description="clean")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/clean", TargetKeyId=keys["clean"])
        kms.create_alias(AliasName="alias/also-clean", TargetKeyId=keys["clean"])
        keys["public"] = kms.create_key(Policy=PUBLIC_POLICY)["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/public", TargetKeyId=keys["public"])
        keys["broken"] = kms.create_key(Description="broken")["KeyMetadata"]["KeyId"]
        keys["doomed"] = kms.create_key(Description="doomed")["KeyMetadata"]["KeyId"]
        kms.schedule_key_deletion(KeyId=keys["doomed"], PendingWindowInDays=7)
        for n in range(4):
            keys[f"more{n}"] = kms.create_key(Description=f"more {n}")["KeyMetadata"]["KeyId"]
        # CreateVolume without KmsKeyId encrypts under alias/aws/ebs, made on first use.
        client("ec2", url).create_volume(
            AvailabilityZone=f"{REGION}a", Size=1, Encrypted=True, VolumeType="gp3"
        )
        managed = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]
        assert managed["KeyManager"] == "AWS"
        keys["managed"] = managed["KeyId"]
    finally:
        stop(process)
    # The broken policy goes straight into the database, as a policy stored before the
    # validator grew stricter would be there: KMS itself refuses it today.
    database = base / "data" / "kmstui.json"
    content = json.loads(database.read_text())
    for record in content["keys"].values():
        if record["KeyId"] == keys["broken"]:
            record["Policy"] = BROKEN_POLICY
    database.write_text(json.dumps(content))
    process, url = serve(base)
    try:
        yield url, keys
    finally:
        stop(process)


@pytest.fixture(autouse=True)
def credentials(monkeypatch, tmp_path):
    """Credentials for the endpoint, and none of the developer's AWS configuration."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def audit(capsys, url: str, *options: str) -> tuple[int, str, str]:
    code = main(["policy", "audit", "--endpoint-url", url, *options])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lists_each_keys_findings_and_the_skipped_keys_with_why(capsys, account):
    url, keys = account
    code, out, _ = audit(capsys, url, "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["failed"] is True and report["failOn"] == "ERROR"
    assert report["account"] == ACCOUNT and report["region"] == REGION
    by_id = {k["keyId"]: k for k in report["keys"]}
    audited = {keys[name] for name in keys if name not in ("doomed", "managed")}
    assert set(by_id) == audited
    assert by_id[keys["clean"]]["findings"] == []
    assert by_id[keys["clean"]]["aliases"] == ["alias/also-clean", "alias/clean"]
    broken = by_id[keys["broken"]]["findings"]
    assert [(f["severity"], f["code"]) for f in broken] == [("ERROR", "INVALID_EFFECT")]
    assert broken[0]["span"]["start"] == {"line": PERMIT_LINE, "column": PERMIT_COLUMN}
    public = by_id[keys["public"]]
    assert public["aliases"] == ["alias/public"]
    assert ("SECURITY_WARNING", "UNRESTRICTED_PUBLIC_PRINCIPAL") in {
        (f["severity"], f["code"]) for f in public["findings"]
    }
    assert by_id[keys["public"]]["keyArn"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{keys['public']}"
    skipped = {k["keyId"]: k for k in report["skipped"]}
    assert set(skipped) == {keys["doomed"], keys["managed"]}
    assert skipped[keys["managed"]]["reason"] == "AWS managed key"
    assert skipped[keys["managed"]]["aliases"] == ["alias/aws/ebs"]
    assert "pending deletion" in skipped[keys["doomed"]]["reason"]
    assert report["summary"]["ERROR"] == 1 and report["summary"]["SECURITY_WARNING"] >= 1


def test_text_names_each_key_its_aliases_and_each_finding_where_it_is(capsys, account):
    url, keys = account
    code, out, _ = audit(capsys, url)
    assert code == 1
    lines = out.splitlines()
    assert f"{keys['clean']} (alias/also-clean, alias/clean): no findings" in lines
    assert f"  {keys['broken']}:{PERMIT_LINE}:{PERMIT_COLUMN}: ERROR INVALID_EFFECT " in "\n".join(
        lines
    )
    assert any(
        line.startswith(f"  {keys['public']}:") and "SECURITY_WARNING" in line for line in lines
    )
    assert f"skipped {keys['managed']} (alias/aws/ebs): AWS managed key" in lines
    assert any(line.startswith(f"skipped {keys['doomed']}: pending deletion") for line in lines)
    assert lines[-1].endswith("the audit fails at --fail-on error")


def test_sarif_has_a_rule_per_code_and_a_result_per_finding_at_the_key_arn(capsys, account):
    url, keys = account
    code, out, _ = audit(capsys, url, "--format", "sarif")
    log = json.loads(out)
    # The members SARIF 2.1.0's schema requires (sarifLog: version and runs, run: tool,
    # tool: driver, toolComponent: name, reportingDescriptor: id, result: message), and
    # only the members it defines on the log and the run.
    assert code == 1 and log["version"] == "2.1.0" and len(log["runs"]) == 1
    assert set(log) <= {"$schema", "version", "runs", "inlineExternalProperties", "properties"}
    run = log["runs"][0]
    assert set(run) == {"tool", "results", "properties"}
    driver = run["tool"]["driver"]
    assert driver["name"] == "kmstui"
    assert all(rule["id"] for rule in driver["rules"])
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    results = run["results"]
    assert {r["ruleId"] for r in results} == set(rule_ids)
    for result in results:
        assert result["message"]["text"]
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    broken_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{keys['broken']}"
    (error,) = [r for r in results if r["level"] == "error"]
    location = error["locations"][0]["physicalLocation"]
    assert error["ruleId"] == "INVALID_EFFECT"
    assert location["artifactLocation"]["uri"] == broken_arn
    assert (location["region"]["startLine"], location["region"]["startColumn"]) == (
        PERMIT_LINE,
        PERMIT_COLUMN,
    )
    assert error["properties"]["keyId"] == keys["broken"]
    public_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{keys['public']}"
    assert any(
        r["ruleId"] == "UNRESTRICTED_PUBLIC_PRINCIPAL"
        and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == public_arn
        for r in results
    )
    assert {k["keyId"] for k in run["properties"]["skipped"]} == {keys["doomed"], keys["managed"]}


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("error", 1), ("security_warning", 1), ("warning", 1), ("suggestion", 1)],
)
def test_every_fail_on_level_fails_on_an_error(capsys, account, fail_on, expected):
    url, _ = account
    assert audit(capsys, url, "--fail-on", fail_on)[0] == expected


def test_fail_on_counts_a_finding_at_or_above_the_level_only(capsys, tmp_path):
    """An account whose worst finding is a security warning passes at error and fails
    at security_warning and below."""
    process, url = serve(tmp_path)
    try:
        kms = client("kms", url)
        kms.create_key(Description="clean")
        kms.create_key(Policy=PUBLIC_POLICY)
        assert audit(capsys, url, "--fail-on", "error")[0] == 0
        for level in ("security_warning", "warning", "suggestion"):
            assert audit(capsys, url, "--fail-on", level)[0] == 1, level
        # Without the public key nothing is found at any level.
        public = [k for k in kms.list_keys()["Keys"] if "Anyone" in kms.get_key_policy(
            KeyId=k["KeyId"], PolicyName="default")["Policy"]]  # fmt: skip
        kms.schedule_key_deletion(KeyId=public[0]["KeyId"], PendingWindowInDays=7)
        code, out, _ = audit(capsys, url, "--fail-on", "suggestion", "--format", "json")
        assert code == 0 and json.loads(out)["failed"] is False
    finally:
        stop(process)


def test_pages_through_more_keys_than_one_page(capsys, account):
    url, keys = account
    code, out, _ = audit(capsys, url, "--format", "json", "--page-size", "2")
    report = json.loads(out)
    seen = [k["keyId"] for k in report["keys"]] + [k["keyId"] for k in report["skipped"]]
    assert len(seen) == len(keys) > 2 * 4
    assert sorted(seen) == sorted(keys.values())
    assert {a for k in report["keys"] for a in k["aliases"]} >= {"alias/clean", "alias/public"}


def test_an_endpoint_that_cannot_be_reached_exits_2_and_says_which(capsys):
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = audit(capsys, url)
    assert code == 2 and out == ""
    assert f"cannot reach {url}" in err


def test_a_denied_call_exits_2_and_names_the_call(capsys, monkeypatch, account):
    """A key whose policy does not let the account read it: GetKeyPolicy is denied."""
    url, _ = account
    other = "000000000002"  # an access key id of 12 digits: that account's root user
    kms = client("kms", url, access_key=other)
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                       "Action": "kms:Decrypt", "Resource": "*"}],
    }  # fmt: skip
    key = kms.create_key(Policy=json.dumps(policy), BypassPolicyLockoutSafetyCheck=True)
    key_id = key["KeyMetadata"]["KeyId"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", other)
    code, out, err = audit(capsys, url)
    assert code == 2 and out == ""
    assert "was denied (AccessDeniedException" in err
    assert f"({key_id})" in err and ("DescribeKey" in err or "GetKeyPolicy" in err)


def test_expired_credentials_stop_the_audit_and_say_how_to_log_in_again(monkeypatch, tmp_path):
    from botocore.stub import Stubber

    from kmstui.aws import keypolicies

    (tmp_path / "aws-config").write_text(f"[profile dev]\nregion = {REGION}\n")
    made = keypolicies.client(keypolicies.Where(profile="dev"))
    assert made.meta.region_name == REGION  # the profile's
    stubber = Stubber(made)
    stubber.add_client_error("list_aliases", "ExpiredTokenException", "The token expired")
    stubber.activate()
    monkeypatch.setattr(keypolicies, "client", lambda where: made)
    with pytest.raises(keypolicies.AccountError) as raised:
        keypolicies.read(keypolicies.Where(region=REGION, profile="dev"))
    assert "ListAliases: the credentials are expired" in str(raised.value)
    assert "aws sso login --profile dev" in str(raised.value)


def test_a_profile_without_saying_which_account_is_a_usage_error(capsys):
    code = main(["policy", "audit", "--profile", "dev"])
    assert code == 2 and "--profile needs --aws" in capsys.readouterr().err


def test_without_boto3_the_command_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)
    for module in ("kmstui.aws.keypolicies", "kmstui.aws.account"):  # imported as if anew
        monkeypatch.delitem(sys.modules, module, raising=False)
    code = main(["policy", "audit", "--endpoint-url", "http://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and "pip install 'kmstui[aws]'" in err
