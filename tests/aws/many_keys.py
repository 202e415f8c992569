"""An account of thousands of keys, each with an alias, served by a real `kmstui serve`.

The keys are made in-process on the data directory before the server opens it, in one
transaction and without event records: over the endpoint each CreateKey and CreateAlias
writes the whole database and its event durably, which for 2,500 keys takes minutes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from kmstui.engine import Engine
from tests import served

ACCOUNT = "111122223333"
CREDENTIALS = ("AKIDEXAMPLE", "example-secret")  # any: the server accepts them


def make_keys(base: Path, count: int, account: str = ACCOUNT) -> dict[str, str]:
    """``count`` keys with one alias each on ``base``/data: key id -> alias name."""
    engine = Engine(base / "data", base / "config", account=account, record_events=False)
    made: dict[str, str] = {}
    try:
        with engine.store.transaction():
            for n in range(count):
                meta = engine.call("CreateKey", {"Description": f"key {n} of {count}"})
                alias = f"alias/many-{n:05d}"
                engine.call(
                    "CreateAlias", {"AliasName": alias, "TargetKeyId": meta["KeyMetadata"]["KeyId"]}
                )
                made[meta["KeyMetadata"]["KeyId"]] = alias
    finally:
        engine.close()
    return made


def serve_keys(base: Path, count: int) -> tuple[subprocess.Popen, str, dict[str, str]]:
    """`kmstui serve` on an account of ``count`` keys: the process, its URL, and the
    keys (key id -> alias name)."""
    made = make_keys(base, count)
    process, url = served.serve(base, ACCOUNT)
    return process, url, made
