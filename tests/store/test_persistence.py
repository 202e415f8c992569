"""The data directory: persistence, atomic writes, one owner, corruption, secrets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from kmstui.engine import Engine
from kmstui.entropy import Entropy
from kmstui.errors import KMSInternalException
from kmstui.store import CorruptDatabaseError, DataDirectoryInUse, RootKeyError


def test_keys_and_ciphertexts_survive_a_restart(make_engine):
    first = make_engine()
    key_id = first.call("CreateKey", {"Description": "durable"})["KeyMetadata"]["KeyId"]
    first.call("CreateAlias", {"AliasName": "alias/durable", "TargetKeyId": key_id})
    first.call("RotateKeyOnDemand", {"KeyId": key_id})
    blob = first.call(
        "Encrypt", {"KeyId": key_id, "Plaintext": b"kept", "EncryptionContext": {"k": "v"}}
    )["CiphertextBlob"]
    first.close()
    second = make_engine(entropy=Entropy(99))
    meta = second.call("DescribeKey", {"KeyId": "alias/durable"})["KeyMetadata"]
    assert meta["Description"] == "durable"
    assert (
        second.call("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"k": "v"}})[
            "Plaintext"
        ]
        == b"kept"
    )
    assert len(second.call("ListKeyRotations", {"KeyId": key_id})["Rotations"]) == 1


def test_a_second_engine_on_the_same_directory_is_refused(make_engine, dirs):
    make_engine()
    with pytest.raises(DataDirectoryInUse, match=f"pid {os.getpid()}"):
        Engine(dirs[0], dirs[1])


def test_a_second_process_is_refused_naming_the_owner(make_engine, dirs):
    make_engine()
    env = {**os.environ, "KMSTUI_CONFIG": str(dirs[1])}
    result = subprocess.run(
        [sys.executable, "-m", "kmstui", "call", "ListKeys", "--data-dir", str(dirs[0])],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"pid {os.getpid()}" in result.stderr
    assert "in use" in result.stderr


def test_a_lock_left_by_a_killed_process_does_not_block(dirs):
    env = {**os.environ, "KMSTUI_CONFIG": str(dirs[1])}
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import time
            from kmstui.engine import Engine
            engine = Engine({str(dirs[0])!r}, {str(dirs[1])!r})
            print("ready", flush=True)
            time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert holder.stdout.readline().strip() == "ready"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    engine = Engine(dirs[0], dirs[1])
    engine.close()


WRITER = textwrap.dedent("""
    import sys
    from kmstui.engine import Engine
    engine = Engine(sys.argv[1], sys.argv[2], record_events=False)
    print("ready", flush=True)
    while True:
        key = engine.call("CreateKey", {"Description": "x" * 2000})["KeyMetadata"]["KeyId"]
        engine.call("TagResource", {"KeyId": key, "Tags": [{"TagKey": "t", "TagValue": "v"}]})
""")


def test_a_process_killed_mid_write_leaves_a_readable_database(dirs):
    env = {**os.environ, "KMSTUI_CONFIG": str(dirs[1])}
    counts = []
    for delay in (0.05, 0.13, 0.29, 0.41):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(dirs[0]), str(dirs[1])],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        data = json.loads((dirs[0] / "kmstui.json").read_text())
        assert data["_meta"]["1"]["schema"] == 1
        with Engine(dirs[0], dirs[1], record_events=False) as engine:
            counts.append(len(engine.call("ListKeys", {"Limit": 1000})["Keys"]))
    assert counts == sorted(counts) and counts[-1] > 0
    leftovers = [p.name for p in dirs[0].iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 4  # a killed writer may leave its temp file, never a torn db


def test_a_corrupt_database_is_reported_and_left_untouched(dirs):
    dirs[0].mkdir(parents=True)
    (dirs[0] / "kmstui.json").write_text('{"keys": {"1": {"KeyId": ')
    with pytest.raises(CorruptDatabaseError, match="not valid JSON"):
        Engine(dirs[0], dirs[1])
    assert (dirs[0] / "kmstui.json").read_text() == '{"keys": {"1": {"KeyId": '


def test_a_newer_schema_version_is_refused(make_engine, dirs):
    make_engine().close()
    path = dirs[0] / "kmstui.json"
    data = json.loads(path.read_text())
    data["_meta"]["1"]["schema"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(CorruptDatabaseError, match="schema version 99"):
        Engine(dirs[0], dirs[1])
    assert json.loads(path.read_text())["_meta"]["1"]["schema"] == 99


def test_a_foreign_json_file_is_refused(dirs):
    dirs[0].mkdir(parents=True)
    (dirs[0] / "kmstui.json").write_text('{"users": {"1": {"name": "x"}}}')
    with pytest.raises(CorruptDatabaseError):
        Engine(dirs[0], dirs[1])


def test_the_root_key_file_is_created_private(make_engine, dirs):
    make_engine()
    mode = (dirs[1] / "root.key").stat().st_mode & 0o777
    assert mode == 0o600


def test_a_root_key_file_others_can_read_is_refused(make_engine, dirs):
    make_engine().close()
    os.chmod(dirs[1] / "root.key", 0o644)
    with pytest.raises(RootKeyError, match="chmod 600"):
        Engine(dirs[0], dirs[1])


def test_another_root_key_cannot_open_the_data_directory(make_engine, dirs):
    make_engine().close()
    (dirs[1] / "root.key").write_text(os.urandom(32).hex())
    with pytest.raises(RootKeyError, match="does not open this data directory"):
        Engine(dirs[0], dirs[1])


def test_a_passphrase_root_key_opens_only_with_the_same_passphrase(dirs, monkeypatch):
    monkeypatch.setenv("KMSTUI_PASSPHRASE", "correct horse battery staple")
    with Engine(dirs[0], dirs[1]) as engine:
        key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    assert not (dirs[1] / "root.key").exists()
    monkeypatch.setenv("KMSTUI_PASSPHRASE", "wrong")
    with pytest.raises(RootKeyError):
        Engine(dirs[0], dirs[1])
    monkeypatch.setenv("KMSTUI_PASSPHRASE", "correct horse battery staple")
    with Engine(dirs[0], dirs[1]) as engine:
        assert engine.call("DescribeKey", {"KeyId": key_id})


def test_no_key_material_or_plaintext_reaches_the_data_directory(make_engine, dirs):
    engine = make_engine()
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    engine.call("RotateKeyOnDemand", {"KeyId": key_id})
    secret_text = b"PLAINTEXT-MARKER-0123456789"
    engine.call("Encrypt", {"KeyId": key_id, "Plaintext": secret_text})
    data_key = engine.call("GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256"})["Plaintext"]
    key = engine.kms.key_by_id(key_id)
    materials = [
        engine.store.root_key.unwrap(
            m["Wrapped"], f"kms:key-material:{key_id}:{m['KeyMaterialId']}"
        )
        for m in key["Materials"]
    ]
    engine.close()
    needles = [secret_text, data_key, *materials]
    needles += [__import__("base64").b64encode(n) for n in needles]
    needles += [n.hex().encode() for n in [data_key, *materials]]
    for path in dirs[0].rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for needle in needles:
                assert needle not in content, f"secret found in {path}"


def test_a_failed_write_leaves_memory_and_disk_unchanged(engine, monkeypatch):
    from kmstui.store import storage

    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage, "atomic_write_bytes", disk_full)
    with pytest.raises(KMSInternalException):
        engine.call("UpdateKeyDescription", {"KeyId": key_id, "Description": "never saved"})
    monkeypatch.undo()
    assert engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["Description"] == ""
