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

Before each write replaces the database, the file being replaced is kept as
``kmstui.json.bak`` (a hard link, so keeping it copies nothing): the last state the
engine wrote before the current one, from which ``kmstui doctor --restore`` recovers a
database damaged outside the engine.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

BACKUP_SUFFIX = ".bak"


class CorruptDatabaseError(Exception):
    """The database file exists but is not a readable kmstui database."""


def backup_path(path: Path) -> Path:
    """Where the last good copy of the database at ``path`` is kept."""
    path = Path(path)
    return path.with_name(path.name + BACKUP_SUFFIX)


def read_document(path: Path) -> tuple[dict[str, Any], str]:
    """The database document at ``path`` and its text, checked to be TinyDB's shape:
    an object of tables, each an object of records keyed by integer ids, each record
    an object. Anything else raises CorruptDatabaseError naming the file and the fault."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        return _parse_document(path, raw)
    except CorruptDatabaseError as exc:
        raise CorruptDatabaseError(f"{exc}; it was left untouched") from None


def _parse_document(path: Path, raw: bytes) -> tuple[dict[str, Any], str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptDatabaseError(
            f"{path} is damaged: it is not UTF-8 text (byte {exc.start})"
        ) from None
    if not text.strip():
        raise CorruptDatabaseError(f"{path} is damaged: it is empty")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = (
            f" (line {exc.lineno}, column {exc.colno})"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise CorruptDatabaseError(f"{path} is damaged: it is not valid JSON{where}") from None
    if not isinstance(data, dict):
        raise CorruptDatabaseError(f"{path} is damaged: it does not hold a JSON object")
    for table, records in data.items():
        if not isinstance(records, dict):
            raise CorruptDatabaseError(f"{path} is damaged: table {table!r} is not an object")
        for doc_id, record in records.items():
            if not doc_id.isdigit():
                raise CorruptDatabaseError(
                    f"{path} is damaged: table {table!r} has a record id {doc_id!r}"
                )
            if not isinstance(record, dict):
                raise CorruptDatabaseError(
                    f"{path} is damaged: record {doc_id} of table {table!r} is not an object"
                )
    return data, text


def keep_last_good(path: Path) -> None:
    """Keep the file at ``path`` as its last good copy (a hard link, replaced
    atomically). Best effort: a file system without hard links keeps no copy."""
    path = Path(path)
    staging = path.with_name(f".{path.name}{BACKUP_SUFFIX}.tmp")
    try:
        try:
            os.unlink(staging)
        except FileNotFoundError:
            pass
        os.link(path, staging)
        os.replace(staging, backup_path(path))
    except OSError:
        pass


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
        # Whether the file exists: a new database is first written by its first commit
        self.on_disk = self.path.exists()
        self._discarded = False
        if self.on_disk:
            self._data, self._committed_text = read_document(self.path)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Writes inside stay in memory, uncommitted, and become the state a rollback
        returns to; the next commit writes them with its own. A new database starts
        this way, so its file first appears holding a complete first state."""
        with self._lock:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            if self._data is not None:
                self._committed_text = json.dumps(self._data, separators=(",", ":"))

    def commit_pending(self) -> None:
        """Write state left uncommitted by :meth:`deferred` (a new database's first
        state), if any."""
        with self._lock:
            unwritten = not self.on_disk and not self._discarded and self._data is not None
            if (self._dirty or unwritten) and not self._depth:
                self._commit()

    def discard_pending(self) -> None:
        """Forget state that is not on disk: a new database whose first state should
        not be written after all (a failed seeding) stays unwritten."""
        with self._lock:
            if not self.on_disk:
                self._discarded = True
                self._dirty = False

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
            if self.on_disk:
                keep_last_good(self.path)
            atomic_write_bytes(self.path, text.encode("utf-8"))
        except BaseException:
            self._rollback()
            raise
        self._committed_text = text
        self._dirty = False
        self.on_disk = True

    def _rollback(self) -> None:
        self._data = json.loads(self._committed_text) if self._committed_text else {}
        self._dirty = False

    @contextmanager
    def transaction(self) -> Iterator[None]:
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
