"""What a signature must cover: the headers that choose the operation, the payload
itself, and no session token the engine did not issue."""

from __future__ import annotations

import json

import pytest

from kmstui.api import sigv4
from kmstui.errors import InvalidSignatureException

from .conftest import REGION, raw_post

SIGNED_HEADER = "'{}' must be a 'SignedHeader' in the AWS Authorization."


def signed_without(api, body: bytes, target: str, *, leave_out: str) -> dict:
    """Headers for a request signed by the root key with ``leave_out`` not signed,
    then added as it arrives (an attacker on the path adding or swapping it)."""
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
    value = headers.pop(leave_out)
    signed = sigv4.sign(
        "POST",
        api.url + "/",
        headers,
        body,
        access_key=api.root.access_key_id,
        secret_key=api.root.secret,
        region=REGION,
    )
    return {**signed, leave_out: value}


def test_an_unsigned_target_cannot_be_swapped(api):
    key = api.client().create_key()["KeyMetadata"]["KeyId"]
    body = json.dumps({"KeyId": key}).encode()
    headers = signed_without(api, body, "TrentService.DisableKey", leave_out="X-Amz-Target")
    status, _, answer = raw_post(api.url, body, target=None, headers=headers)
    assert (status, answer["__type"]) == (400, "InvalidSignatureException")
    assert answer["message"] == SIGNED_HEADER.format("X-Amz-Target")
    state = api.engine.call("DescribeKey", {"KeyId": key})["KeyMetadata"]["KeyState"]
    assert state == "Enabled"


def test_content_type_must_be_signed(api):
    headers = signed_without(api, b"{}", "TrentService.ListKeys", leave_out="Content-Type")
    status, _, answer = raw_post(api.url, b"{}", target=None, headers=headers)
    assert (status, answer["__type"]) == (400, "InvalidSignatureException")
    assert answer["message"] == SIGNED_HEADER.format("Content-Type")


def test_the_date_must_be_signed():
    auth = sigv4.parse_authorization(
        "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/kms/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-target, Signature=" + "a" * 64
    )
    with pytest.raises(InvalidSignatureException) as excinfo:
        sigv4.request_time({"x-amz-date": "20240101T000000Z"}, auth)
    assert excinfo.value.message == SIGNED_HEADER.format("X-Amz-Date")


@pytest.mark.parametrize("claimed", ["UNSIGNED-PAYLOAD", sigv4.EMPTY_SHA256])
def test_the_payload_is_always_signed(api, claimed):
    """Only S3 honours X-Amz-Content-SHA256: a body swapped under an unsigned or
    chosen payload hash fails the signature check."""
    key = api.client().create_key()["KeyMetadata"]["KeyId"]
    signed_body = json.dumps({"KeyId": key, "Plaintext": "b2s="}).encode()
    swapped = json.dumps({"KeyId": key, "Plaintext": "ZXZpbA=="}).encode()
    headers = sigv4.sign(
        "POST",
        api.url + "/",
        {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "TrentService.Encrypt",
            "X-Amz-Content-SHA256": claimed,
        },
        signed_body if claimed == "UNSIGNED-PAYLOAD" else b"",
        access_key=api.root.access_key_id,
        secret_key=api.root.secret,
        region=REGION,
    )
    for body in (signed_body, swapped):
        status, _, answer = raw_post(api.url, body, target=None, headers=headers)
        assert (status, answer["__type"]) == (400, "InvalidSignatureException")
        assert answer["message"] == sigv4.SIGNATURE_MISMATCH


def test_a_session_token_the_engine_did_not_issue_is_refused(api):
    headers = sigv4.sign(
        "POST",
        api.url + "/",
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"},
        b"{}",
        access_key=api.root.access_key_id,
        secret_key=api.root.secret,
        region=REGION,
        session_token="FwoGZXIvYXdzEJr//////////wEaDFakeSessionToken",
    )
    status, _, answer = raw_post(api.url, b"{}", target=None, headers=headers)
    assert (status, answer["__type"]) == (400, "UnrecognizedClientException")
    assert answer["message"] == "The security token included in the request is invalid."


def test_a_session_token_through_botocore(api):
    import boto3
    from botocore.exceptions import ClientError

    kms = boto3.client(
        "kms",
        endpoint_url=api.url,
        region_name=REGION,
        aws_access_key_id=api.root.access_key_id,
        aws_secret_access_key=api.root.secret,
        aws_session_token="not-issued-here",
    )
    with pytest.raises(ClientError) as excinfo:
        kms.list_keys()
    assert excinfo.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_session_tokens_are_ignored_when_any_credentials_are_allowed(any_api):
    import boto3

    kms = boto3.client(
        "kms",
        endpoint_url=any_api.url,
        region_name=REGION,
        aws_access_key_id="AKIAFAKEFAKEFAKEFAKE",
        aws_secret_access_key="fake",
        aws_session_token="fake-token",
    )
    assert "Keys" in kms.list_keys()
