"""The wire: AWS JSON 1.1 framing, bad input, and connections that misbehave. Bad
input gets an AWS-shaped error; nothing crashes or hangs the server."""

from __future__ import annotations

import base64
import json
import logging
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from kmstui.api.server import MAX_BODY_BYTES

from .conftest import client_error, raw_post


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def test_success_headers(api):
    status, headers, body = raw_post(api.url, b"{}", keys=api.root)
    assert status == 200
    assert headers["content-type"].startswith("application/x-amz-json-1.1")
    assert headers["x-amzn-requestid"]
    assert "x-amzn-errortype" not in headers
    assert set(body) >= {"Keys", "Truncated"}


def test_empty_body_is_an_empty_request(api):
    status, _, body = raw_post(api.url, b"", keys=api.root)
    assert status == 200, body


@pytest.mark.parametrize(
    "payload", [b"{", b'{"Limit": }', b"\xff\xfe", b"[1, 2]", b"42", b'"text"', b"[" * 100_000]
)
def test_malformed_json(api, payload):
    status, headers, body = raw_post(api.url, payload, keys=api.root)
    assert status == 400
    assert body["__type"] == "SerializationException"
    assert body["message"]
    assert headers["x-amzn-errortype"] == "SerializationException"


@pytest.mark.parametrize(
    "target",
    [
        "TrentService.NoSuchOperation",
        "TrentService.",
        "TrentService",
        "KmsService.ListKeys",
        "TrentService.CreateVolume",
        "TrentService.CreateUser",
        "TrentService.listkeys",
        "AmazonEC2.DescribeVolumes",
    ],
)
def test_unknown_operation(api, target):
    status, _, body = raw_post(api.url, b"{}", target=target, keys=api.root)
    assert status == 400
    assert body["__type"] == "UnknownOperationException"


def test_missing_target(api):
    status, _, body = raw_post(api.url, b"{}", target=None, keys=api.root)
    assert body["__type"] == "UnknownOperationException"


def test_unknown_operation_through_botocore(api):
    kms = api.client()
    kms.meta.events.register(
        "before-sign.kms.ListKeys",
        lambda request, **_: request.headers.replace_header(
            "X-Amz-Target", "TrentService.Nonexistent"
        ),
    )
    with pytest.raises(ClientError) as excinfo:
        kms.list_keys()
    assert client_error(excinfo)[0] == "UnknownOperationException"


def test_serialization_error_through_botocore(api):
    kms = api.client()
    kms.meta.events.register(
        "before-sign.kms.ListKeys", lambda request, **_: setattr(request, "data", b"{not json")
    )
    with pytest.raises(ClientError) as excinfo:
        kms.list_keys()
    assert client_error(excinfo)[0] == "SerializationException"


@pytest.mark.parametrize(
    "params",
    [
        {"Plaintext": 5},
        {"Plaintext": "not base64!"},
        {"Plaintext": ["aGk="]},
    ],
)
def test_bad_blob_members(api, params):
    payload = json.dumps({"KeyId": "alias/none", **params}).encode()
    status, _, body = raw_post(api.url, payload, target="TrentService.Encrypt", keys=api.root)
    assert status == 400
    assert body["__type"] == "SerializationException"


@pytest.mark.parametrize(
    "params",
    [
        {"KeyId": 5},
        {"KeyId": ["a"]},
        {"KeyId": None},
        {"Limit": "ten"},
        {"Limit": -1},
        {"EncryptionContext": "x"},
        {"GrantTokens": "token"},
        {"KeyId": "x" * 100_000},
    ],
)
def test_wrong_member_types_are_client_errors(api, params):
    for operation in ("Encrypt", "ListKeys", "DescribeKey", "GenerateDataKey"):
        status, _, body = raw_post(
            api.url, json.dumps(params).encode(), target=f"TrentService.{operation}", keys=api.root
        )
        assert status in (200, 400), body
        if status == 400:
            assert body["__type"] in (
                "SerializationException",
                "ValidationException",
                "NotFoundException",
            ), body


def test_oversized_body_is_refused(api):
    payload = json.dumps({"Plaintext": "A" * (MAX_BODY_BYTES + 10)}).encode()
    status, _, body = raw_post(api.url, payload, target="TrentService.Encrypt", keys=api.root)
    assert status == 413
    assert body["__type"] == "SerializationException"


