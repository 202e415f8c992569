"""Authorization on every call: key policies, identity policies and grants."""

import json

import pytest

from kmstui.caller import Caller
from kmstui.errors import AccessDeniedException, MalformedPolicyDocumentException

ROOT = "arn:aws:iam::111122223333:root"
ALICE = Caller.for_arn("arn:aws:iam::111122223333:user/alice")


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ADMIN = {
    "Sid": "Admin",
    "Effect": "Allow",
    "Principal": {"AWS": ROOT},
    "Action": "kms:*",
    "Resource": "*",
}


@pytest.fixture
def key_id(engine):
    # Key policies may only name principals that exist, as in AWS.
    for name in ("alice", "x", "admin"):
        engine.call("CreateUser", {"UserName": name})
    return engine.call("CreateKey")["KeyMetadata"]["KeyId"]


def test_a_policy_naming_a_user_that_does_not_exist_is_rejected(engine, key_id):
    with pytest.raises(MalformedPolicyDocumentException, match="invalid principals"):
        engine.call(
            "PutKeyPolicy",
            {
                "KeyId": key_id,
                "Policy": policy(
                    ADMIN,
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:user/ghost"},
                        "Action": "kms:Decrypt",
                        "Resource": "*",
                    },
                ),
            },
        )


def test_create_key_without_a_policy_gets_the_default_policy(engine, key_id):
    text = engine.call("GetKeyPolicy", {"KeyId": key_id})["Policy"]
    statement = json.loads(text)["Statement"][0]
    assert statement["Sid"] == "Enable IAM User Permissions"
    assert statement["Principal"] == {"AWS": ROOT}


def test_get_key_policy_returns_the_text_exactly_as_put(engine, key_id):
    text = '{ "Version" : "2012-10-17",\n  "Statement": [ ' + json.dumps(ADMIN) + " ] }"
    engine.call("PutKeyPolicy", {"KeyId": key_id, "Policy": text})
    assert engine.call("GetKeyPolicy", {"KeyId": key_id})["Policy"] == text


def test_a_user_named_by_the_key_policy_is_allowed_without_iam_policy(engine, key_id):
    engine.call(
        "PutKeyPolicy",
        {
            "KeyId": key_id,
            "Policy": policy(
                ADMIN,
                {
                    "Sid": "AliceEncrypts",
                    "Effect": "Allow",
                    "Principal": {"AWS": ALICE.principal},
                    "Action": "kms:Encrypt",
                    "Resource": "*",
                },
            ),
        },
    )
    engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"}, caller=ALICE)
    assert engine.events.recent[-1]["decision"]["decidedBy"] == ["AliceEncrypts"]


def test_a_user_without_any_allow_is_denied_with_aws_wording(engine, key_id):
    with pytest.raises(AccessDeniedException) as info:
        engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"}, caller=ALICE)
    assert info.value.message.startswith(
        "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
        "kms:Encrypt on resource: arn:aws:kms:us-east-1:111122223333:key/"
    )
    assert info.value.message.endswith(
        "because no identity-based policy allows the kms:Encrypt action"
    )


