"""A string the engine could not write back is refused on input, in every string
member (descriptions, aliases, tags, grant names, policy text, IAM names): nothing
stored can fail to serialise."""

from __future__ import annotations

import json

import pytest

from kmstui.errors import AwsError

LONE = "\ud800"
POLICY_WITH_SURROGATE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "x" + LONE,
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    },
    ensure_ascii=False,
)


def test_a_lone_surrogate_in_a_description_creates_no_key(engine):
    before = engine.call("ListKeys")["Keys"]
    with pytest.raises(AwsError) as excinfo:
        engine.call("CreateKey", {"Description": LONE})
    assert excinfo.value.code == "SerializationException"
    assert excinfo.value.status == 400
    assert engine.call("ListKeys")["Keys"] == before
    for key in engine.call("ListKeys")["Keys"]:  # every key still describes
        engine.call("DescribeKey", {"KeyId": key["KeyId"]})


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("UpdateKeyDescription", {"Description": "a" + LONE}),
        ("CreateAlias", {"AliasName": "alias/x" + LONE}),
        ("TagResource", {"Tags": [{"TagKey": "k", "TagValue": LONE}]}),
        ("TagResource", {"Tags": [{"TagKey": LONE, "TagValue": "v"}]}),
        ("CreateGrant", {"Name": LONE, "GranteePrincipal": "arn:aws:iam::111122223333:root"}),
        ("PutKeyPolicy", {"PolicyName": "default", "Policy": POLICY_WITH_SURROGATE}),
        ("Encrypt", {"Plaintext": b"x", "EncryptionContext": {"k": LONE}}),
    ],
)
def test_kms_string_members_refuse_a_lone_surrogate(engine, operation, params):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    before = engine.call("DescribeKey", {"KeyId": key_id})
    with pytest.raises(AwsError) as excinfo:
        engine.call(operation, {"KeyId": key_id, "TargetKeyId": key_id, **params})
    assert excinfo.value.code == "SerializationException"
    assert engine.call("DescribeKey", {"KeyId": key_id}) == before
    assert engine.call("ListAliases")  # every alias still lists
    assert engine.call("ListResourceTags", {"KeyId": key_id})["Tags"] == []
    assert engine.call("ListGrants", {"KeyId": key_id})["Grants"] == []
    policy = engine.call("GetKeyPolicy", {"KeyId": key_id, "PolicyName": "default"})["Policy"]
    policy.encode("utf-8")


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("CreateUser", {"UserName": "u" + LONE}),
        ("CreateUser", {"UserName": "u1", "Tags": [{"Key": "k", "Value": LONE}]}),
        ("CreateRole", {"RoleName": "r1", "AssumeRolePolicyDocument": "{}" + LONE}),
    ],
)
def test_iam_string_members_refuse_a_lone_surrogate(engine, operation, params):
    with pytest.raises(AwsError) as excinfo:
        engine.call(operation, params)
    assert excinfo.value.code == "ValidationError"
    assert engine.call("ListUsers")["Users"] == []
    assert engine.call("ListRoles")["Roles"] == []


def test_an_error_message_never_carries_the_surrogate(engine):
    with pytest.raises(AwsError) as excinfo:
        engine.call("CreateVolume", {"AvailabilityZone": LONE, "Size": 8})
    assert excinfo.value.code == "InvalidParameterValue"
    excinfo.value.message.encode("utf-8")
    json.dumps(excinfo.value.to_json(), ensure_ascii=False).encode("utf-8")
