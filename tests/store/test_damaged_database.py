"""A damaged database is refused, never replaced: every entry point says which file and
how to recover; only a directory with no database file is new (and seeded, all or
nothing); the last good copy and `kmstui doctor` bring a damaged database back."""

from __future__ import annotations

import json

import pytest

from kmstui import sample
from kmstui.cli import main
from kmstui.engine import Engine
from kmstui.opening import CannotOpen, open_engine
from kmstui.store import RootKeyError

DAMAGE = {
    "empty": b"",
    "whitespace": b" \n\t\n",
    "empty object": b"{}",
    "binary": bytes(range(256)) * 4,
    "truncated": b'{"_meta": {"1": {"schema": 1, "salt": "',
    "not an object": b"[1, 2]",
    "_meta not an object": b'{"_meta": [1]}',
    "schema record not an object": b'{"_meta": {"1": "schema"}}',
    "record not an object": (
        b'{"_meta": {"1": {"schema": 1, "salt": "AAAAAAAAAAAAAAAAAAAAAA==", '
        b'"clock_offset": 0.0}}, "keys": {"1": 7}}'
    ),
    "record id not a number": (
        b'{"_meta": {"1": {"schema": 1, "salt": "AAAAAAAAAAAAAAAAAAAAAA==", '
        b'"clock_offset": 0.0}}, "keys": {"x": {}}}'
    ),
    "salt not text": b'{"_meta": {"1": {"schema": 1, "salt": 5, "clock_offset": 0.0}}}',
    "clock offset not a number": (
        b'{"_meta": {"1": {"schema": 1, "salt": "AAAAAAAAAAAAAAAAAAAAAA==", '
        b'"clock_offset": "soon"}}}'
    ),
}

ENTRY_POINTS = {
    "call": ["call", "ListKeys"],
    "clock show": ["clock", "show"],
    "clock advance": ["clock", "advance", "1d"],
    "settings": ["settings", "show"],
}


@pytest.fixture
def env_dirs(dirs, monkeypatch):
    monkeypatch.setenv("KMSTUI_CONFIG", str(dirs[1]))
    return dirs


def damage(data_dir, content: bytes):
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "kmstui.json"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("kind", DAMAGE)
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_entry_point_refuses_a_damaged_database_and_leaves_it(kind, entry, env_dirs, capsys):
    data_dir, config_dir = env_dirs
    path = damage(data_dir, DAMAGE[kind])
    argv = [*ENTRY_POINTS[entry], "--data-dir", str(data_dir)]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert str(path) in err
    assert "no last good copy" in err  # how to recover
    assert "Traceback" not in err
    assert path.read_bytes() == DAMAGE[kind]
    assert sorted(p.name for p in data_dir.glob("kmstui.json*")) == ["kmstui.json"]
    assert not (config_dir / "root.key").exists()


@pytest.mark.parametrize("kind", DAMAGE)
def test_the_console_gets_the_same_refusal(kind, env_dirs):
    # The console opens its engine through open_engine and shows what CannotOpen says.
    path = damage(env_dirs[0], DAMAGE[kind])
    with pytest.raises(CannotOpen, match="kmstui.json") as refused:
        open_engine(env_dirs[0])
    assert str(path) in str(refused.value)
    assert path.read_bytes() == DAMAGE[kind]


def test_an_existing_database_without_keys_is_not_seeded(env_dirs, capsys):
    Engine(env_dirs[0], env_dirs[1]).close()  # a database with its schema record only
    before = (env_dirs[0] / "kmstui.json").read_bytes()
    assert main(["call", "ListAliases", "--data-dir", str(env_dirs[0])]) == 0
    aliases = {a["AliasName"] for a in json.loads(capsys.readouterr().out)["Aliases"]}
    assert "alias/ebs-volumes" not in aliases
    assert (env_dirs[0] / "kmstui.json").read_bytes() == before


def test_a_failure_while_seeding_leaves_the_directory_new(env_dirs, monkeypatch):
    def broken(engine, spec):
        raise RuntimeError("seeding interrupted")

    monkeypatch.setattr(sample, "_seed_ec2", broken)
    with pytest.raises(RuntimeError, match="seeding interrupted"):
        open_engine(env_dirs[0])
    assert not (env_dirs[0] / "kmstui.json").exists()
    monkeypatch.undo()
    with open_engine(env_dirs[0]) as engine:
        aliases = {a["AliasName"] for a in engine.call("ListAliases")["Aliases"]}
        assert "alias/ebs-volumes" in aliases
        assert engine.call("DescribeVolumes")["Volumes"]