def test_without_account_delegation_the_wording_names_the_resource_policy(engine, key_id):
    engine.call("PutKeyPolicy", {"KeyId": key_id, "Policy": policy(ADMIN)})
    engine.call(
        "PutKeyPolicy",
        {
            "KeyId": key_id,
            "Policy": policy(
                {
                    "Sid": "OnlyAdminUser",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:user/admin"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ),
            "BypassPolicyLockoutSafetyCheck": True,
        },
    )
    with pytest.raises(AccessDeniedException, match="no resource-based policy allows"):
        engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"}, caller=ALICE)


def test_a_grant_allows_the_operations_it_names_and_nothing_else(engine, key_id):
    blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"})["CiphertextBlob"]
    grant = engine.call(
        "CreateGrant",
        {"KeyId": key_id, "GranteePrincipal": ALICE.principal, "Operations": ["Decrypt"]},
    )
    assert engine.call("Decrypt", {"CiphertextBlob": blob}, caller=ALICE)["Plaintext"] == b"x"
    assert engine.events.recent[-1]["decision"]["decidedBy"] == [grant["GrantId"]]
    with pytest.raises(AccessDeniedException):
        engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"}, caller=ALICE)


def test_a_grant_constraint_limits_the_encryption_context(engine, key_id):
    ok = engine.call(
        "Encrypt", {"KeyId": key_id, "Plaintext": b"x", "EncryptionContext": {"vol": "1", "x": "y"}}
    )["CiphertextBlob"]
    other = engine.call(
        "Encrypt", {"KeyId": key_id, "Plaintext": b"x", "EncryptionContext": {"vol": "2"}}
    )["CiphertextBlob"]
    engine.call(
        "CreateGrant",
        {
            "KeyId": key_id,
            "GranteePrincipal": ALICE.principal,
            "Operations": ["Decrypt"],
            "Constraints": {"EncryptionContextSubset": {"vol": "1"}},
        },
    )
    engine.call(
        "Decrypt", {"CiphertextBlob": ok, "EncryptionContext": {"vol": "1", "x": "y"}}, caller=ALICE
    )
    with pytest.raises(AccessDeniedException):
        engine.call(
            "Decrypt", {"CiphertextBlob": other, "EncryptionContext": {"vol": "2"}}, caller=ALICE
        )


def test_an_explicit_deny_in_the_key_policy_beats_a_grant(engine, key_id):
    engine.call(
        "PutKeyPolicy",
        {
            "KeyId": key_id,
            "Policy": policy(
                ADMIN,
                {
                    "Sid": "NeverAlice",
                    "Effect": "Deny",
                    "Principal": {"AWS": ALICE.principal},
                    "Action": "kms:*",
                    "Resource": "*",
                },
            ),
        },
    )
    blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"})["CiphertextBlob"]
    engine.call(
        "CreateGrant",
        {"KeyId": key_id, "GranteePrincipal": ALICE.principal, "Operations": ["Decrypt"]},
    )
    with pytest.raises(AccessDeniedException, match="explicit deny"):
        engine.call("Decrypt", {"CiphertextBlob": blob}, caller=ALICE)


def test_put_key_policy_that_locks_the_caller_out_is_rejected(engine, key_id):
    locked = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:user/x"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    with pytest.raises(
        MalformedPolicyDocumentException,
        match="will not allow you to update the key policy in the future",
    ):
        engine.call("PutKeyPolicy", {"KeyId": key_id, "Policy": locked})


def test_the_lockout_check_can_be_bypassed(engine, key_id):
    locked = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:user/x"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    engine.call(
        "PutKeyPolicy", {"KeyId": key_id, "Policy": locked, "BypassPolicyLockoutSafetyCheck": True}
    )
    assert (
        engine.call(
            "GetKeyPolicy",
            {"KeyId": key_id},
            caller=Caller.for_arn("arn:aws:iam::111122223333:user/x"),
        )["Policy"]
        == locked
    )


def test_create_key_with_a_malformed_policy_is_rejected_with_its_position(engine):
    with pytest.raises(MalformedPolicyDocumentException, match="line 1"):
        engine.call("CreateKey", {"Policy": '{"Version": "2012-10-17", "Statement": [,]}'})


def test_a_policy_over_32_kb_is_rejected(engine, key_id):
    statements = [dict(ADMIN, Sid=f"S{i}") for i in range(400)]
    with pytest.raises(MalformedPolicyDocumentException):
        engine.call("PutKeyPolicy", {"KeyId": key_id, "Policy": policy(*statements)})


def test_grant_name_makes_create_grant_idempotent(engine, key_id):
    params = {
        "KeyId": key_id,
        "GranteePrincipal": ALICE.principal,
        "Operations": ["Decrypt"],
        "Name": "app-grant",
    }
    first = engine.call("CreateGrant", params)
    second = engine.call("CreateGrant", params)
    assert first["GrantId"] == second["GrantId"]
    assert first["GrantToken"] != second["GrantToken"]
    assert len(engine.call("ListGrants", {"KeyId": key_id})["Grants"]) == 1


