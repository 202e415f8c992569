"""Requests the HTTP layer refuses before the endpoint's handler sees them: each gets
an AWS-shaped answer (the JSON error body, x-amzn-RequestId, x-amzn-ErrorType), and
neither the answer nor the server's log quotes the request."""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

from .conftest import raw_post

SIGNATURE = "5f1e" * 16
HEAD = b"Host: kms\r\nContent-Type: application/x-amz-json-1.1\r\n"
SIGNED = (
    b"Authorization: AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20240101/us-east-1/kms/"
    b"aws4_request, SignedHeaders=host;x-amz-date, Signature=" + SIGNATURE.encode()
)

UNREADABLE = {
    "NUL in X-Amz-Target": (
        b"POST / HTTP/1.1\r\n" + HEAD + b"X-Amz-Target: TrentService.List\x00Keys\r\n"
        b"Content-Length: 2\r\n\r\n{}",
        "SerializationException",
    ),
    "control byte in Authorization": (
        b"POST / HTTP/1.1\r\n" + HEAD + SIGNED + b"\x01\r\nContent-Length: 2\r\n\r\n{}",
        "SerializationException",
    ),
    "not a request line": (b"\x00\x01\x02 nonsense\r\n\r\n", "UnknownOperationException"),
    "bad method": (b"P(ST / HTTP/1.1\r\n" + HEAD + b"\r\n", "UnknownOperationException"),
    "bad version": (b"POST / HTTP/9.9\r\n" + HEAD + b"\r\n", "UnknownOperationException"),
    "bad request target": (
        b"POST \x7f/ HTTP/1.1\r\n" + HEAD + b"\r\n",
        "UnknownOperationException",
    ),
    "TLS on the plain port": (b"\x16\x03\x01\x02\x00" + b"\x01" * 64, "UnknownOperationException"),
    "request line too long": (
        b"POST /" + b"a" * 9000 + b" HTTP/1.1\r\n" + HEAD + b"\r\n",
        "SerializationException",
    ),
    "header too long": (
        b"POST / HTTP/1.1\r\n" + HEAD + b"X-Long: " + b"a" * 9000 + b"\r\n\r\n",
        "SerializationException",
    ),
    "too many headers": (
        b"POST / HTTP/1.1\r\n" + HEAD + b"".join(b"X-H%d: 1\r\n" % i for i in range(200)) + b"\r\n",
        "SerializationException",
    ),
    "header without a colon": (
        b"POST / HTTP/1.1\r\n" + HEAD + b"NoColon\r\n\r\n",
        "SerializationException",
    ),
    "folded header": (
        b"POST / HTTP/1.1\r\n" + HEAD + b"X-A: 1\r\n  folded\r\n\r\n",
        "SerializationException",
    ),
    "bad Content-Length": (
        b"POST / HTTP/1.1\r\n" + HEAD + b"Content-Length: 2x\r\n\r\n{}",
        "SerializationException",
    ),
    "two Content-Lengths": (
        b"POST / HTTP/1.1\r\n" + HEAD + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "SerializationException",
    ),
    "chunked and Content-Length": (
        b"POST / HTTP/1.1\r\n" + HEAD + b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n"
        b"2\r\n{}\r\n0\r\n\r\n",
        "SerializationException",
    ),
    "bad chunk size": (
        b"POST / HTTP/1.1\r\n" + HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        "SerializationException",
    ),
    "unknown Transfer-Encoding": (
        b"POST / HTTP/1.1\r\n" + HEAD + b"Transfer-Encoding: gzip\r\n\r\n{}",
        "SerializationException",
    ),
}


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def exchange(url: str, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` on a new connection; (status, headers, body) of the answer, which
    must close the connection."""
    with socket.create_connection(_address(url), timeout=10) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def assert_aws_shaped(status, headers, body, code) -> dict:
    assert status == 400
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert headers["x-amzn-errortype"] == code
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["x-amzn-requestid"])
    error = json.loads(body)
    assert error["__type"] == code and error["message"]
    return error


@pytest.mark.parametrize("raw, code", UNREADABLE.values(), ids=list(UNREADABLE))
def test_unreadable_requests_get_aws_errors(api, raw, code):
    status, headers, body = exchange(api.url, raw)
    error = assert_aws_shaped(status, headers, body, code)
    for quoted in ("\\x", "TrentService", SIGNATURE, "aaaa", "nonsense"):
        assert quoted not in error["message"]


def test_a_good_chunked_request_is_read(api):
    from kmstui.api import sigv4

    signed = sigv4.sign(
        "POST",
        api.url + "/",
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"},
        b"{}",
        access_key=api.root.access_key_id,
        secret_key=api.root.secret,
        region="us-east-1",
    )
    head = "".join(f"{name}: {value}\r\n" for name, value in signed.items()).encode()
    raw = (
        b"POST / HTTP/1.1\r\n" + head + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"1\r\n{\r\n1\r\n}\r\n0\r\n\r\n"
    )
    status, _, body = exchange(api.url, raw)
    assert status == 200, body
    assert "Keys" in json.loads(body)


def test_a_body_is_read_as_sent_whatever_its_content_encoding(api):
    """KMS takes no compressed requests: the body is the JSON document itself, and the
    signature covers the bytes sent (nothing is inflated, so no deflate bomb)."""
    for body in (gzip.compress(b"{}"), b"{}"):
        status, _, answer = raw_post(
            api.url, body, keys=api.root, headers={"Content-Encoding": "gzip"}
        )
        if body == b"{}":
            assert status == 200, answer
        else:
            assert (status, answer["__type"]) == (400, "SerializationException")


def test_every_method_and_path_is_answered_by_the_endpoint(api):
    for request_line in (b"OPTIONS * HTTP/1.1", b"DELETE /x/y HTTP/1.1", b"GET / HTTP/1.0"):
        raw = request_line + b"\r\nHost: kms\r\nConnection: close\r\n\r\n"
        status, headers, body = exchange(api.url, raw)
        assert_aws_shaped(status, headers, body, "UnknownOperationException")


def test_the_log_quotes_no_refused_request(api, caplog):
    with caplog.at_level(logging.DEBUG):
        for raw, _code in UNREADABLE.values():
            exchange(api.url, raw)
    assert "refused an unreadable request" in caplog.text
    for quoted in (SIGNATURE, "Authorization", "TrentService", "\\x00", "Traceback"):
        assert quoted not in caplog.text


def test_a_bad_authorization_header_never_reaches_the_servers_stderr(tmp_path):
    """`kmstui serve` as an operator runs it, its stderr captured whole."""
    env = {
        **os.environ,
        "KMSTUI_CONFIG": str(tmp_path / "config"),
        "KMSTUI_HOME": str(tmp_path / "data"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kmstui", "serve", "--port", "0", "--verbose"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    try:
        line = b""
        deadline = time.monotonic() + 60
        while b"serving KMS at" not in line and time.monotonic() < deadline:
            line = process.stderr.readline()
            assert line, "the server stopped before it listened"
        url = re.search(rb"http://[0-9.]+:\d+", line).group().decode()
        for name in ("control byte in Authorization", "NUL in X-Amz-Target"):
            raw, code = UNREADABLE[name]
            assert_aws_shaped(*exchange(url, raw), code)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    text = stderr.decode("utf-8", "replace")
    assert "refused an unreadable request" in text
    for quoted in (SIGNATURE, "Signature=", "Authorization", "TrentService", "Traceback"):
        assert quoted not in text


def test_a_failure_in_the_handler_itself_is_an_aws_500(api, monkeypatch, caplog):
    import kmstui.api.server as server

    def broken(**_parts):
        raise RuntimeError("detail that must stay inside: " + SIGNATURE)

    monkeypatch.setattr(server, "RequestParts", broken)
    with caplog.at_level(logging.DEBUG):
        status, headers, body = raw_post(api.url, b"{}", keys=api.root)
    assert status == 500
    assert headers["x-amzn-errortype"] == body["__type"] == "KMSInternalException"
    assert SIGNATURE not in json.dumps(body) and SIGNATURE not in caplog.text
    assert "RuntimeError" in caplog.text  # the operator learns what kind of failure


def test_expect_100_continue(api):
    """A client that waits for 100 Continue gets it when the body will fit, and the
    413 straight away when the announced length will not."""
    head = b"POST / HTTP/1.1\r\n" + HEAD + b"Expect: 100-continue\r\nConnection: close\r\n"
    with socket.create_connection(_address(api.url), timeout=10) as sock:
        sock.sendall(head + b"Content-Length: 2\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(b"{}")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 403")  # read, and refused as unsigned
    with socket.create_connection(_address(api.url), timeout=10) as sock:
        sock.sendall(head + b"Content-Length: %d\r\n\r\n" % (2 * 1024 * 1024))
        answer = b""
        while not answer.endswith(b"}") and (chunk := sock.recv(65536)):
            answer += chunk  # the whole answer, before a byte of the body is sent
    assert answer.startswith(b"HTTP/1.1 413")
    assert b'"__type": "SerializationException"' in answer


@pytest.mark.parametrize(
    "content_type, expected",
    [
        ("application/x-amz-json-1.1", 200),
        ("application/x-amz-json-1.1; charset=utf-8", 200),
        ("application/json", 200),
        ("text/plain", 400),
        ("application/x-www-form-urlencoded", 400),
        ("application/octet-stream", 400),
    ],
)
def test_only_json_content_types_name_an_operation(api, content_type, expected):
    status, _, body = raw_post(
        api.url, b"{}", keys=api.root, headers={"Content-Type": content_type}
    )
    assert status == expected, body
    if expected == 400:
        assert body["__type"] == "UnknownOperationException"
        assert "Content-Type" in body["message"]
