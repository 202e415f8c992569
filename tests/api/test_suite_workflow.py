"""What a test suite written for AWS does against `kmstui serve`: a fresh directory in
its own account, a second account by access key id and a second Region, and a reset
between tests; against a real server process, through boto3."""

from __future__ import annotations

import urllib.request

import boto3
import pytest
from botocore.config import Config

from tests.served import serve, stop

FIRST, SECOND = "123456789012", "000000000002"


@pytest.fixture
def server(tmp_path):
    process, url = serve(tmp_path, FIRST)
    yield url
    stop(process)


def kms(url: str, access_key_id: str, region: str):
    return boto3.client(
        "kms",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key="fake",
        aws_session_token="fake-token",  # suites send one; it is ignored here
        config=Config(retries={"max_attempts": 1}),
    )


def reset(url: str, path: str) -> None:
    request = urllib.request.Request(url + path, data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def key_arns(client) -> list[str]:
    return [k["KeyArn"] for k in client.list_keys()["Keys"]]


def test_accounts_regions_and_a_reset_between_tests(server):
    first = kms(server, "AKIAIOSFODNN7EXAMPLE", "us-east-1")
    second = kms(server, SECOND, "eu-west-1")
    assert key_arns(first) == [] and key_arns(second) == []  # a fresh directory is empty

    # "test one": a key in each account and Region, with the same alias name
    mine = first.create_key(Description="first")["KeyMetadata"]["Arn"]
    theirs = second.create_key(Description="second")["KeyMetadata"]["Arn"]
    first.create_alias(AliasName="alias/suite", TargetKeyId=mine)
    second.create_alias(AliasName="alias/suite", TargetKeyId=theirs)
    assert mine.startswith(f"arn:aws:kms:us-east-1:{FIRST}:key/")
    assert theirs.startswith(f"arn:aws:kms:eu-west-1:{SECOND}:key/")
    assert key_arns(first) == [mine] and key_arns(second) == [theirs]
    assert key_arns(kms(server, SECOND, "us-east-1")) == []  # the same account elsewhere
    blob = second.encrypt(KeyId="alias/suite", Plaintext=b"x")["CiphertextBlob"]
    assert second.decrypt(CiphertextBlob=blob)["KeyId"] == theirs

    reset(server, "/moto-api/reset")  # between tests, as suites written for moto do
    assert key_arns(first) == [] and key_arns(second) == []
    assert second.list_aliases()["Aliases"] == [] or all(
        a["AliasName"].startswith("alias/aws/") for a in second.list_aliases()["Aliases"]
    )

    # "test two" starts from nothing, and kmstui's own reset path does the same
    again = first.create_key()["KeyMetadata"]["Arn"]
    assert key_arns(first) == [again]
    reset(server, "/_kmstui/reset")
    assert key_arns(first) == []
