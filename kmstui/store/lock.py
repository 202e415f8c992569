"""One process owns a data directory.

The lock is an OS file lock (``filelock``), so it is released when its process dies,
however it dies: a lock left by a killed process never blocks the next one. Beside it
an owner file names who holds it (pid, command, endpoint) for the error a second
process gets. The owner file is a courtesy: when it cannot be written (a full disk)
the directory is still owned, and a second process is refused without the name.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

from filelock import FileLock, Timeout

from kmstui.store.storage import atomic_write_bytes

LOCK_NAME = ".lock"
OWNER_NAME = "owner.json"

_log = logging.getLogger(__name__)


class DataDirectoryInUse(Exception):
    """Another live process owns the data directory."""

    def __init__(self, directory: Path, owner: dict):
        self.directory = directory
        self.owner = owner
        what = owner.get("command") or "kmstui"
        pid = owner.get("pid", "?")
        text = f"data directory {directory} is in use by {what} (pid {pid})"
        if owner.get("endpoint"):
            text += f"; it serves {owner['endpoint']} — use --endpoint-url {owner['endpoint']}"
        super().__init__(text)

    @property
    def endpoint(self) -> str | None:
        return self.owner.get("endpoint")


def read_owner(directory: Path) -> dict:
    try:
        return json.loads((Path(directory) / OWNER_NAME).read_text())
    except (OSError, ValueError):
        return {}


class DataDirectoryLock:
    def __init__(self, directory: Path, command: str | None = None):
        self.directory = Path(directory)
        self.command = command or " ".join(["kmstui", *sys.argv[1:2]])
        self._lock = FileLock(str(self.directory / LOCK_NAME), timeout=0, mode=0o600)

    def acquire(self) -> None:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise DataDirectoryInUse(self.directory, read_owner(self.directory)) from None
        self.set_owner()

    def set_owner(self, endpoint: str | None = None) -> None:
        owner = {"pid": os.getpid(), "command": self.command, "since": time.time()}
        if endpoint:
            owner["endpoint"] = endpoint
        try:
            atomic_write_bytes(self.directory / OWNER_NAME, json.dumps(owner).encode(), 0o600)
        except OSError as exc:
            _log.debug("cannot write %s: %s", self.directory / OWNER_NAME, exc)

    def release(self) -> None:
        if self._lock.is_locked:
            try:
                (self.directory / OWNER_NAME).unlink()
            except FileNotFoundError:
                pass
            self._lock.release()
