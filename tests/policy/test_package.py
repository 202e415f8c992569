"""The package's boundaries: what it imports, what it exports, its catalog."""

from __future__ import annotations

import subprocess
import sys

import kmstui.policy as policy
from kmstui.policy import KMS_ACTIONS, condition_key, lockout_safety_check

from .conftest import ALICE, BOB, ENABLE_IAM, ROOT, statement
from .conftest import policy as make_policy

PUBLIC = [
    "Position",
    "Span",
    "Finding",
    "validate_policy",
    "kms_rejection",
    "compile_policy",
    "CompiledPolicy",
    "Request",
    "Decision",
    "evaluate",
    "simulate_case",
    "lockout_safety_check",
    "KMS_ACTIONS",
    "ActionInfo",
]


def test_public_api_is_exported():
    for name in PUBLIC:
        assert hasattr(policy, name), name


def test_policy_package_imports_nothing_outside_itself():
    code = (
        "import sys, kmstui.policy, json\n"
        "mods = [m for m in sys.modules if m.startswith(('kmstui', 'textual', 'aiohttp'))]\n"
        "print(json.dumps(sorted(mods)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(eval(out.stdout))  # noqa: S307 - our own json list
    allowed = {"kmstui", "kmstui.errors"}
    assert {m for m in loaded if not m.startswith("kmstui.policy")} <= allowed


def test_kms_actions_come_from_the_package_catalog():
    decrypt = KMS_ACTIONS["kms:Decrypt"]
    assert decrypt.access_level == "Write"
    assert decrypt.resource_types == ("key",)
    assert "kms:ViaService" in decrypt.condition_keys
    assert KMS_ACTIONS["kms:ListKeys"].iam_only


def test_catalog_knows_key_families_and_their_types():
    assert condition_key("kms:EncryptionContext:aws:ebs:id").type == "String"
    assert condition_key("kms:EncryptionContextKeys").multivalued
    assert condition_key("aws:SourceIp").type == "IPAddress"
    assert condition_key("kms:NoSuchKey") is None


def test_lockout_check_passes_when_the_caller_is_named():
    doc = make_policy(statement(principal=ALICE, action="kms:PutKeyPolicy"))
    assert lockout_safety_check(doc, ALICE)


def test_lockout_check_fails_when_the_caller_is_not_named():
    doc = make_policy(statement(principal=ALICE, action="kms:PutKeyPolicy"))
    assert not lockout_safety_check(doc, BOB)


def test_lockout_check_counts_account_delegation_as_allowing():
    assert lockout_safety_check(make_policy(ENABLE_IAM), BOB)


def test_lockout_check_fails_when_put_key_policy_is_denied():
    doc = make_policy(ENABLE_IAM, statement("Deny", principal="*", action="kms:PutKeyPolicy"))
    assert not lockout_safety_check(doc, ROOT)


def test_compile_policy_caches_text_by_content():
    text = '{"Version":"2012-10-17","Statement":[]}'
    assert policy.compile_policy(text) is policy.compile_policy(text)


def test_compile_policy_rejects_unparseable_text():
    import pytest

    with pytest.raises(ValueError):
        policy.compile_policy("{not json")
    with pytest.raises(ValueError):
        policy.compile_policy("[1, 2]")