def test_oversized_body_through_botocore(api):
    with pytest.raises(ClientError) as excinfo:
        api.client().encrypt(KeyId="alias/none", Plaintext=b"x" * (2 * MAX_BODY_BYTES))
    assert client_error(excinfo)[0] == "SerializationException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    # and the server goes on serving
    assert "Keys" in api.client().list_keys()


def test_other_methods(api):
    request = urllib.request.Request(api.url + "/", method="GET")
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as exc:
        with exc:
            assert exc.code == 400
            assert json.loads(exc.read())["__type"] == "UnknownOperationException"


def test_half_open_connection_is_closed(api):
    """A client that connects and sends nothing (or half a request line) is cut off
    after the keep-alive timeout (2 s in these tests)."""
    for opening in (b"", b"POST / HTTP/1.1\r\nHost: x\r\n"):
        started = time.monotonic()
        with socket.create_connection(_address(api.url), timeout=10) as sock:
            sock.sendall(opening)
            assert sock.recv(1024) == b""  # closed by the server, not by our timeout
        assert time.monotonic() - started < 8


def test_slow_body_times_out(api):
    """Headers that promise a body which never comes: answered (408) and closed after
    the body timeout (2 s in these tests)."""
    started = time.monotonic()
    with socket.create_connection(_address(api.url), timeout=10) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.ListKeys\r\n"
            b"Content-Type: application/x-amz-json-1.1\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
    assert received.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 8


def test_garbage_request_line(api):
    with socket.create_connection(_address(api.url), timeout=10) as sock:
        sock.sendall(b"\x00\x01\x02 nonsense\r\n\r\n")
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
    assert received.split(b" ", 2)[1:2] == [b"400"] or received == b""
    assert "Keys" in api.client().list_keys()


def test_event_loop_is_free_while_the_engine_is_busy(api):
    """Engine calls run in a thread pool: with the engine lock held elsewhere, a call
    waits, but the server still answers what needs no engine."""
    done = threading.Event()
    outcome = {}

    def slow_call():
        outcome["status"] = raw_post(api.url, b"{}", keys=api.root)[0]
        done.set()

    with api.engine.lock:
        thread = threading.Thread(target=slow_call)
        thread.start()
        time.sleep(0.2)
        assert not done.is_set()
        started = time.monotonic()
        request = urllib.request.Request(api.url + "/", method="GET")
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(request, timeout=5)
        excinfo.value.close()
        assert time.monotonic() - started < 2
    thread.join(10)
    assert outcome["status"] == 200


def test_concurrent_clients(api):
    errors = []

    def worker():
        try:
            kms = api.client()
            key = kms.create_key()["KeyMetadata"]["KeyId"]
            for _ in range(10):
                blob = kms.encrypt(KeyId=key, Plaintext=b"c")["CiphertextBlob"]
                assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"c"
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


def test_internal_failure_is_a_500_without_details(api, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire: sensitive detail")

    monkeypatch.setattr(api.engine, "call", broken)
    with caplog.at_level(logging.ERROR, logger="kmstui.api"):
        status, headers, body = raw_post(api.url, b"{}", keys=api.root)
    assert status == 500
    assert body["__type"] == "KMSInternalException"
    assert "sensitive" not in body["message"]
    assert headers["x-amzn-errortype"] == "KMSInternalException"
    assert "ListKeys" in caplog.text  # the operation is logged, for the operator


def test_logs_hold_no_bodies_or_signatures(api, caplog):
    key = api.client().create_key()["KeyMetadata"]["KeyId"]
    secret_text = b"plaintext that must not be logged"
    with caplog.at_level(logging.DEBUG, logger="kmstui.api"):
        blob = api.client().encrypt(KeyId=key, Plaintext=secret_text)["CiphertextBlob"]
        api.client().decrypt(CiphertextBlob=blob)
        raw_post(api.url, b"{}", keys=type(api.root)(api.root.access_key_id, "wrong"))
    assert "Encrypt" in caplog.text and "Decrypt" in caplog.text
    logged = caplog.text
    for forbidden in (
        secret_text.decode(),
        base64.b64encode(secret_text).decode(),
        base64.b64encode(blob).decode()[:40],
        api.root.secret,
        "Signature=",
    ):
        assert forbidden not in logged


def test_the_api_package_does_not_import_textual():
    code = (
        "import sys, kmstui.api.server, kmstui.commands.remote, kmstui.commands.serve; "
        "sys.exit(1 if any(m == 'textual' or m.startswith('textual.') "
        "for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
