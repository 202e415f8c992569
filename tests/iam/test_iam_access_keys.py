"""Access keys: created with a secret shown once, stored only wrapped."""

from __future__ import annotations

import re

import pytest
from iam_helpers import ACCOUNT, NOW, open_engine, user_caller

from kmstui.errors import AwsError

ALLOW_OWN_KEYS = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":'
    '["iam:CreateAccessKey","iam:ListAccessKeys"],'
    '"Resource":"arn:aws:iam::*:user/${aws:username}"}]}'
)


@pytest.fixture
def alice(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    return "alice"


def create_key(engine, user="alice"):
    return engine.call("CreateAccessKey", {"UserName": user})["AccessKey"]


def test_create_access_key_returns_the_key_and_its_secret(engine, alice):
    key = create_key(engine)
    assert set(key) == {"UserName", "AccessKeyId", "Status", "SecretAccessKey", "CreateDate"}
    assert key["UserName"] == "alice"
    assert key["Status"] == "Active"
    assert key["CreateDate"] == NOW
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key["AccessKeyId"])
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", key["SecretAccessKey"])


def test_list_access_keys_never_shows_the_secret(engine, alice):
    key = create_key(engine)
    listing = engine.call("ListAccessKeys", {"UserName": "alice"})
    assert listing == {
        "AccessKeyMetadata": [
            {
                "UserName": "alice",
                "AccessKeyId": key["AccessKeyId"],
                "Status": "Active",
                "CreateDate": NOW,
            }
        ],
        "IsTruncated": False,
    }


def test_the_secret_is_not_stored_in_plaintext(tmp_path):
    engine, iam = open_engine(tmp_path / "own")
    engine.call("CreateUser", {"UserName": "alice"})
    key = create_key(engine)
    engine.call("ListAccessKeys", {"UserName": "alice"})
    assert iam.lookup_access_key(key["AccessKeyId"]).secret == key["SecretAccessKey"]
    engine.close()
    files = [p for p in (tmp_path / "own").rglob("*") if p.is_file()]
    everything = b"".join(p.read_bytes() for p in files)
    assert key["AccessKeyId"].encode() in everything  # the key and its events are on disk
    assert b"CreateAccessKey" in everything
    for path in files:
        assert key["SecretAccessKey"].encode() not in path.read_bytes(), path


def test_lookup_access_key_returns_the_identity_and_secret(engine, iam, alice):
    key = create_key(engine)
    found = iam.lookup_access_key(key["AccessKeyId"])
    assert found.access_key_id == key["AccessKeyId"]
    assert found.secret == key["SecretAccessKey"]
    assert found.user_arn == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert found.account == ACCOUNT
    assert found.status == "Active"


def test_lookup_of_an_unknown_access_key_is_none(iam):
    assert iam.lookup_access_key("AKIAAAAAAAAAAAAAAAAA") is None


def test_the_secret_does_not_show_in_the_identitys_repr(engine, iam, alice):
    key = create_key(engine)
    assert key["SecretAccessKey"] not in repr(iam.lookup_access_key(key["AccessKeyId"]))


def test_update_access_key_inactive_is_seen_by_lookup(engine, iam, alice):
    key = create_key(engine)
    assert (
        engine.call(
            "UpdateAccessKey",
            {"UserName": "alice", "AccessKeyId": key["AccessKeyId"], "Status": "Inactive"},
        )
        == {}
    )
    assert iam.lookup_access_key(key["AccessKeyId"]).status == "Inactive"
    listing = engine.call("ListAccessKeys", {"UserName": "alice"})
    assert listing["AccessKeyMetadata"][0]["Status"] == "Inactive"


def test_update_access_key_with_a_bad_status_is_validation_error(engine, alice):
    key = create_key(engine)
    with pytest.raises(AwsError) as err:
        engine.call(
            "UpdateAccessKey",
            {"UserName": "alice", "AccessKeyId": key["AccessKeyId"], "Status": "Paused"},
        )
    assert err.value.code == "ValidationError"


def test_a_third_access_key_is_limit_exceeded(engine, alice):
    create_key(engine)
    create_key(engine)
    with pytest.raises(AwsError) as err:
        create_key(engine)
    assert err.value.code == "LimitExceeded"
    assert err.value.status == 409


def test_delete_access_key_removes_it(engine, iam, alice):
    key = create_key(engine)
    assert (
        engine.call("DeleteAccessKey", {"UserName": "alice", "AccessKeyId": key["AccessKeyId"]})
        == {}
    )
    assert iam.lookup_access_key(key["AccessKeyId"]) is None
    assert engine.call("ListAccessKeys", {"UserName": "alice"})["AccessKeyMetadata"] == []


def test_delete_unknown_access_key_is_no_such_entity(engine, alice):
    with pytest.raises(AwsError) as err:
        engine.call("DeleteAccessKey", {"UserName": "alice", "AccessKeyId": "AKIAAAAAAAAAAAAAAAAA"})
    assert err.value.code == "NoSuchEntity"
    assert err.value.message == "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."


def test_another_users_access_key_is_no_such_entity(engine, alice):
    engine.call("CreateUser", {"UserName": "bob"})
    key = create_key(engine, "bob")
    with pytest.raises(AwsError) as err:
        engine.call(
            "UpdateAccessKey",
            {"UserName": "alice", "AccessKeyId": key["AccessKeyId"], "Status": "Inactive"},
        )
    assert err.value.code == "NoSuchEntity"


def test_create_access_key_for_an_unknown_user_is_no_such_entity(engine):
    with pytest.raises(AwsError) as err:
        create_key(engine, "ghost")
    assert err.value.code == "NoSuchEntity"


def test_a_user_may_create_a_key_for_itself_without_naming_itself(engine, alice):
    engine.call(
        "PutUserPolicy",
        {"UserName": "alice", "PolicyName": "own-keys", "PolicyDocument": ALLOW_OWN_KEYS},
    )
    key = engine.call("CreateAccessKey", {}, caller=user_caller("alice"))["AccessKey"]
    assert key["UserName"] == "alice"
    listing = engine.call("ListAccessKeys", {}, caller=user_caller("alice"))
    assert [k["AccessKeyId"] for k in listing["AccessKeyMetadata"]] == [key["AccessKeyId"]]


def test_the_root_user_may_have_access_keys_of_its_own(engine, iam):
    key = engine.call("CreateAccessKey", {})["AccessKey"]
    assert "UserName" not in key
    assert iam.lookup_access_key(key["AccessKeyId"]).user_arn == f"arn:aws:iam::{ACCOUNT}:root"
