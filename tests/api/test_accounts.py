"""Accounts under --allow-any-credentials: an access key id of 12 digits is that
account's root user, any other id the endpoint's account; each account sees only its
own keys, aliases, grants, IAM users and EC2 resources."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from kmstui.api.auth import Authenticator, RequestParts
from kmstui.api.sigv4 import sign
from kmstui.caller import Caller
from kmstui.engine import Engine

from .conftest import Api, Keys, start_server

HOME = "123456789012"
SECOND = "000000000002"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def accounts_api(tmp_path_factory):
    base = tmp_path_factory.mktemp("api-accounts")
    engine = Engine(base / "data", base / "config", account=HOME, command="kmstui serve (tests)")
    server = start_server(engine, allow_any_credentials=True, account_id=HOME)
    try:
        yield Api(engine, server.url, Keys("AKIAFAKEFAKEFAKEFAKE", "fake-secret"))
    finally:
        server.stop()
        engine.close()


def signed_parts(access_key_id: str) -> RequestParts:
    headers = sign(
        "POST",
        "http://127.0.0.1:4599/",
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"},
        b"{}",
        access_key=access_key_id,
        secret_key="whatever",
        region="eu-west-1",
        service="kms",
    )
    return RequestParts("POST", "/", "", list(headers.items()), b"{}")


@pytest.mark.parametrize(
    ("access_key_id", "account"),
    [
        (SECOND, SECOND),
        ("444455556666", "444455556666"),
        ("AKIAFAKEFAKEFAKEFAKE", HOME),
        ("test", HOME),
        ("12345678901", HOME),  # 11 digits
        ("1234567890123", HOME),  # 13 digits
        ("12345678901a", HOME),
    ],
)
def test_a_twelve_digit_access_key_id_selects_its_account(access_key_id, account, tmp_path):
    engine = Engine(tmp_path / "data", tmp_path / "config", account=HOME)
    try:
        auth = Authenticator(engine, allow_any_credentials=True, account_id=HOME)
        caller = auth.caller_for(signed_parts(access_key_id))
        assert caller.account == account
        assert caller.principal == f"arn:aws:iam::{account}:root"
        assert caller.region == "eu-west-1"
    finally:
        engine.close()


def test_without_any_credentials_a_digit_id_is_just_an_unknown_key(tmp_path):
    engine = Engine(tmp_path / "data", tmp_path / "config", account=HOME)
    try:
        auth = Authenticator(engine, account_id=HOME)
        with pytest.raises(Exception) as raised:
            auth.caller_for(signed_parts(SECOND))
        assert getattr(raised.value, "code", None) == "UnrecognizedClientException"
    finally:
        engine.close()


def test_each_account_has_its_own_keys_and_aliases(accounts_api):
    home = accounts_api.client()
    second = accounts_api.client(Keys(SECOND, "any"))
    home_key = home.create_key(Description="home")["KeyMetadata"]
    second_key = second.create_key(Description="second")["KeyMetadata"]
    assert home_key["Arn"].startswith(f"arn:aws:kms:{REGION}:{HOME}:key/")
    assert second_key["Arn"].startswith(f"arn:aws:kms:{REGION}:{SECOND}:key/")
    assert second_key["AWSAccountId"] == SECOND
    # The same alias name in both accounts, each to its own key.
    home.create_alias(AliasName="alias/shared-name", TargetKeyId=home_key["KeyId"])
    second.create_alias(AliasName="alias/shared-name", TargetKeyId=second_key["KeyId"])
    assert home.describe_key(KeyId="alias/shared-name")["KeyMetadata"]["KeyId"] == home_key["KeyId"]
    assert (
        second.describe_key(KeyId="alias/shared-name")["KeyMetadata"]["KeyId"]
        == second_key["KeyId"]
    )
    home_ids = {k["KeyId"] for k in home.list_keys()["Keys"]}
    second_ids = {k["KeyId"] for k in second.list_keys()["Keys"]}
    assert home_key["KeyId"] in home_ids and second_key["KeyId"] not in home_ids
    assert second_ids == {second_key["KeyId"]}
    # A bare key id of the other account is not found; its ARN is refused by the
    # key's default policy (it trusts only its own account).
    with pytest.raises(ClientError) as raised:
        second.describe_key(KeyId=home_key["KeyId"])
    assert raised.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as raised:
        second.encrypt(KeyId=home_key["Arn"], Plaintext=b"x")
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"


def test_each_account_has_its_own_grants(accounts_api):
    home = accounts_api.client()
    second = accounts_api.client(Keys(SECOND, "any"))
    key_id = second.create_key(Description="granted")["KeyMetadata"]["KeyId"]
    grant = second.create_grant(
        KeyId=key_id,
        GranteePrincipal=f"arn:aws:iam::{SECOND}:root",
        Operations=["Decrypt"],
    )
    listed = second.list_grants(KeyId=key_id)["Grants"]
    assert [g["GrantId"] for g in listed] == [grant["GrantId"]]
    with pytest.raises(ClientError) as raised:
        home.list_grants(KeyId=key_id)
    assert raised.value.response["Error"]["Code"] == "NotFoundException"


def test_each_account_has_its_own_iam_and_ec2_resources(accounts_api):
    engine = accounts_api.engine
    home, second = Caller.root(HOME, REGION), Caller.root(SECOND, REGION)
    for caller in (home, second):
        engine.call("CreateUser", {"UserName": "same-name"}, caller=caller)
    users = {c.account: engine.call("ListUsers", caller=c)["Users"] for c in (home, second)}
    assert [u["Arn"] for u in users[HOME]] == [f"arn:aws:iam::{HOME}:user/same-name"]
    assert [u["Arn"] for u in users[SECOND]] == [f"arn:aws:iam::{SECOND}:user/same-name"]

    key = engine.call("CreateKey", {"Description": "ebs"}, caller=second)["KeyMetadata"]
    volume = engine.call(
        "CreateVolume",
        {"Size": 1, "AvailabilityZone": f"{REGION}a", "Encrypted": True, "KmsKeyId": key["Arn"]},
        caller=second,
    )
    assert [v["VolumeId"] for v in engine.call("DescribeVolumes", caller=second)["Volumes"]] == [
        volume["VolumeId"]
    ]
    assert volume["VolumeId"] not in {
        v["VolumeId"] for v in engine.call("DescribeVolumes", caller=home)["Volumes"]
    }
