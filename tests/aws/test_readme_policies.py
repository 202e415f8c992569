"""The README's least-privilege policies for the console on a real account are valid
IAM policies, and they allow what the console sends: the reads of its key list and
policy editor read-only, and every destructive call it confirms with --allow-writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kmstui.model import writes
from kmstui.policy import IDENTITY_POLICY, validate_policy
from kmstui.policy.findings import ERROR

README = Path(__file__).resolve().parents[2] / "README.md"


def policies() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## On a real AWS account") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```json\n(.*?)```", section, re.S)


def actions(document: str) -> set[str]:
    found: set[str] = set()
    for statement in json.loads(document)["Statement"]:
        named = statement["Action"]
        found |= {named} if isinstance(named, str) else set(named)
    return found


def test_there_is_a_read_only_policy_and_one_for_writes():
    assert len(policies()) == 2


@pytest.mark.parametrize("index", [0, 1], ids=["read-only", "writes"])
def test_each_policy_is_a_valid_identity_policy(index):
    document = policies()[index]
    errors = [
        f for f in validate_policy(document, policy_type=IDENTITY_POLICY) if f.severity == ERROR
    ]
    assert errors == []


def test_the_read_only_policy_allows_what_the_key_list_and_the_policy_editor_read():
    allowed = actions(policies()[0])
    needed = {
        "kms:ListKeys", "kms:ListAliases", "kms:DescribeKey", "kms:GetKeyRotationStatus",
        "kms:GetKeyPolicy", "kms:ListGrants", "kms:ListResourceTags", "iam:ListUsers",
        "iam:ListRoles", "ec2:DescribeVolumes", "ec2:DescribeInstances",
        "cloudtrail:LookupEvents", "cloudwatch:GetMetricData", "access-analyzer:ValidatePolicy",
    }  # fmt: skip
    assert needed - allowed == set()
    assert not {a for a in allowed if writes.kind(a.split(":")[1]) != writes.READ}


def test_the_writes_policy_allows_every_destructive_kms_and_ec2_call_the_console_confirms():
    allowed = actions(policies()[1])
    destructive = {
        f"{service}:{operation}"
        for service in ("kms", "ec2")
        for operation in writes.DESTRUCTIVE_TARGETS
        if operation in operations(service)
    }
    assert len(destructive) > 10 and destructive - allowed == set()


def operations(service: str) -> set[str]:
    model = Path(writes.__file__).parent / f"{service}.json"
    return set(json.loads(model.read_text(encoding="utf-8"))["operations"])
