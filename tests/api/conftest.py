"""The endpoint under test: one engine per module on temporary directories, served on a
free loopback port from a background thread, with IAM users and access keys to sign
as. A second server accepts any credentials (as the account's root user)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest

from kmstui.api import sigv4
from kmstui.api.server import ServerThread
from kmstui.engine import Engine

ACCOUNT = "111122223333"
REGION = "us-east-1"


@dataclass
class Keys:
    access_key_id: str
    secret: str


@dataclass
class Api:
    """A running endpoint and who may call it."""

    engine: Engine
    url: str
    root: Keys | None = None
    users: dict[str, tuple[str, Keys]] | None = None  # name -> (arn, keys)

    def client(self, keys: Keys | None = None, region: str = REGION, **config):
        import boto3
        from botocore.config import Config

        keys = keys or self.root
        assert keys is not None
        return boto3.client(
            "kms",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config),
        )

    def user(self, name: str) -> tuple[str, Keys]:
        assert self.users is not None
        return self.users[name]


def _new_keys(engine: Engine, user: str | None) -> Keys:
    params = {"UserName": user} if user else {}
    key = engine.call("CreateAccessKey", params)["AccessKey"]
    return Keys(key["AccessKeyId"], key["SecretAccessKey"])


def start_server(engine: Engine, **options) -> ServerThread:
    options.setdefault("keepalive_timeout", 2.0)
    options.setdefault("body_timeout", 2.0)
    server = ServerThread(engine, "127.0.0.1", 0, **options)
    server.start()
    return server


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    base = tmp_path_factory.mktemp("api")
    engine = Engine(base / "data", base / "config", command="kmstui serve (tests)")
    root = _new_keys(engine, None)
    users = {}
    for name in ("alice", "bob", "carol"):
        arn = engine.call("CreateUser", {"UserName": name})["User"]["Arn"]
        users[name] = (arn, _new_keys(engine, name))
    server = start_server(engine)
    try:
        yield Api(engine, server.url, root, users)
    finally:
        server.stop()
        engine.close()


@pytest.fixture(scope="module")
def any_api(tmp_path_factory):
    base = tmp_path_factory.mktemp("api-any")
    engine = Engine(base / "data", base / "config", command="kmstui serve (tests)")
    server = start_server(engine, allow_any_credentials=True, account_id="444455556666")
    try:
        yield Api(engine, server.url, Keys("AKIAFAKEFAKEFAKEFAKE", "fake-secret"))
    finally:
        server.stop()
        engine.close()


def raw_post(
    url: str,
    body: bytes,
    *,
    target: str | None = "TrentService.ListKeys",
    keys: Keys | None = None,
    region: str = REGION,
    headers: dict | None = None,
    when=None,
    timeout: float = 10.0,
) -> tuple[int, dict, dict]:
    """POST ``body`` (signed with ``keys`` if given); (status, headers, JSON body)."""
    sent = {"Content-Type": "application/x-amz-json-1.1"}
    if target is not None:
        sent["X-Amz-Target"] = target
    sent.update(headers or {})
    if keys is not None:
        sent = sigv4.sign(
            "POST",
            url + "/",
            sent,
            body,
            access_key=keys.access_key_id,
            secret_key=keys.secret,
            region=region,
            when=when,
        )
    request = urllib.request.Request(url + "/", data=body, headers=sent, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, answer, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            status, answer, raw = exc.code, dict(exc.headers), exc.read()
    return status, {k.lower(): v for k, v in answer.items()}, json.loads(raw) if raw else {}


def client_error(excinfo) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]
