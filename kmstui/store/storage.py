"""TinyDB storage that never leaves a half-written file.

TinyDB's default JSONStorage truncates and rewrites its file in place, so a crash
mid-write loses the database. This storage writes the whole document to a temporary
file in the same directory, fsyncs it, and renames it over the old one (atomic on
POSIX), then fsyncs the directory. Readers see the previous or the new state, never
a torn one.

It also keeps the parsed document in memory (one process owns a data directory, so
the cache is coherent) and supports transactions: inside ``transaction()`` writes
only update memory and are committed with one atomic write at the end, or rolled
back to the last committed state on error — several tables change together or not
at all.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb.storages import Storage


class CorruptDatabaseError(Exception):
    """The database file exists but is not a readable kmstui database."""


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, rename, fsync dir)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class AtomicJSONStorage(Storage):
    """A TinyDB storage with atomic replace-on-write, an in-memory cache and
    transactions."""

    def __init__(self, path: str | os.PathLike, **_: Any):
        self.path = Path(path)
        self._lock = threading.RLock()
        self._depth = 0
        self._dirty = False
        self._committed_text = "{}"
        self._data: dict[str, Any] | None = None
        if self.path.exists():
            text = self.path.read_text(encoding="utf-8")
            try:
                data = json.loads(text) if text.strip() else {}
            except json.JSONDecodeError as exc:
                raise CorruptDatabaseError(
                    f"{self.path} is not valid JSON (line {exc.lineno}, column {exc.colno}); "
                    "it was left untouched"
                ) from exc
            if not isinstance(data, dict):
                raise CorruptDatabaseError(f"{self.path} does not hold a kmstui database")
            self._data = data
            self._committed_text = text

    def read(self) -> dict[str, Any] | None:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        with self._lock:
            self._data = data
            if self._depth:
                self._dirty = True
                return
            self._commit()

    def _commit(self) -> None:
        assert self._data is not None
        text = json.dumps(self._data, separators=(",", ":"), sort_keys=True)
        try:
            atomic_write_bytes(self.path, text.encode("utf-8"))
        except BaseException:
            self._rollback()
            raise
        self._committed_text = text
        self._dirty = False

    def _rollback(self) -> None:
        self._data = json.loads(self._committed_text) if self._committed_text else {}
        self._dirty = False

    @contextmanager
    def transaction(self):
        """Group writes: one atomic write at the end, or none at all on error."""
        with self._lock:
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._rollback()
                raise
            self._depth -= 1
            if self._depth == 0 and self._dirty:
                self._commit()

    def close(self) -> None:
        pass
