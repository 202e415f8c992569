"""Quitting the demo returns to the shell at once: its scratch directory (with an
8 GiB sparse volume image) is removed by a detached process afterwards."""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from kmstui.commands import demo


def test_quitting_the_demo_leaves_removing_its_data_to_a_background_process(monkeypatch, tmp_path):
    monkeypatch.setattr(demo.tempfile, "tempdir", str(tmp_path))
    played: list[Path] = []

    def play(data_dir: Path, config_dir: Path, speed: float) -> int:
        data_dir.mkdir(parents=True)
        (data_dir / "vol.img").write_bytes(bytes(4096))
        played.append(data_dir.parent)
        return 0

    def no_inline_removal(*_args, **_kwargs):
        raise AssertionError("the demo removed its data before returning")

    monkeypatch.setattr(demo, "_play", play)
    monkeypatch.setattr(shutil, "rmtree", no_inline_removal)
    assert demo.run(argparse.Namespace(speed=1.0, data_dir=None)) == 0
    (scratch,) = played
    deadline = time.monotonic() + 30
    while scratch.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not scratch.exists()
