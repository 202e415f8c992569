"""The SigV4 module against botocore's signer: what one signs the other verifies."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from kmstui.api import sigv4
from kmstui.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
)

ACCESS, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
WHEN = dt.datetime(2024, 1, 1, 12, 30, 0, tzinfo=dt.UTC)


def botocore_signed(
    url: str, body: bytes, headers: dict, region="us-east-1", service="kms"
) -> dict:
    if not hasattr(botocore.auth, "get_current_datetime"):
        pytest.skip("this botocore reads the time another way")
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN.replace(tzinfo=None)):
        SigV4Auth(Credentials(ACCESS, SECRET), service, region).add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:4599/",
        "http://localhost:4599/kms/./a/../",
        "http://127.0.0.1:4599/path%20with%20space/x",
        "http://127.0.0.1:4599/?b=2&a=1&a=0&c=%2F",
    ],
)
def test_same_signature_as_botocore(url):
    body = b'{"KeyId": "alias/x"}'
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "TrentService.DescribeKey",
    }
    theirs = botocore_signed(url, body, headers)
    ours = sigv4.sign(
        "POST",
        url,
        headers,
        body,
        access_key=ACCESS,
        secret_key=SECRET,
        region="us-east-1",
        when=WHEN,
    )
    assert ours["X-Amz-Date"] == theirs["X-Amz-Date"] == "20240101T123000Z"
    signature = re.compile(r"Signature=([0-9a-f]{64})")
    assert signature.search(ours["Authorization"]).group(1) == signature.search(
        theirs["Authorization"]
    ).group(1)


def _verify(url: str, headers: dict, body: bytes, secret: str = SECRET, now=None):
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    pairs = list(headers.items())
    if not any(k.lower() == "host" for k, _ in pairs):
        pairs.append(("Host", parts.netloc))
    lower = {k.lower(): v for k, v in pairs}
    auth = sigv4.parse_authorization(sigv4.require_authorization(lower.get("authorization")))
    timestamp, when = sigv4.request_time(lower, auth)
    sigv4.check_freshness(timestamp, when, WHEN.timestamp() if now is None else now)
    sigv4.verify(
        auth,
        secret,
        method="POST",
        raw_path=parts.path,
        raw_query=parts.query,
        headers=pairs,
        timestamp=timestamp,
        body_hash=sigv4.payload_hash(body),
    )
    return auth


def test_verifies_botocore_requests():
    url = "http://127.0.0.1:4599/"
    body = b"{}"
    headers = botocore_signed(
        url,
        body,
        {"X-Amz-Target": "TrentService.ListKeys", "Content-Type": "application/x-amz-json-1.1"},
        region="eu-west-3",
    )
    auth = _verify(url, headers, body)
    assert (auth.access_key_id, auth.region, auth.service) == (ACCESS, "eu-west-3", "kms")
    with pytest.raises(InvalidSignatureException):
        _verify(url, headers, body, secret=SECRET + "x")
    with pytest.raises(InvalidSignatureException):
        _verify(url, headers, b'{"Limit": 1}')
    with pytest.raises(InvalidSignatureException):
        _verify(url, {**headers, "X-Amz-Target": "TrentService.Decrypt"}, body)


def test_unsigned_headers_may_change():
    url = "http://127.0.0.1:4599/"
    headers = sigv4.sign(
        "POST",
        url,
        {"X-Amz-Target": "TrentService.ListKeys"},
        b"{}",
        access_key=ACCESS,
        secret_key=SECRET,
        region="us-east-1",
        when=WHEN,
    )
    _verify(url, {**headers, "User-Agent": "something else"}, b"{}")


def test_header_values_are_trimmed():
    url = "http://127.0.0.1:4599/"
    headers = sigv4.sign(
        "POST",
        url,
        {"X-Custom": "a   b"},
        b"",
        access_key=ACCESS,
        secret_key=SECRET,
        region="us-east-1",
        when=WHEN,
    )
    _verify(url, {**headers, "X-Custom": "  a b "}, b"")


def test_expiry_wording():
    with pytest.raises(InvalidSignatureException) as excinfo:
        sigv4.check_freshness("20240101T000000Z", WHEN.timestamp() - 3600, WHEN.timestamp())
    assert excinfo.value.message == (
        "Signature expired: 20240101T000000Z is now earlier "
        "than 20240101T121500Z (20240101T123000Z - 15 min.)"
    )
    with pytest.raises(InvalidSignatureException) as excinfo:
        sigv4.check_freshness("20240101T130000Z", WHEN.timestamp() + 1800, WHEN.timestamp())
    assert excinfo.value.message == (
        "Signature not yet current: 20240101T130000Z is still "
        "later than 20240101T124500Z (20240101T123000Z + 15 min.)"
    )
    sigv4.check_freshness("x", WHEN.timestamp() - 899, WHEN.timestamp())


def test_missing_and_incomplete_headers():
    with pytest.raises(MissingAuthenticationTokenException):
        sigv4.require_authorization(None)
    with pytest.raises(IncompleteSignatureException) as excinfo:
        sigv4.parse_authorization(
            "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/kms/aws4_request"
        )
    assert "'Signature'" in excinfo.value.message
    assert "'SignedHeaders'" in excinfo.value.message
    auth = sigv4.parse_authorization(
        "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/kms/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "a" * 64
    )
    with pytest.raises(IncompleteSignatureException):
        sigv4.request_time({}, auth)
    with pytest.raises(InvalidSignatureException) as excinfo:
        sigv4.request_time({"x-amz-date": "20240102T000000Z"}, auth)
    assert "Date in Credential scope does not match" in excinfo.value.message


@pytest.mark.parametrize(
    "header, wording",
    [
        (
            "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/sqs/aws4_request, "
            "SignedHeaders=host, Signature=" + "a" * 64,
            "correct service: 'kms'",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=A/20240101/US EAST/kms/aws4_request, "
            "SignedHeaders=host, Signature=" + "a" * 64,
            "valid region",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/kms/aws5_request, "
            "SignedHeaders=host, Signature=" + "a" * 64,
            "valid terminator",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/kms/aws4_request, "
            "SignedHeaders=x-amz-date, Signature=" + "a" * 64,
            "'Host'",
        ),
    ],
)
def test_bad_scopes(header, wording):
    with pytest.raises(InvalidSignatureException) as excinfo:
        sigv4.parse_authorization(header)
    assert wording in excinfo.value.message


def test_the_key_cache_derives_as_signing_does_and_stays_bounded():
    cache = sigv4.KeyCache(size=2)
    scopes = [("20240101", "us-east-1"), ("20240102", "us-east-1"), ("20240101", "eu-west-1")]
    for date, region in scopes:
        assert cache.get(SECRET, date, region, "kms") == sigv4.signing_key(
            SECRET, date, region, "kms"
        )
    assert len(cache._items) == 2
    assert (SECRET, "20240101", "us-east-1", "kms") not in cache._items  # least recent left
