"""Who may call IAM: the account root, and principals whose identity policies allow it."""

from __future__ import annotations

import json

import pytest
from iam_helpers import (
    ACCOUNT,
    ALLOW_ALL_IAM,
    OTHER_ACCOUNT,
    TRUST_EC2,
    session_caller,
    user_caller,
)

from kmstui.caller import Caller
from kmstui.errors import AwsError


def policy(action: str, resource: str = "*", effect: str = "Allow") -> str:
    statement = {"Effect": effect, "Action": action, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def alice(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    return user_caller("alice")


def grant(engine, doc: str, name: str = "p", user: str = "alice") -> None:
    engine.call("PutUserPolicy", {"UserName": user, "PolicyName": name, "PolicyDocument": doc})


def test_a_user_without_iam_permissions_is_denied(engine, alice):
    with pytest.raises(AwsError) as err:
        engine.call("CreateUser", {"UserName": "mallory"}, caller=alice)
    assert err.value.code == "AccessDenied"
    assert err.value.status == 403
    assert err.value.message.startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/alice is not authorized to perform: "
        f"iam:CreateUser on resource: arn:aws:iam::{ACCOUNT}:user/mallory"
    )


def test_a_denied_call_changes_nothing(engine, alice):
    with pytest.raises(AwsError):
        engine.call("CreateUser", {"UserName": "mallory"}, caller=alice)
    assert [u["UserName"] for u in engine.call("ListUsers", {})["Users"]] == ["alice"]


def test_a_user_whose_policy_allows_the_action_may_call_it(engine, alice):
    grant(engine, ALLOW_ALL_IAM)
    user = engine.call("CreateUser", {"UserName": "bob"}, caller=alice)["User"]
    assert user["UserName"] == "bob"


def test_an_allow_covers_only_its_actions(engine, alice):
    grant(engine, policy("iam:ListUsers"))
    engine.call("ListUsers", {}, caller=alice)
    with pytest.raises(AwsError, match="AccessDenied"):
        engine.call("ListRoles", {}, caller=alice)


def test_an_allow_covers_only_its_resources(engine, alice):
    grant(engine, policy("iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/alice"))
    engine.call("CreateUser", {"UserName": "bob"})
    engine.call("GetUser", {"UserName": "alice"}, caller=alice)
    with pytest.raises(AwsError, match="AccessDenied"):
        engine.call("GetUser", {"UserName": "bob"}, caller=alice)


def test_an_explicit_deny_beats_an_allow(engine, alice):
    grant(engine, ALLOW_ALL_IAM, "all")
    grant(engine, policy("iam:DeleteUser", effect="Deny"), "no-delete")
    engine.call("CreateUser", {"UserName": "bob"}, caller=alice)
    with pytest.raises(AwsError) as err:
        engine.call("DeleteUser", {"UserName": "bob"}, caller=alice)
    assert err.value.code == "AccessDenied"
    assert "explicit deny" in err.value.message


def test_a_role_session_is_authorized_by_its_roles_policies(engine):
    engine.call("CreateRole", {"RoleName": "admin", "AssumeRolePolicyDocument": TRUST_EC2})
    session = session_caller("admin")
    with pytest.raises(AwsError, match="AccessDenied"):
        engine.call("ListUsers", {}, caller=session)
    engine.call(
        "PutRolePolicy", {"RoleName": "admin", "PolicyName": "p", "PolicyDocument": ALLOW_ALL_IAM}
    )
    assert engine.call("ListUsers", {}, caller=session)["Users"] == []


def test_a_deleted_users_policies_no_longer_apply(engine, alice):
    grant(engine, ALLOW_ALL_IAM)
    engine.call("DeleteUserPolicy", {"UserName": "alice", "PolicyName": "p"})
    with pytest.raises(AwsError, match="AccessDenied"):
        engine.call("ListUsers", {}, caller=alice)


def test_a_caller_from_another_account_is_denied(engine, alice):
    grant(engine, ALLOW_ALL_IAM)
    stranger = Caller(principal=f"arn:aws:iam::{ACCOUNT}:user/alice", account=OTHER_ACCOUNT)
    with pytest.raises(AwsError) as err:
        engine.call("ListUsers", {}, caller=stranger)
    assert err.value.code == "AccessDenied"


def test_another_accounts_root_cannot_see_this_accounts_users(engine, alice):
    assert engine.call("ListUsers", {}, caller=Caller.root(OTHER_ACCOUNT))["Users"] == []
    with pytest.raises(AwsError, match="NoSuchEntity"):
        engine.call("GetUser", {"UserName": "alice"}, caller=Caller.root(OTHER_ACCOUNT))


def test_a_service_principal_is_denied(engine):
    service = Caller(principal="ec2.amazonaws.com", account=ACCOUNT)
    with pytest.raises(AwsError, match="AccessDenied"):
        engine.call("ListUsers", {}, caller=service)


def test_authorization_comes_before_existence(engine, alice):
    with pytest.raises(AwsError) as err:
        engine.call("GetUser", {"UserName": "ghost"}, caller=alice)
    assert err.value.code == "AccessDenied"


def test_policy_variables_scope_a_user_to_itself(engine, alice):
    grant(engine, policy("iam:GetUser", "arn:aws:iam::*:user/${aws:username}"))
    engine.call("CreateUser", {"UserName": "bob"})
    assert engine.call("GetUser", {}, caller=alice)["User"]["UserName"] == "alice"
    with pytest.raises(AwsError, match="AccessDenied"):
        engine.call("GetUser", {"UserName": "bob"}, caller=alice)
