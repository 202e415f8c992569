"""Roles: CreateRole, GetRole, DeleteRole, ListRoles."""

from __future__ import annotations

import re

import pytest
from iam_helpers import ACCOUNT, NOW, TRUST_EC2

from kmstui.errors import AwsError


def create(engine, name="app", **extra):
    return engine.call(
        "CreateRole", {"RoleName": name, "AssumeRolePolicyDocument": TRUST_EC2, **extra}
    )["Role"]


def test_create_role_returns_the_role_as_iam_shows_it(engine):
    role = create(engine, Description="the app")
    assert role["RoleName"] == "app"
    assert role["Path"] == "/"
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/app"
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", role["RoleId"])
    assert role["CreateDate"] == NOW
    assert role["AssumeRolePolicyDocument"] == TRUST_EC2
    assert role["Description"] == "the app"
    assert role["MaxSessionDuration"] == 3600


def test_create_role_requires_a_trust_policy(engine):
    with pytest.raises(AwsError) as err:
        engine.call("CreateRole", {"RoleName": "app"})
    assert err.value.code == "ValidationError"
    assert "assumeRolePolicyDocument" in err.value.message


def test_create_role_with_a_malformed_trust_policy_is_malformed_policy_document(engine):
    with pytest.raises(AwsError) as err:
        engine.call("CreateRole", {"RoleName": "app", "AssumeRolePolicyDocument": "{nope"})
    assert err.value.code == "MalformedPolicyDocument"
    assert "line 1, column 2" in err.value.message


def test_create_role_trusting_an_unknown_user_of_the_account_is_rejected(engine):
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
        f'{{"AWS":"arn:aws:iam::{ACCOUNT}:user/ghost"}},"Action":"sts:AssumeRole"}}]}}'
    )
    with pytest.raises(AwsError) as err:
        engine.call("CreateRole", {"RoleName": "app", "AssumeRolePolicyDocument": trust})
    assert err.value.code == "MalformedPolicyDocument"
    assert "ghost" in err.value.message


def test_get_role_returns_the_role(engine):
    created = create(engine)
    role = engine.call("GetRole", {"RoleName": "app"})["Role"]
    assert {k: role[k] for k in created} == created
    assert role["RoleLastUsed"] == {}


def test_get_unknown_role_is_no_such_entity(engine):
    with pytest.raises(AwsError) as err:
        engine.call("GetRole", {"RoleName": "ghost"})
    assert err.value.code == "NoSuchEntity"
    assert err.value.message == "The role with name ghost cannot be found."


def test_create_existing_role_is_entity_already_exists(engine):
    create(engine)
    with pytest.raises(AwsError) as err:
        create(engine)
    assert err.value.code == "EntityAlreadyExists"
    assert err.value.status == 409


def test_create_role_with_a_bad_name_is_validation_error(engine):
    with pytest.raises(AwsError) as err:
        create(engine, name="no spaces")
    assert err.value.code == "ValidationError"


def test_max_session_duration_out_of_range_is_validation_error(engine):
    with pytest.raises(AwsError) as err:
        create(engine, MaxSessionDuration=60)
    assert err.value.code == "ValidationError"


def test_delete_role_removes_it(engine):
    create(engine)
    assert engine.call("DeleteRole", {"RoleName": "app"}) == {}
    with pytest.raises(AwsError, match="NoSuchEntity"):
        engine.call("GetRole", {"RoleName": "app"})


def test_delete_role_with_an_inline_policy_is_delete_conflict(engine):
    create(engine)
    engine.call(
        "PutRolePolicy",
        {
            "RoleName": "app",
            "PolicyName": "p",
            "PolicyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            '"Action":"kms:Decrypt","Resource":"*"}]}',
        },
    )
    with pytest.raises(AwsError) as err:
        engine.call("DeleteRole", {"RoleName": "app"})
    assert err.value.code == "DeleteConflict"


def test_delete_unknown_role_is_no_such_entity(engine):
    with pytest.raises(AwsError) as err:
        engine.call("DeleteRole", {"RoleName": "ghost"})
    assert err.value.code == "NoSuchEntity"


def test_list_roles_returns_the_roles_by_name(engine):
    create(engine, name="web")
    create(engine, name="app", Path="/svc/")
    listing = engine.call("ListRoles", {})
    assert [r["RoleName"] for r in listing["Roles"]] == ["app", "web"]
    assert listing["IsTruncated"] is False
    assert listing["Roles"][0]["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/svc/app"
