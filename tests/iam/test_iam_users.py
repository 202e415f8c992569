"""Users: CreateUser, GetUser, DeleteUser, ListUsers."""

from __future__ import annotations

import re

import pytest
from iam_helpers import ACCOUNT, NOW, OTHER_ACCOUNT, user_caller

from kmstui.caller import Caller
from kmstui.errors import AwsError


def test_create_user_returns_the_user_as_iam_shows_it(engine):
    user = engine.call("CreateUser", {"UserName": "alice"})["User"]
    assert set(user) == {"Path", "UserName", "UserId", "Arn", "CreateDate"}
    assert user["UserName"] == "alice"
    assert user["Path"] == "/"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert user["CreateDate"] == NOW
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", user["UserId"])


def test_create_user_with_a_path_puts_the_path_in_the_arn(engine):
    user = engine.call("CreateUser", {"UserName": "bob", "Path": "/ops/"})["User"]
    assert user["Path"] == "/ops/"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/ops/bob"


def test_create_user_with_tags_returns_them(engine):
    tags = [{"Key": "team", "Value": "storage"}]
    user = engine.call("CreateUser", {"UserName": "carol", "Tags": tags})["User"]
    assert user["Tags"] == tags
    assert engine.call("GetUser", {"UserName": "carol"})["User"]["Tags"] == tags


def test_get_user_returns_what_create_user_returned(engine):
    created = engine.call("CreateUser", {"UserName": "alice"})["User"]
    assert engine.call("GetUser", {"UserName": "alice"}) == {"User": created}


def test_user_names_are_case_insensitive_for_lookup(engine):
    engine.call("CreateUser", {"UserName": "Alice"})
    assert engine.call("GetUser", {"UserName": "ALICE"})["User"]["UserName"] == "Alice"


def test_get_user_without_a_name_returns_the_calling_user(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    engine.call(
        "PutUserPolicy",
        {
            "UserName": "alice",
            "PolicyName": "self",
            "PolicyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            '"Action":"iam:GetUser","Resource":"*"}]}',
        },
    )
    user = engine.call("GetUser", {}, caller=user_caller("alice"))["User"]
    assert user["UserName"] == "alice"


def test_get_user_without_a_name_as_root_describes_the_root(engine):
    user = engine.call("GetUser", {})["User"]
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert user["UserId"] == ACCOUNT


def test_get_unknown_user_is_no_such_entity(engine):
    with pytest.raises(AwsError) as err:
        engine.call("GetUser", {"UserName": "nobody"})
    assert err.value.code == "NoSuchEntity"
    assert err.value.status == 404
    assert err.value.message == "The user with name nobody cannot be found."


def test_create_existing_user_is_entity_already_exists(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    with pytest.raises(AwsError) as err:
        engine.call("CreateUser", {"UserName": "ALICE"})
    assert err.value.code == "EntityAlreadyExists"
    assert err.value.status == 409


@pytest.mark.parametrize("name", ["", "has space", "slash/name", "x" * 65, "ümlaut"])
def test_create_user_with_a_bad_name_is_validation_error(engine, name):
    with pytest.raises(AwsError) as err:
        engine.call("CreateUser", {"UserName": name})
    assert err.value.code == "ValidationError"
    assert err.value.status == 400


def test_create_user_without_a_name_is_validation_error(engine):
    with pytest.raises(AwsError) as err:
        engine.call("CreateUser", {})
    assert err.value.code == "ValidationError"
    assert "userName" in err.value.message


def test_create_user_with_a_bad_path_is_validation_error(engine):
    with pytest.raises(AwsError) as err:
        engine.call("CreateUser", {"UserName": "alice", "Path": "ops"})
    assert err.value.code == "ValidationError"


def test_user_names_allow_the_iam_punctuation(engine):
    name = "a+b=c,d.e@f-g_h"
    assert engine.call("CreateUser", {"UserName": name})["User"]["UserName"] == name


def test_delete_user_removes_it(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    assert engine.call("DeleteUser", {"UserName": "alice"}) == {}
    with pytest.raises(AwsError, match="NoSuchEntity"):
        engine.call("GetUser", {"UserName": "alice"})


def test_delete_unknown_user_is_no_such_entity(engine):
    with pytest.raises(AwsError) as err:
        engine.call("DeleteUser", {"UserName": "nobody"})
    assert err.value.code == "NoSuchEntity"


def test_delete_user_with_an_inline_policy_is_delete_conflict(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    engine.call(
        "PutUserPolicy",
        {
            "UserName": "alice",
            "PolicyName": "p",
            "PolicyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            '"Action":"kms:Decrypt","Resource":"*"}]}',
        },
    )
    with pytest.raises(AwsError) as err:
        engine.call("DeleteUser", {"UserName": "alice"})
    assert err.value.code == "DeleteConflict"
    assert err.value.status == 409
    assert "policies" in err.value.message


def test_delete_user_with_an_access_key_is_delete_conflict(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    engine.call("CreateAccessKey", {"UserName": "alice"})
    with pytest.raises(AwsError) as err:
        engine.call("DeleteUser", {"UserName": "alice"})
    assert err.value.code == "DeleteConflict"
    assert "access keys" in err.value.message


def test_list_users_returns_the_accounts_users_by_name(engine):
    for name in ["carol", "alice", "Bob"]:
        engine.call("CreateUser", {"UserName": name})
    listing = engine.call("ListUsers", {})
    assert [u["UserName"] for u in listing["Users"]] == ["alice", "Bob", "carol"]
    assert listing["IsTruncated"] is False
    assert "Marker" not in listing
    assert set(listing["Users"][0]) == {"Path", "UserName", "UserId", "Arn", "CreateDate"}


def test_list_users_filters_by_path_prefix(engine):
    engine.call("CreateUser", {"UserName": "alice", "Path": "/ops/"})
    engine.call("CreateUser", {"UserName": "bob", "Path": "/dev/"})
    listing = engine.call("ListUsers", {"PathPrefix": "/ops/"})
    assert [u["UserName"] for u in listing["Users"]] == ["alice"]


def test_users_of_another_account_are_not_listed(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    other = Caller.root(OTHER_ACCOUNT)
    engine.call("CreateUser", {"UserName": "zed"}, caller=other)
    assert [u["UserName"] for u in engine.call("ListUsers", {})["Users"]] == ["alice"]
    assert [u["UserName"] for u in engine.call("ListUsers", {}, caller=other)["Users"]] == ["zed"]
