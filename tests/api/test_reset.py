"""Reset for test suites: the engine empties every account in one go (keys, aliases,
grants, IAM, EC2, volumes and their files, events) and keeps the root key; the
endpoint routes `POST /_kmstui/reset` and `POST /moto-api/reset` to it, only when it
accepts any credentials."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from kmstui.caller import Caller
from kmstui.engine import Engine
from kmstui.opening import open_engine

from .conftest import Keys, start_server

SECOND = "000000000002"


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("KMSTUI_CONFIG", str(tmp_path / "config"))
    return tmp_path / "data", tmp_path / "config"


def everything(engine, caller=None) -> dict:
    call = lambda op, params=None: engine.call(op, params or {}, caller=caller)  # noqa: E731
    return {
        "keys": call("ListKeys")["Keys"],
        "aliases": [
            a for a in call("ListAliases")["Aliases"] if not a["AliasName"].startswith("alias/aws/")
        ],
        "users": call("ListUsers")["Users"],
        "roles": call("ListRoles")["Roles"],
        "access keys": call("ListAccessKeys")["AccessKeyMetadata"],
        "volumes": call("DescribeVolumes")["Volumes"],
        "snapshots": call("DescribeSnapshots", {"OwnerIds": ["self"]})["Snapshots"],
        "instances": call("DescribeInstances")["Reservations"],
        "encryption by default": call("GetEbsEncryptionByDefault")["EbsEncryptionByDefault"],
    }


EMPTY = {
    "keys": [],
    "aliases": [],
    "users": [],
    "roles": [],
    "access keys": [],
    "volumes": [],
    "snapshots": [],
    "instances": [],
    "encryption by default": False,
}


def fill_second_account(engine) -> None:
    second = Caller.root(SECOND, engine.region)
    key = engine.call("CreateKey", {}, caller=second)["KeyMetadata"]
    engine.call(
        "CreateAlias", {"AliasName": "alias/second", "TargetKeyId": key["KeyId"]}, caller=second
    )
    engine.call(
        "CreateGrant",
        {
            "KeyId": key["KeyId"],
            "GranteePrincipal": f"arn:aws:iam::{SECOND}:root",
            "Operations": ["Decrypt"],
        },
        caller=second,
    )
    engine.call("CreateUser", {"UserName": "tester"}, caller=second)
    engine.call("EnableEbsEncryptionByDefault", {}, caller=second)


def test_reset_empties_every_account_and_keeps_the_root_key(dirs):
    data_dir, _ = dirs
    engine = open_engine(data_dir)  # seeded: users, keys, an instance, an attached volume
    try:
        engine.ec2.settings.caller_model = "seed"  # an engine-wide option
        fill_second_account(engine)
        volume_id = engine.call("DescribeVolumes")["Volumes"][0]["VolumeId"]
        engine.call("CreateSnapshot", {"VolumeId": volume_id})
        engine.call("EnableEbsEncryptionByDefault", {})
        second = Caller.root(SECOND, engine.region)
        assert everything(engine) != EMPTY and everything(engine, second) != EMPTY
        images = list((data_dir / "volumes").glob("*.img")) + list(
            (data_dir / "snapshots").glob("*.img")
        )
        assert len(images) == 2
        assert len(engine.event_log) > 0 and len(engine.events.recent) > 0
        check_value = engine.store.meta["root_key_check"]

        engine.reset()

        assert len(engine.event_log) == 0 and len(engine.events.recent) == 0
        assert everything(engine) == EMPTY
        assert everything(engine, second) == EMPTY
        assert [p for p in images if p.exists()] == []
        assert engine.ec2.live == {}
        assert engine.ec2.settings.caller_model == "seed"
        # The engine goes on: new calls work and are recorded.
        key_id = engine.call("CreateKey", {})["KeyMetadata"]["KeyId"]
        assert [e["eventName"] for e in engine.event_log.iter()][-1] == "CreateKey"
        events_after_reset = len(engine.event_log)
    finally:
        engine.close()
    # What was reset stays reset, under the same root key; the directory is not new,
    # so it is not seeded again.
    engine = open_engine(data_dir)
    try:
        assert engine.store.meta["root_key_check"] == check_value
        assert [k["KeyId"] for k in engine.call("ListKeys")["Keys"]] == [key_id]
        assert len(engine.event_log) == events_after_reset + 1  # and this ListKeys
        assert engine.call("ListUsers")["Users"] == []
    finally:
        engine.close()


def test_a_reset_that_fails_changes_no_record(dirs, monkeypatch):
    data_dir, _ = dirs
    engine = open_engine(data_dir)
    try:
        before = everything(engine)
        calls = []

        def failing_forget(self):
            calls.append(True)
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(type(engine.ec2.settings), "forget_accounts", failing_forget)
        with pytest.raises(OSError):
            engine.reset()
        assert calls
        assert everything(engine) == before
    finally:
        engine.close()
    engine = open_engine(data_dir)
    try:
        assert everything(engine) == before
    finally:
        engine.close()


def post(url: str, path: str) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url + path, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), json.loads(exc.read())


@pytest.fixture
def served(tmp_path):
    def serve(**options):
        engine = Engine(tmp_path / "data", tmp_path / "config")
        server = start_server(engine, **options)
        opened.append((server, engine))
        return engine, server.url

    opened: list = []
    yield serve
    for server, engine in opened:
        server.stop()
        engine.close()


def kms(url: str, access_key_id: str = "AKIAFAKEFAKEFAKEFAKE"):
    import boto3

    return boto3.client(
        "kms",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=access_key_id,
        aws_secret_access_key="fake",
    )


@pytest.mark.parametrize("path", ["/_kmstui/reset", "/moto-api/reset"])
def test_the_endpoint_resets_when_it_accepts_any_credentials(served, path):
    engine, url = served(allow_any_credentials=True)
    for client in (kms(url), kms(url, SECOND)):
        client.create_key(Description="made by a test")
    assert len(kms(url).list_keys()["Keys"]) == 1

    status, headers, body = post(url, path)

    assert (status, body) == (200, {"status": "ok"})
    assert len(engine.event_log) == 0
    assert kms(url).list_keys()["Keys"] == []
    assert kms(url, SECOND).list_keys()["Keys"] == []


def test_the_endpoint_refuses_to_reset_a_signed_endpoint(served):
    engine, url = served()
    engine.call("CreateKey", {})
    secret = engine.call("CreateAccessKey", {})["AccessKey"]
    keys = Keys(secret["AccessKeyId"], secret["SecretAccessKey"])
    for path in ("/_kmstui/reset", "/moto-api/reset"):
        status, headers, body = post(url, path)
        assert status == 403
        assert body["__type"] == "AccessDeniedException"
        assert "--allow-any-credentials" in body["message"]
        assert headers["x-amzn-ErrorType"] == "AccessDeniedException"
    import boto3

    signed = boto3.client(
        "kms",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret,
    )
    assert len(signed.list_keys()["Keys"]) == 1  # the key and the access key are still there
