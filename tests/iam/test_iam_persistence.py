"""IAM state lives in the store and survives a restart."""

from __future__ import annotations

from iam_helpers import ACCOUNT, TRUST_EC2, open_engine

DOC = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt",'
    '"Resource":"*"}]}'
)


def test_users_roles_policies_and_keys_survive_a_restart(tmp_path):
    engine, iam = open_engine(tmp_path)
    user = engine.call("CreateUser", {"UserName": "alice"})["User"]
    role = engine.call("CreateRole", {"RoleName": "app", "AssumeRolePolicyDocument": TRUST_EC2})[
        "Role"
    ]
    engine.call("PutUserPolicy", {"UserName": "alice", "PolicyName": "use", "PolicyDocument": DOC})
    engine.call("PutRolePolicy", {"RoleName": "app", "PolicyName": "use", "PolicyDocument": DOC})
    key = engine.call("CreateAccessKey", {"UserName": "alice"})["AccessKey"]
    engine.call(
        "UpdateAccessKey",
        {"UserName": "alice", "AccessKeyId": key["AccessKeyId"], "Status": "Inactive"},
    )
    engine.close()

    engine, iam = open_engine(tmp_path)
    try:
        assert engine.call("GetUser", {"UserName": "alice"})["User"] == user
        got_role = engine.call("GetRole", {"RoleName": "app"})["Role"]
        assert {k: got_role[k] for k in role} == role
        assert (
            engine.call("GetUserPolicy", {"UserName": "alice", "PolicyName": "use"})[
                "PolicyDocument"
            ]
            == DOC
        )
        assert iam.identity_policies(f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s") == [("use", DOC)]
        found = iam.lookup_access_key(key["AccessKeyId"])
        assert found.secret == key["SecretAccessKey"]
        assert found.status == "Inactive"
    finally:
        engine.close()


def test_ids_stay_unique_when_a_seeded_engine_restarts(tmp_path):
    engine, _ = open_engine(tmp_path)
    first = engine.call("CreateUser", {"UserName": "alice"})["User"]["UserId"]
    first_key = engine.call("CreateAccessKey", {"UserName": "alice"})["AccessKey"]["AccessKeyId"]
    engine.close()

    engine, _ = open_engine(tmp_path)  # same seed: the random stream starts over
    try:
        second = engine.call("CreateUser", {"UserName": "bob"})["User"]["UserId"]
        second_key = engine.call("CreateAccessKey", {"UserName": "bob"})["AccessKey"]["AccessKeyId"]
        assert second != first
        assert second_key != first_key
    finally:
        engine.close()
