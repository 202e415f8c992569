"""A full disk and a read-only data directory: a clear refusal, never a traceback, no
corruption, and recovery by itself once space returns.

The data directory lives on a small tmpfs mounted for the test. Where mounting is not
possible (not root), a simulated disk refuses every fsync with ENOSPC instead; the
read-only test needs the mount and fails without it."""

from __future__ import annotations

import errno
import json
import os
import subprocess
from pathlib import Path

import pytest

from kmstui.cli import main
from kmstui.engine import Engine
from kmstui.errors import KMSInternalException
from kmstui.store.eventlog import EventLog
from kmstui.store.storage import read_document


class TmpfsDisk:
    """A 4 MiB tmpfs; ``fill`` takes every free block, ``free`` gives them back."""

    def __init__(self, mount_point: Path):
        self.root = mount_point
        self._filler = mount_point / "filler"

    def fill(self) -> None:
        # Replacing the database's last good copy frees the older copy's blocks, so a
        # write the size of the last one can still succeed on a full disk. Without a
        # copy, the next write needs blocks the disk does not have.
        for copy in self.root.glob("*/kmstui.json.bak"):
            copy.unlink()
        fd = os.open(self._filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for block in (1 << 16, 1 << 12, 1):
                try:
                    while os.write(fd, b"\0" * block):
                        pass
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)
        with pytest.raises(OSError):
            (self.root / "probe").write_bytes(b"x" * 8192)

    def free(self) -> None:
        self._filler.unlink()
        (self.root / "probe").unlink(missing_ok=True)

    def read_only(self) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(self.root)], check=True)


class SimulatedDisk:
    """Stands in for a full disk where no tmpfs can be mounted: every fsync fails."""

    def __init__(self, root: Path):
        self.root = root
        self._monkeypatch = pytest.MonkeyPatch()

    def fill(self) -> None:
        def full(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        self._monkeypatch.setattr(os, "fsync", full)

    def free(self) -> None:
        self._monkeypatch.undo()

    def read_only(self) -> None:
        pytest.fail("a read-only data directory needs a tmpfs mount (run as root)")


@pytest.fixture
def disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    try:
        mounted = (
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount_point)],
                capture_output=True,
            ).returncode
            == 0
        )
    except OSError:  # no mount command
        mounted = False
    if not mounted:
        simulated = SimulatedDisk(mount_point)
        yield simulated
        simulated.free()
        return
    try:
        yield TmpfsDisk(mount_point)
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KMSTUI_CONFIG", str(tmp_path / "config"))
    return tmp_path / "config"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_full_disk_refuses_writes_keeps_everything_and_recovers(disk, config_dir, capsys):
    data = str(disk.root / "data")
    code, out, _ = run(capsys, "call", "CreateKey", "--data-dir", data)
    assert code == 0
    first = json.loads(out)["KeyMetadata"]["KeyId"]
    database = disk.root / "data" / "kmstui.json"
    before = database.read_bytes()

    disk.fill()
    code, out, err = run(capsys, "call", "ListKeys", "--data-dir", data)
    assert code == 0, err
    assert first in {key["KeyId"] for key in json.loads(out)["Keys"]}

    code, out, err = run(capsys, "call", "CreateKey", "--data-dir", data)
    assert code == 1, err
    answer = json.loads(out)
    assert answer["__type"] == "KMSInternalException"
    assert "full" in answer["message"]

    code, out, err = run(capsys, "clock", "advance", "1d", "--data-dir", data)
    assert code == 1 and "could not be written" in err and "Traceback" not in err
    assert database.read_bytes() == before
    read_document(database)

    disk.free()
    code, out, err = run(capsys, "call", "CreateKey", "--data-dir", data)
    assert code == 0, err
    second = json.loads(out)["KeyMetadata"]["KeyId"]
    code, out, _ = run(capsys, "call", "ListKeys", "--data-dir", data)
    assert {first, second} <= {key["KeyId"] for key in json.loads(out)["Keys"]}
    code, out, _ = run(capsys, "clock", "show", "--data-dir", data)
    assert "offset 0.00 days" in out
    created = [
        record["resources"][0]["ARN"]
        for record in EventLog.open_readonly(disk.root / "data" / "events").iter()
        if record["eventName"] == "CreateKey" and not record.get("errorCode")
    ]
    assert any(arn.endswith(second) for arn in created)


def test_an_open_engine_answers_the_full_disk_and_carries_on_when_space_returns(disk, config_dir):
    with Engine(disk.root / "data", config_dir) as engine:
        key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
        disk.fill()
        with pytest.raises(KMSInternalException, match="full"):
            engine.call("UpdateKeyDescription", {"KeyId": key_id, "Description": "later"})
        assert engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["Description"] == ""
        disk.free()
        engine.call("UpdateKeyDescription", {"KeyId": key_id, "Description": "later"})
    with Engine(disk.root / "data", config_dir) as engine:
        assert engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["Description"] == (
            "later"
        )
        names = [record["eventName"] for record in engine.event_log.iter()]
    assert names.count("UpdateKeyDescription") == 2  # the refused call's event too


def test_a_new_data_directory_on_a_full_disk_is_refused_and_left_new(disk, config_dir, capsys):
    disk.fill()
    code, _, err = run(capsys, "call", "ListKeys", "--data-dir", str(disk.root / "data"))
    assert code == 2
    assert str(disk.root / "data") in err
    assert not (disk.root / "data" / "kmstui.json").exists()
    disk.free()
    code, out, err = run(capsys, "call", "ListAliases", "--data-dir", str(disk.root / "data"))
    assert code == 0, err
    assert "alias/ebs-volumes" in out  # seeded now that it can be


def test_a_read_only_data_directory_is_refused_with_exit_2(disk, config_dir, capsys):
    data = str(disk.root / "data")
    assert run(capsys, "call", "CreateKey", "--data-dir", data)[0] == 0
    before = (disk.root / "data" / "kmstui.json").read_bytes()
    disk.read_only()
    for argv in (["call", "ListKeys"], ["clock", "advance", "1d"], ["serve", "--port", "0"]):
        code, _, err = run(capsys, *argv, "--data-dir", data)
        assert code == 2, (argv, err)
        assert "Read-only file system" in err and data in err
    assert (disk.root / "data" / "kmstui.json").read_bytes() == before
