"""Authentication: SigV4 checked against the engine's IAM access keys, each failure
as botocore raises it."""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import botocore.auth
import pytest
from botocore.exceptions import ClientError

from kmstui.api import sigv4

from .conftest import Keys, client_error, raw_post

EXPIRED = re.compile(
    r"^Signature expired: (\d{8}T\d{6}Z) is now earlier than "
    r"(\d{8}T\d{6}Z) \((\d{8}T\d{6}Z) - 15 min\.\)$"
)


def test_unknown_access_key(api):
    kms = api.client(Keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
    with pytest.raises(ClientError) as excinfo:
        kms.list_keys()
    assert client_error(excinfo) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_wrong_secret(api):
    secret = api.root.secret
    wrong = secret[:-1] + ("y" if secret.endswith("x") else "x")  # always another secret
    assert wrong != secret
    kms = api.client(Keys(api.root.access_key_id, wrong))
    with pytest.raises(ClientError) as excinfo:
        kms.list_keys()
    assert client_error(excinfo) == (
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service "
        "documentation for details.",
    )


def test_inactive_key_is_refused(api):
    _, carol = api.user("carol")
    kms = api.client(carol)
    with pytest.raises(ClientError) as excinfo:
        kms.list_keys()  # allowed to sign, not allowed to list: the key works
    assert client_error(excinfo)[0] == "AccessDeniedException"
    api.engine.call(
        "UpdateAccessKey",
        {"UserName": "carol", "AccessKeyId": carol.access_key_id, "Status": "Inactive"},
    )
    try:
        with pytest.raises(ClientError) as excinfo:
            kms.list_keys()
        assert client_error(excinfo) == (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    finally:
        api.engine.call(
            "UpdateAccessKey",
            {"UserName": "carol", "AccessKeyId": carol.access_key_id, "Status": "Active"},
        )


def test_expired_signature_through_botocore(api, monkeypatch):
    if not hasattr(botocore.auth, "get_current_datetime"):
        pytest.skip("this botocore reads the time another way")
    past = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: past)
    with pytest.raises(ClientError) as excinfo:
        api.client().list_keys()
    code, message = client_error(excinfo)
    assert code == "InvalidSignatureException"
    match = EXPIRED.match(message)
    assert match, message
    assert match.group(1) == past.strftime("%Y%m%dT%H%M%SZ")
    signed, limit, now = (dt.datetime.strptime(g, "%Y%m%dT%H%M%SZ") for g in match.groups())
    assert now - limit == dt.timedelta(minutes=15)
    assert abs((now - dt.datetime.now(dt.UTC).replace(tzinfo=None)).total_seconds()) < 60


def test_expired_signature_signed_by_hand(api):
    when = time.time() - 20 * 60
    status, headers, body = raw_post(api.url, b"{}", keys=api.root, when=when)
    assert status == 400
    assert body["__type"] == "InvalidSignatureException"
    assert EXPIRED.match(body["message"])
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"


def test_signature_from_the_future(api):
    status, _, body = raw_post(api.url, b"{}", keys=api.root, when=time.time() + 20 * 60)
    assert body["__type"] == "InvalidSignatureException"
    assert body["message"].startswith("Signature not yet current: ")
    assert body["message"].endswith(" + 15 min.)")


def test_fourteen_minutes_of_skew_is_accepted(api):
    status, _, body = raw_post(api.url, b"{}", keys=api.root, when=time.time() - 14 * 60)
    assert status == 200, body


def test_the_engine_clock_does_not_decide_expiry(api):
    # the engine clock may be far in the future (clock advance); signatures use wall time
    api.engine.clock.advance(40 * 86400)
    status, _, body = raw_post(api.url, b"{}", keys=api.root)
    assert status == 200, body


def test_missing_authorization(api):
    status, headers, body = raw_post(api.url, b"{}")
    assert body == {
        "__type": "MissingAuthenticationTokenException",
        "message": "Missing Authentication Token",
    }
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert headers["x-amzn-requestid"]


@pytest.mark.parametrize(
    "header, code",
    [
        (
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms/aws4_request",
            "IncompleteSignatureException",
        ),
        ("AWS3 whatever", "IncompleteSignatureException"),
        (
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
            "InvalidSignatureException",
        ),
    ],
)
def test_malformed_authorization(api, header, code):
    stamp = sigv4.amz_date(time.time())
    status, _, body = raw_post(
        api.url, b"{}", headers={"Authorization": header, "X-Amz-Date": stamp}
    )
    assert status == 400
    assert body["__type"] == code
    assert "0" * 64 not in body["message"]


def test_tampered_body_fails_the_signature(api):
    signed = sigv4.sign(
        "POST",
        api.url + "/",
        {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "TrentService.ListKeys",
        },
        b"{}",
        access_key=api.root.access_key_id,
        secret_key=api.root.secret,
        region="us-east-1",
    )
    status, _, body = raw_post(api.url, b'{"Limit": 1}', headers=signed)
    assert body["__type"] == "InvalidSignatureException"


def test_signed_payload_header_must_match(api):
    status, _, body = raw_post(
        api.url, b"{}", keys=api.root, headers={"X-Amz-Content-SHA256": "0" * 64}
    )
    assert body["__type"] == "InvalidSignatureException"
    status, _, body = raw_post(
        api.url, b"{}", keys=api.root, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    )
    assert (status, body["__type"]) == (400, "InvalidSignatureException")


def test_caller_is_the_key_owner(api):
    alice_arn, alice = api.user("alice")
    key = api.client().create_key()["KeyMetadata"]["KeyId"]
    status, _, body = raw_post(
        api.url, json.dumps({"KeyId": key}).encode(), target="TrentService.DescribeKey", keys=alice
    )
    assert body["__type"] == "AccessDeniedException"
    assert alice_arn in body["message"]


class TestAllowAnyCredentials:
    def test_any_keys_act_as_the_account_root(self, any_api):
        kms = any_api.client(region="eu-central-1")
        key = kms.create_key()["KeyMetadata"]
        assert key["Arn"].startswith("arn:aws:kms:eu-central-1:444455556666:key/")
        assert (
            kms.decrypt(
                CiphertextBlob=kms.encrypt(KeyId=key["KeyId"], Plaintext=b"ok")["CiphertextBlob"]
            )["Plaintext"]
            == b"ok"
        )

    def test_signatures_are_not_checked(self, any_api):
        status, _, body = raw_post(
            any_api.url, b"{}", keys=Keys("AKIDANY", "nope"), when=time.time() - 3600
        )
        assert status == 200, body

    def test_unsigned_requests_are_accepted(self, any_api):
        status, _, body = raw_post(any_api.url, b"{}")
        assert status == 200, body
        assert "Keys" in body