def test_grant_operations_are_validated_against_the_aws_list(engine, key_id):
    from kmstui.errors import ValidationException

    with pytest.raises(ValidationException, match="enum value set"):
        engine.call(
            "CreateGrant",
            {"KeyId": key_id, "GranteePrincipal": ALICE.principal, "Operations": ["DeleteKey"]},
        )
    with pytest.raises(ValidationException, match="not valid for a symmetric"):
        engine.call(
            "CreateGrant",
            {"KeyId": key_id, "GranteePrincipal": ALICE.principal, "Operations": ["Sign"]},
        )


def test_retire_grant_by_token_and_revoke_by_id(engine, key_id):
    first = engine.call(
        "CreateGrant",
        {
            "KeyId": key_id,
            "GranteePrincipal": ALICE.principal,
            "Operations": ["Decrypt"],
            "RetiringPrincipal": ROOT,
        },
    )
    second = engine.call(
        "CreateGrant",
        {"KeyId": key_id, "GranteePrincipal": ALICE.principal, "Operations": ["Encrypt"]},
    )
    retirable = engine.call("ListRetirableGrants", {"RetiringPrincipal": ROOT})["Grants"]
    assert [g["GrantId"] for g in retirable] == [first["GrantId"]]
    engine.call("RetireGrant", {"GrantToken": first["GrantToken"]})
    engine.call("RevokeGrant", {"KeyId": key_id, "GrantId": second["GrantId"]})
    assert engine.call("ListGrants", {"KeyId": key_id})["Grants"] == []


def test_a_bad_grant_token_is_invalid(engine, key_id):
    from kmstui.errors import InvalidGrantTokenException

    with pytest.raises(InvalidGrantTokenException):
        engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x", "GrantTokens": ["nope"]})


def test_the_seed_policy_allows_ec2_with_the_volume_context_via_ec2(engine):
    from kmstui.sample import seed_policy_text

    key_id = engine.call("CreateKey", {"Policy": seed_policy_text()})["KeyMetadata"]["KeyId"]
    ec2 = Caller(principal="ec2.amazonaws.com").via("ec2.amazonaws.com")
    context = {"aws:ec2:arn": "arn:aws:ec2:us-east-1:111122223333:volume/vol-0123"}
    out = engine.call(
        "GenerateDataKey",
        {"KeyId": key_id, "NumberOfBytes": 64, "EncryptionContext": context},
        caller=ec2,
    )
    assert engine.events.recent[-1]["decision"]["decidedBy"] == [
        "Allow access for EC2 to encrypt/decrypt volumes"
    ]
    assert len(out["Plaintext"]) == 64
    with pytest.raises(AccessDeniedException):
        engine.call(
            "GenerateDataKey",
            {"KeyId": key_id, "NumberOfBytes": 64, "EncryptionContext": {"aws:ec2:arn": "other"}},
            caller=ec2,
        )


def test_identity_policy_changes_apply_from_the_next_request(engine, key_id):
    # Decisions are memoised; changing a user's policies must still change the next one.
    request = {"KeyId": key_id, "Plaintext": b"x"}
    with pytest.raises(AccessDeniedException):
        engine.call("Encrypt", request, caller=ALICE)
    allow = {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}
    engine.call(
        "PutUserPolicy",
        {"UserName": "alice", "PolicyName": "enc", "PolicyDocument": policy(allow)},
    )
    engine.call("Encrypt", request, caller=ALICE)
    engine.call("Encrypt", request, caller=ALICE)  # answered from the memo
    engine.call("DeleteUserPolicy", {"UserName": "alice", "PolicyName": "enc"})
    with pytest.raises(AccessDeniedException):
        engine.call("Encrypt", request, caller=ALICE)


def test_a_policy_reading_the_time_is_decided_at_each_request(engine, key_id):
    until = "2027-01-15T09:00:00Z"  # an hour after the engine clock of these tests
    timed = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
        "Action": "kms:Encrypt",
        "Resource": "*",
        "Condition": {"DateLessThan": {"aws:CurrentTime": until}},
    }
    engine.call("PutKeyPolicy", {"KeyId": key_id, "Policy": policy(ADMIN, timed)})
    request = {"KeyId": key_id, "Plaintext": b"x"}
    engine.call("Encrypt", request, caller=ALICE)
    engine.advance_clock(2 * 3600)
    with pytest.raises(AccessDeniedException):
        engine.call("Encrypt", request, caller=ALICE)
