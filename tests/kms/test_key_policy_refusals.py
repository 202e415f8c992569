"""Key policies KMS refuses outright (MalformedPolicyDocumentException), even with
the lockout safety check bypassed: an empty Statement list, and condition keys KMS
permits only in IAM policies. An IAM policy may use them."""

from __future__ import annotations

import json

import pytest

from kmstui.errors import MalformedPolicyDocumentException

ROOT = "arn:aws:iam::111122223333:root"


def policy(statements: list) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def allow_root(condition: dict | None = None) -> dict:
    statement = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return statement


def test_an_empty_statement_list_is_refused(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    for operation, params in (
        ("CreateKey", {"Policy": policy([]), "BypassPolicyLockoutSafetyCheck": True}),
        (
            "PutKeyPolicy",
            {"KeyId": key_id, "Policy": policy([]), "BypassPolicyLockoutSafetyCheck": True},
        ),
    ):
        with pytest.raises(MalformedPolicyDocumentException, match="Statement list is empty"):
            engine.call(operation, params)
    assert json.loads(engine.call("GetKeyPolicy", {"KeyId": key_id})["Policy"])["Statement"]


@pytest.mark.parametrize(
    ("condition", "named"),
    [
        ({"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/app-*"}}, "kms:ResourceAliases"),
        ({"StringEquals": {"aws:ResourceTag/team": "storage"}}, "aws:ResourceTag"),
    ],
)
def test_condition_keys_only_iam_policies_may_use_are_refused(engine, condition, named):
    with pytest.raises(MalformedPolicyDocumentException) as raised:
        engine.call(
            "CreateKey",
            {"Policy": policy([allow_root(condition)]), "BypassPolicyLockoutSafetyCheck": True},
        )
    assert raised.value.message.startswith(
        f"These condition keys are not permitted in a key policy: {named}"
    )
    # The same condition is fine in an identity policy.
    engine.call("CreateUser", {"UserName": "abac"})
    engine.call(
        "PutUserPolicy",
        {
            "UserName": "abac",
            "PolicyName": "by-alias",
            "PolicyDocument": policy(
                [
                    {
                        "Effect": "Allow",
                        "Action": "kms:Decrypt",
                        "Resource": "*",
                        "Condition": condition,
                    }
                ]
            ),
        },
    )


def test_a_key_merely_starting_like_a_refused_one_is_not_refused_for_it(engine):
    key = engine.call(
        "CreateKey",
        {
            "Policy": policy([allow_root({"StringEquals": {"kms:ResourceAliasesExtra": "x"}})]),
            "BypassPolicyLockoutSafetyCheck": True,
        },
    )
    assert key["KeyMetadata"]["KeyId"]
