"""A real `kmstui serve` process for tests that drive it as a client would: on a free
port, a data directory of its own, any credentials accepted."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(base: Path, account: str) -> tuple[subprocess.Popen, str]:
    """Start `kmstui serve` on ``base``/data for ``account``; the process and its URL,
    once it listens."""
    port = free_port()
    env = {**os.environ, "KMSTUI_CONFIG": str(base / "config")}
    process = subprocess.Popen(
        [sys.executable, "-m", "kmstui", "serve", "--data-dir", str(base / "data"),
         "--allow-any-credentials", "--account-id", account, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("kmstui serve did not start")
            time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(30)
