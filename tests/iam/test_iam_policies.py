"""Inline (identity) policies of users and roles."""

from __future__ import annotations

import pytest
from iam_helpers import TRUST_EC2

from kmstui.errors import AwsError

DOC = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Use", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "*"}
  ]
}"""


@pytest.fixture
def alice(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    return "alice"


@pytest.fixture
def app(engine):
    engine.call("CreateRole", {"RoleName": "app", "AssumeRolePolicyDocument": TRUST_EC2})
    return "app"


def put(engine, user="alice", name="use", doc=DOC):
    return engine.call(
        "PutUserPolicy", {"UserName": user, "PolicyName": name, "PolicyDocument": doc}
    )


def test_put_user_policy_returns_nothing(engine, alice):
    assert put(engine) == {}


def test_get_user_policy_returns_the_document_verbatim(engine, alice):
    put(engine)
    got = engine.call("GetUserPolicy", {"UserName": "alice", "PolicyName": "use"})
    assert got == {"UserName": "alice", "PolicyName": "use", "PolicyDocument": DOC}


def test_put_user_policy_replaces_a_policy_of_the_same_name(engine, alice):
    put(engine)
    other = DOC.replace("kms:Decrypt", "kms:Encrypt")
    put(engine, doc=other)
    got = engine.call("GetUserPolicy", {"UserName": "alice", "PolicyName": "use"})
    assert got["PolicyDocument"] == other


def test_list_user_policies_names_them_in_order(engine, alice):
    put(engine, name="zeta")
    put(engine, name="alpha")
    listing = engine.call("ListUserPolicies", {"UserName": "alice"})
    assert listing == {"PolicyNames": ["alpha", "zeta"], "IsTruncated": False}


def test_delete_user_policy_removes_it(engine, alice):
    put(engine)
    assert engine.call("DeleteUserPolicy", {"UserName": "alice", "PolicyName": "use"}) == {}
    assert engine.call("ListUserPolicies", {"UserName": "alice"})["PolicyNames"] == []


def test_get_unknown_user_policy_is_no_such_entity(engine, alice):
    with pytest.raises(AwsError) as err:
        engine.call("GetUserPolicy", {"UserName": "alice", "PolicyName": "nope"})
    assert err.value.code == "NoSuchEntity"
    assert err.value.message == "The user policy with name nope cannot be found."


def test_delete_unknown_user_policy_is_no_such_entity(engine, alice):
    with pytest.raises(AwsError) as err:
        engine.call("DeleteUserPolicy", {"UserName": "alice", "PolicyName": "nope"})
    assert err.value.code == "NoSuchEntity"


def test_put_policy_for_an_unknown_user_is_no_such_entity(engine):
    with pytest.raises(AwsError) as err:
        put(engine, user="ghost")
    assert err.value.code == "NoSuchEntity"
    assert err.value.message == "The user with name ghost cannot be found."


def test_a_policy_error_is_malformed_policy_document_with_its_position(engine, alice):
    doc = DOC.replace('"Allow"', '"Allw"')
    with pytest.raises(AwsError) as err:
        put(engine, doc=doc)
    assert err.value.code == "MalformedPolicyDocument"
    assert err.value.status == 400
    assert "Effect" in err.value.message
    column = doc.splitlines()[3].index('"Allw"') + 1
    assert f"(line 4, column {column})" in err.value.message


def test_invalid_json_is_malformed_policy_document(engine, alice):
    with pytest.raises(AwsError) as err:
        put(engine, doc='{"Version": "2012-10-17",\n  "Statement": [')
    assert err.value.code == "MalformedPolicyDocument"
    assert "line 2" in err.value.message


def test_an_identity_policy_with_a_principal_is_malformed(engine, alice):
    doc = DOC.replace('"Effect"', '"Principal": "*", "Effect"')
    with pytest.raises(AwsError) as err:
        put(engine, doc=doc)
    assert err.value.code == "MalformedPolicyDocument"


def test_a_statement_without_resource_is_malformed(engine, alice):
    doc = DOC.replace(', "Resource": "*"', "")
    with pytest.raises(AwsError) as err:
        put(engine, doc=doc)
    assert err.value.code == "MalformedPolicyDocument"


def test_a_rejected_policy_is_not_stored(engine, alice):
    with pytest.raises(AwsError):
        put(engine, doc="{")
    assert engine.call("ListUserPolicies", {"UserName": "alice"})["PolicyNames"] == []


def test_user_inline_policies_are_limited_to_2048_characters(engine, alice):
    padding = ",".join(f'"kms:Decrypt{i}"' for i in range(140))
    big = DOC.replace('["kms:Decrypt"]', f"[{padding}]")
    with pytest.raises(AwsError) as err:
        put(engine, doc=big)
    assert err.value.code == "LimitExceeded"


def test_policy_name_with_a_space_is_validation_error(engine, alice):
    with pytest.raises(AwsError) as err:
        put(engine, name="my policy")
    assert err.value.code == "ValidationError"


def test_role_policies_put_get_list_delete(engine, app):
    assert (
        engine.call(
            "PutRolePolicy", {"RoleName": "app", "PolicyName": "use", "PolicyDocument": DOC}
        )
        == {}
    )
    got = engine.call("GetRolePolicy", {"RoleName": "app", "PolicyName": "use"})
    assert got == {"RoleName": "app", "PolicyName": "use", "PolicyDocument": DOC}
    assert engine.call("ListRolePolicies", {"RoleName": "app"})["PolicyNames"] == ["use"]
    assert engine.call("DeleteRolePolicy", {"RoleName": "app", "PolicyName": "use"}) == {}
    assert engine.call("ListRolePolicies", {"RoleName": "app"})["PolicyNames"] == []


def test_get_unknown_role_policy_is_no_such_entity(engine, app):
    with pytest.raises(AwsError) as err:
        engine.call("GetRolePolicy", {"RoleName": "app", "PolicyName": "nope"})
    assert err.value.code == "NoSuchEntity"
    assert err.value.message == "The role policy with name nope cannot be found."


def test_put_role_policy_for_an_unknown_role_is_no_such_entity(engine):
    with pytest.raises(AwsError) as err:
        engine.call(
            "PutRolePolicy", {"RoleName": "ghost", "PolicyName": "p", "PolicyDocument": DOC}
        )
    assert err.value.code == "NoSuchEntity"


def test_a_malformed_role_policy_is_rejected(engine, app):
    with pytest.raises(AwsError) as err:
        engine.call("PutRolePolicy", {"RoleName": "app", "PolicyName": "p", "PolicyDocument": "[]"})
    assert err.value.code == "MalformedPolicyDocument"


# -- attached managed policies and groups: the account has none -----------------------------
def test_a_users_and_a_roles_attached_policies_and_a_users_groups_are_none(engine, alice, app):
    empty = {"IsTruncated": False}
    assert engine.call("ListAttachedUserPolicies", {"UserName": alice}) == {
        "AttachedPolicies": [],
        **empty,
    }
    assert engine.call("ListAttachedRolePolicies", {"RoleName": app, "PathPrefix": "/"}) == {
        "AttachedPolicies": [],
        **empty,
    }
    assert engine.call("ListGroupsForUser", {"UserName": alice, "MaxItems": 10}) == {
        "Groups": [],
        **empty,
    }


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    [
        (
            "ListAttachedUserPolicies",
            {"UserName": "bob"},
            "The user with name bob cannot be found.",
        ),
        ("ListGroupsForUser", {"UserName": "bob"}, "The user with name bob cannot be found."),
        (
            "ListAttachedRolePolicies",
            {"RoleName": "nope"},
            "The role with name nope cannot be found.",
        ),
    ],
)
def test_listing_what_is_attached_to_no_one_is_no_such_entity(engine, operation, params, message):
    with pytest.raises(AwsError) as err:
        engine.call(operation, params)
    assert (err.value.code, err.value.status) == ("NoSuchEntity", 404)
    assert message in err.value.message


def test_a_user_may_list_another_users_groups_only_when_a_policy_allows_it(engine, alice):
    from iam_helpers import user_caller

    engine.call("CreateUser", {"UserName": "bob"})
    with pytest.raises(AwsError) as err:
        engine.call("ListGroupsForUser", {"UserName": "bob"}, caller=user_caller("alice"))
    assert err.value.code == "AccessDenied"
    assert "iam:ListGroupsForUser on resource: arn:aws:iam::" in err.value.message
    allow = DOC.replace('"kms:Decrypt"', '"iam:ListGroupsForUser"')
    put(engine, doc=allow)
    listing = engine.call("ListGroupsForUser", {"UserName": "bob"}, caller=user_caller("alice"))
    assert listing["Groups"] == []