def test_each_write_keeps_the_state_before_it_as_the_last_good_copy(make_engine, dirs):
    engine = make_engine()
    first = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    second = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    copy = (dirs[0] / "kmstui.json.bak").read_text()
    assert first in copy and second not in copy
    assert second in (dirs[0] / "kmstui.json").read_text()


def test_doctor_restores_the_last_good_copy_and_keeps_the_damaged_file(env_dirs, capsys):
    data_dir = env_dirs[0]
    with Engine(data_dir, env_dirs[1]) as engine:
        kept = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
        engine.call("CreateKey")
    assert main(["doctor", "--data-dir", str(data_dir)]) == 0
    assert "PROBLEM" not in capsys.readouterr().out
    (data_dir / "kmstui.json").write_bytes(b"")

    assert main(["call", "ListKeys", "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert "kmstui doctor --restore" in err and "kmstui.json.bak" in err
    assert main(["doctor", "--data-dir", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "database        PROBLEM" in out and "it is empty" in out

    assert main(["doctor", "--restore", "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    damaged = list(data_dir.glob("kmstui.json.damaged-*"))
    assert len(damaged) == 1 and damaged[0].read_bytes() == b""
    describe = ["call", "DescribeKey", json.dumps({"KeyId": kept}), "--data-dir", str(data_dir)]
    assert main(describe) == 0
    assert json.loads(capsys.readouterr().out)["KeyMetadata"]["KeyId"] == kept
    assert main(["doctor", "--data-dir", str(data_dir)]) == 0


def test_doctor_restore_refuses_a_database_that_opens(env_dirs, capsys):
    with Engine(env_dirs[0], env_dirs[1]) as engine:
        engine.call("CreateKey")
        engine.call("CreateKey")
    before = (env_dirs[0] / "kmstui.json").read_bytes()
    assert main(["doctor", "--restore", "--data-dir", str(env_dirs[0])]) == 1
    assert "nothing to restore" in capsys.readouterr().err
    assert (env_dirs[0] / "kmstui.json").read_bytes() == before


def test_doctor_restore_refuses_while_another_process_owns_the_directory(env_dirs, capsys):
    with Engine(env_dirs[0], env_dirs[1]) as engine:
        engine.call("CreateKey")
        engine.call("CreateKey")
        (env_dirs[0] / "kmstui.json").write_bytes(b"{}")
        assert main(["doctor", "--restore", "--data-dir", str(env_dirs[0])]) == 2
        assert "in use" in capsys.readouterr().err
    assert not list(env_dirs[0].glob("kmstui.json.damaged-*"))


def test_a_missing_database_beside_its_last_good_copy_is_not_started_afresh(env_dirs, capsys):
    with Engine(env_dirs[0], env_dirs[1]) as engine:
        engine.call("CreateKey")
        engine.call("CreateKey")
    (env_dirs[0] / "kmstui.json").unlink()
    copy = (env_dirs[0] / "kmstui.json.bak").read_bytes()
    assert main(["call", "ListKeys", "--data-dir", str(env_dirs[0])]) == 2
    assert "is missing" in capsys.readouterr().err
    assert not (env_dirs[0] / "kmstui.json").exists()
    assert (env_dirs[0] / "kmstui.json.bak").read_bytes() == copy


def test_a_missing_root_key_is_reported_missing_and_not_replaced(make_engine, dirs):
    make_engine().close()
    (dirs[1] / "root.key").unlink()
    with pytest.raises(RootKeyError) as refused:
        Engine(dirs[0], dirs[1])
    message = str(refused.value)
    assert "missing" in message and str(dirs[1] / "root.key") in message
    assert "KMSTUI_PASSPHRASE" in message
    assert "another key file" not in message
    assert not (dirs[1] / "root.key").exists()


def test_a_root_key_is_created_only_for_a_new_data_directory(dirs):
    with Engine(dirs[0], dirs[1]):
        pass
    assert (dirs[1] / "root.key").exists()
