"""``kmstui`` without a command: what a person sees when the console cannot start."""

from __future__ import annotations

import os
import subprocess
import sys

from kmstui.engine import Engine


def test_a_data_directory_held_by_another_engine_is_refused_with_exit_2(tmp_path):
    holder = Engine(tmp_path / "data", tmp_path / "config", command="kmstui serve")
    try:
        env = {**os.environ, "KMSTUI_CONFIG": str(tmp_path / "config")}
        done = subprocess.run(
            [sys.executable, "-m", "kmstui.cli", "--data-dir", str(tmp_path / "data")],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    finally:
        holder.close()
    assert done.returncode == 2
    last = done.stderr.rstrip().splitlines()[-1]
    # The screen is restored first, so the message is the last thing on the terminal.
    assert last.endswith(
        f"kmstui: data directory {tmp_path / 'data'} is in use by kmstui serve (pid {os.getpid()})"
    )
    assert "Traceback" not in done.stderr
