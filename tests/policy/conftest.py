"""Shared helpers for the policy specification tests.

The worked reference cases live in tests/data; a missing file fails the tests (never
skips them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmstui.policy import Request, evaluate

TEST_DATA = Path(__file__).resolve().parents[1] / "data"

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/Alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/Bob"
CAROL = f"arn:aws:iam::{OTHER_ACCOUNT}:user/Carol"
APP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AppRole"
APP_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/AppRole/session1"

ENABLE_IAM = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": ROOT},
    "Action": "kms:*",
    "Resource": "*",
}


def load_examples(name: str) -> list[dict]:
    path = TEST_DATA / name
    if not path.is_file():
        pytest.fail(f"reference data {path} is missing")
    return json.loads(path.read_text(encoding="utf-8"))


def policy(*statements: dict, version: str | None = "2012-10-17") -> dict:
    doc: dict = {"Statement": list(statements)}
    if version is not None:
        doc = {"Version": version, **doc}
    return doc


def statement(
    effect="Allow", principal=None, action="kms:Decrypt", resource="*", condition=None, **extra
) -> dict:
    st: dict = {"Effect": effect}
    if principal is not None:
        named = isinstance(principal, list) or (isinstance(principal, str) and principal != "*")
        st["Principal"] = {"AWS": principal} if named else principal
    if action is not None:
        st["Action"] = action
    if resource is not None:
        st["Resource"] = resource
    if condition is not None:
        st["Condition"] = condition
    st.update(extra)
    return st


def decide(
    key_policy,
    principal=ALICE,
    action="kms:Decrypt",
    context=None,
    identity=(),
    grants=(),
    resource=KEY_ARN,
):
    request = Request(principal, action, resource, dict(context or {}))
    return evaluate(request, key_policy=key_policy, identity_policies=identity, grants=grants)


def with_condition(condition: dict, context=None, principal=ALICE, action="kms:Decrypt"):
    """The effect of a key policy that allows ``principal`` only under ``condition``."""
    doc = policy(statement(principal=principal, action=action, condition=condition))
    return decide(doc, principal=principal, action=action, context=context).effect
