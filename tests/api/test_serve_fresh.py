"""A new data directory (no database file): `kmstui serve` starts it empty unless
`--seed` is given, the console's and `kmstui call`'s opening still seed it; seeding
writes the sample into whatever account the engine serves, and never touches a
directory that has a database."""

from __future__ import annotations

import argparse
import json

import pytest

from kmstui.commands.serve import open_serving_engine
from kmstui.opening import open_engine

OTHER = "123456789012"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KMSTUI_CONFIG", str(tmp_path / "config"))
    return tmp_path / "data"


def serve_args(data_dir, *extra: str) -> argparse.Namespace:
    from kmstui.cli import build_parser

    return build_parser().parse_args(["serve", "--data-dir", str(data_dir), *extra])


def contents(engine) -> dict:
    return {
        "keys": engine.call("ListKeys")["Keys"],
        "aliases": [
            a["AliasName"]
            for a in engine.call("ListAliases")["Aliases"]
            if not a["AliasName"].startswith("alias/aws/")
        ],
        "users": [u["UserName"] for u in engine.call("ListUsers")["Users"]],
        "roles": [r["RoleName"] for r in engine.call("ListRoles")["Roles"]],
        "volumes": engine.call("DescribeVolumes")["Volumes"],
        "instances": engine.call("DescribeInstances")["Reservations"],
    }


def test_serve_starts_a_new_directory_empty_in_any_account(data_dir):
    engine = open_serving_engine(serve_args(data_dir, "--account-id", OTHER))
    try:
        assert engine.account == OTHER
        assert contents(engine) == {
            "keys": [],
            "aliases": [],
            "users": [],
            "roles": [],
            "volumes": [],
            "instances": [],
        }
    finally:
        engine.close()


def test_serve_with_seed_writes_the_sample_into_the_account_it_serves(data_dir):
    engine = open_serving_engine(serve_args(data_dir, "--account-id", OTHER, "--seed"))
    try:
        seen = contents(engine)
        assert len(seen["keys"]) == 2
        assert sorted(seen["aliases"]) == ["alias/app-data", "alias/ebs-volumes"]
        assert sorted(seen["users"]) == ["admin", "auditor"]
        assert seen["roles"] == ["app-role"]
        assert [v["Encrypted"] for v in seen["volumes"]] == [True]
        key = engine.call("DescribeKey", {"KeyId": "alias/ebs-volumes"})["KeyMetadata"]
        assert key["Arn"].startswith(f"arn:aws:kms:us-east-1:{OTHER}:key/")
        policy = json.loads(
            engine.call("GetKeyPolicy", {"KeyId": key["KeyId"], "PolicyName": "default"})["Policy"]
        )
        text = json.dumps(policy)
        assert "111122223333" not in text
        assert policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{OTHER}:root"}
        condition = policy["Statement"][1]["Condition"]["ArnLike"]
        assert condition == {
            "kms:EncryptionContext:aws:ec2:arn": f"arn:aws:ec2:us-east-1:{OTHER}:volume/*"
        }
        # The seeded volume was made through that policy (EC2 used the key).
        assert seen["volumes"][0]["KmsKeyId"] == key["Arn"]
        app = engine.call("GetRolePolicy", {"RoleName": "app-role", "PolicyName": "AppDataAccess"})[
            "PolicyDocument"
        ]
        assert f":{OTHER}:key/" in json.dumps(app) and "111122223333" not in json.dumps(app)
    finally:
        engine.close()


def test_the_sample_account_is_seeded_verbatim(data_dir):
    from kmstui.sample import sample_dir

    engine = open_engine(data_dir)  # as the console and `kmstui call` open it
    try:
        assert len(engine.call("ListKeys")["Keys"]) == 2
        shipped = (sample_dir() / "seed-key-policy.json").read_text(encoding="utf-8")
        key_id = engine.call("DescribeKey", {"KeyId": "alias/ebs-volumes"})["KeyMetadata"]["KeyId"]
        stored = engine.call("GetKeyPolicy", {"KeyId": key_id, "PolicyName": "default"})
        assert stored["Policy"] == shipped
    finally:
        engine.close()


def test_a_directory_with_a_database_is_never_seeded(data_dir):
    engine = open_serving_engine(serve_args(data_dir, "--account-id", OTHER))
    try:
        engine.call("CreateKey", {"Description": "the suite's own"})
    finally:
        engine.close()
    assert (data_dir / "kmstui.json").exists()
    for opened in (
        lambda: open_engine(data_dir),
        lambda: open_serving_engine(serve_args(data_dir, "--account-id", OTHER, "--seed")),
    ):
        engine = opened()
        try:
            keys = engine.call("ListKeys", caller=_root(OTHER))["Keys"]
            assert len(keys) == 1
            assert engine.call("ListUsers", caller=_root(OTHER))["Users"] == []
        finally:
            engine.close()


def test_an_empty_start_is_a_database_the_console_leaves_empty(data_dir):
    engine = open_serving_engine(serve_args(data_dir))
    engine.close()
    assert (data_dir / "kmstui.json").exists()
    engine = open_engine(data_dir)
    try:
        assert engine.call("ListKeys")["Keys"] == []
        assert engine.call("ListUsers")["Users"] == []
    finally:
        engine.close()


def _root(account: str):
    from kmstui.caller import Caller

    return Caller.root(account, "us-east-1")
