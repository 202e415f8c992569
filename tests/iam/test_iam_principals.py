"""What the engine asks the IAM service about principals."""

from __future__ import annotations

import pytest
from iam_helpers import ACCOUNT, OTHER_ACCOUNT, TRUST_EC2

from kmstui.caller import Caller

DOC = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt",'
    '"Resource":"*"}]}'
)


@pytest.fixture
def populated(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    engine.call("CreateUser", {"UserName": "bob", "Path": "/ops/"})
    engine.call("CreateRole", {"RoleName": "app", "AssumeRolePolicyDocument": TRUST_EC2})
    engine.call("PutUserPolicy", {"UserName": "alice", "PolicyName": "use", "PolicyDocument": DOC})
    engine.call(
        "PutRolePolicy", {"RoleName": "app", "PolicyName": "decrypt", "PolicyDocument": DOC}
    )
    return engine


def test_identity_policies_of_a_user(iam, populated):
    assert iam.identity_policies(f"arn:aws:iam::{ACCOUNT}:user/alice") == [("use", DOC)]


def test_identity_policies_of_a_role(iam, populated):
    assert iam.identity_policies(f"arn:aws:iam::{ACCOUNT}:role/app") == [("decrypt", DOC)]


def test_identity_policies_of_a_role_session_are_its_roles(iam, populated):
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/i-0123456789"
    assert iam.identity_policies(session) == [("decrypt", DOC)]


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT}:root",
        "ec2.amazonaws.com",
        f"arn:aws:iam::{ACCOUNT}:user/ghost",
        f"arn:aws:iam::{OTHER_ACCOUNT}:user/alice",
        f"arn:aws:iam::{ACCOUNT}:user/wrongpath/alice",
    ],
)
def test_identity_policies_of_root_services_and_unknowns_are_empty(iam, populated, arn):
    assert iam.identity_policies(arn) == []


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT}:root",
        ACCOUNT,
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        f"arn:aws:iam::{ACCOUNT}:user/ops/bob",
        f"arn:aws:iam::{ACCOUNT}:role/app",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/session",
    ],
)
def test_principal_exists_is_true_for_known_principals(iam, populated, arn):
    assert iam.principal_exists(arn) is True


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT}:user/ghost",
        f"arn:aws:iam::{ACCOUNT}:user/bob",  # bob lives under /ops/
        f"arn:aws:iam::{ACCOUNT}:role/ghost",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/ghost/session",
        f"arn:aws:iam::{ACCOUNT}:group/admins",
    ],
)
def test_principal_exists_is_false_for_unknown_principals_of_a_known_account(iam, populated, arn):
    assert iam.principal_exists(arn) is False


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{OTHER_ACCOUNT}:user/alice",
        f"arn:aws:iam::{OTHER_ACCOUNT}:root",
        "ec2.amazonaws.com",
        "*",
    ],
)
def test_principal_exists_is_none_when_it_cannot_be_known(iam, populated, arn):
    assert iam.principal_exists(arn) is None


def test_an_account_with_users_becomes_known(engine, iam):
    engine.call("CreateUser", {"UserName": "zed"}, caller=Caller.root(OTHER_ACCOUNT))
    assert iam.principal_exists(f"arn:aws:iam::{OTHER_ACCOUNT}:user/zed") is True
    assert iam.principal_exists(f"arn:aws:iam::{OTHER_ACCOUNT}:user/ghost") is False
    assert iam.accounts() == [ACCOUNT, OTHER_ACCOUNT]


def test_accounts_is_the_engines_account_when_empty(iam):
    assert iam.accounts() == [ACCOUNT]


def test_principals_lists_roots_users_and_roles(iam, populated):
    assert iam.principals() == [
        f"arn:aws:iam::{ACCOUNT}:root",
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        f"arn:aws:iam::{ACCOUNT}:user/ops/bob",
        f"arn:aws:iam::{ACCOUNT}:role/app",
    ]


def test_users_and_roles_of_an_account(iam, populated):
    assert [u["UserName"] for u in iam.users(ACCOUNT)] == ["alice", "bob"]
    assert [r["RoleName"] for r in iam.roles(ACCOUNT)] == ["app"]
    assert iam.users(OTHER_ACCOUNT) == []


def test_the_index_follows_a_rolled_back_transaction(engine, iam):
    engine.call("CreateUser", {"UserName": "alice"})
    with pytest.raises(RuntimeError):
        with engine.store.transaction():
            engine.call("CreateUser", {"UserName": "bob"})
            assert iam.principal_exists(f"arn:aws:iam::{ACCOUNT}:user/bob") is True
            raise RuntimeError("abandon")
    assert iam.principal_exists(f"arn:aws:iam::{ACCOUNT}:user/bob") is False
    assert iam.principal_exists(f"arn:aws:iam::{ACCOUNT}:user/alice") is True
