"""The engine's state: one TinyDB database in the data directory, owned by one process.

Tables hold AWS-shaped records (keys, aliases, grants, IAM principals, volumes ...).
The first table, ``_meta``, records the schema version, the root-key check value and
the scrypt salt. A database written by a newer kmstui, one that is not a kmstui
database at all, or one that is damaged (empty, truncated, not JSON, records that are
not objects) is reported and left untouched: only a data directory with no database
file is new, and only a new one gets a database (and, without a passphrase, a root
key) created for it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Table

from kmstui.paths import make_private_dir
from kmstui.store.lock import DataDirectoryLock
from kmstui.store.rootkey import RootKey, load_root_key
from kmstui.store.storage import AtomicJSONStorage, CorruptDatabaseError, backup_path

DB_NAME = "kmstui.json"
SCHEMA_VERSION = 1
_META_ID = 1


class Store:
    """Open (and lock) a data directory. ``close()`` releases it."""

    def __init__(
        self, data_dir: Path, config_dir: Path, *, command: str | None = None, lock: bool = True
    ):
        self.data_dir = Path(data_dir)
        self.config_dir = Path(config_dir)
        make_private_dir(self.data_dir)
        self._lock = DataDirectoryLock(self.data_dir, command) if lock else None
        if self._lock:
            self._lock.acquire()
        self._rollback_hooks: list[Callable[[], None]] = []
        try:
            self.storage_path = self.data_dir / DB_NAME
            backup = backup_path(self.storage_path)
            if not self.storage_path.exists() and backup.exists():
                raise CorruptDatabaseError(
                    f"{self.storage_path} is missing, but its last good copy {backup} is "
                    "there; nothing was created"
                )
            self.db = TinyDB(self.storage_path, storage=AtomicJSONStorage)
            self.db.default_table_name = "_unused"
            self._storage: AtomicJSONStorage = self.db.storage  # type: ignore[assignment]
            # New: no database file yet. Its first state stays in memory until the
            # first commit (or close), so seeding it is all or nothing.
            self.fresh = not self._storage.on_disk
            if self.fresh:
                self.meta, self.root_key = self._create_meta()
            else:
                self.meta = self._open_meta()
                self.root_key = self._open_root_key()
        except BaseException:
            self.close()
            raise

    # -- schema -----------------------------------------------------------------------
    def _create_meta(self) -> tuple[dict[str, Any], RootKey]:
        salt = os.urandom(16)
        root = load_root_key(self.config_dir, salt, create=True)
        meta = {
            "schema": SCHEMA_VERSION,
            "salt": base64.b64encode(salt).decode(),
            "clock_offset": 0.0,
            "root_key_check": root.check_value(),
        }
        with self._storage.deferred():
            self.db.table("_meta").insert(meta)
        return meta, root

    def _open_meta(self) -> dict[str, Any]:
        return schema_record(self._storage.read() or {}, self.storage_path)

    def _open_root_key(self) -> RootKey:
        salt = base64.b64decode(self.meta["salt"])
        root = load_root_key(self.config_dir, salt, create=False)
        check = self.meta.get("root_key_check")
        if check:
            root.verify(check)
        else:
            self.update_meta(root_key_check=root.check_value())
        return root

    def update_meta(self, **values: Any) -> None:
        self.db.table("_meta").update(values, doc_ids=[_META_ID])
        self.meta.update(values)

    # -- tables and transactions ------------------------------------------------------
    def table(self, name: str) -> Table:
        if name not in KNOWN_TABLES:
            raise KeyError(f"unknown table {name}")
        return self.db.table(name, cache_size=0)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes inside happen together, atomically, or not at all."""
        try:
            with self._storage.transaction():
                yield
        except BaseException:
            for table in self.db.tables():
                self.db.table(table).clear_cache()
            self.db._tables.clear()  # tables re-read their next ids from the rolled-back state
            for hook in self._rollback_hooks:
                hook()
            raise

    def on_rollback(self, hook: Callable[[], None]) -> None:
        self._rollback_hooks.append(hook)

    def set_endpoint(self, endpoint: str | None) -> None:
        if self._lock:
            self._lock.set_owner(endpoint)

    def discard_new(self) -> None:
        """Leave a new database unwritten: its data directory stays new."""
        self._storage.discard_pending()

    def close(self) -> None:
        """Write a new database's first state if nothing has yet, and release the
        directory. A new database that cannot be written (disk full) stays unwritten:
        the directory is still new next time."""
        db = getattr(self, "db", None)
        try:
            if db is not None:
                try:
                    self._storage.commit_pending()
                except OSError:
                    pass
                db.close()
        finally:
            if self._lock:
                self._lock.release()


def schema_record(document: dict[str, Any], path: Path) -> dict[str, Any]:
    """The schema record of a database document read from ``path``, once the document
    is known to be a kmstui database this kmstui reads; else CorruptDatabaseError."""
    meta = document.get("_meta", {}).get(str(_META_ID))
    if meta is None:
        raise CorruptDatabaseError(
            f"{path} is not a kmstui database (it has no schema record); it was left untouched"
        )
    version = meta.get("schema")
    if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
        raise CorruptDatabaseError(
            f"{path} has schema version {version!r}; this kmstui reads "
            f"version {SCHEMA_VERSION}. It was left untouched."
        )
    unknown = [name for name in document if name not in KNOWN_TABLES]
    if unknown:
        raise CorruptDatabaseError(f"{path} has unknown tables {unknown}; it was left untouched")
    fault = _meta_fault(meta)
    if fault:
        raise CorruptDatabaseError(
            f"{path} is damaged: its schema record {fault}; it was left untouched"
        )
    return dict(meta)


def _meta_fault(meta: dict) -> str | None:
    """What is wrong with an existing schema record's values, if anything."""
    salt = meta.get("salt")
    if not isinstance(salt, str):
        return "has no salt"
    try:
        base64.b64decode(salt, validate=True)
    except ValueError:
        return "has a salt that is not base64"
    offset = meta.get("clock_offset", 0.0)
    if not isinstance(offset, (int, float)) or isinstance(offset, bool):
        return "has a clock offset that is not a number"
    if not isinstance(meta.get("root_key_check", ""), str):
        return "has a root-key check value that is not text"
    return None


KNOWN_TABLES = frozenset(
    {
        "_meta",
        "_unused",
        "keys",
        "aliases",
        "grants",
        "settings",
        "iam_users",
        "iam_roles",
        "iam_access_keys",
        "volumes",
        "snapshots",
        "instances",
        "attachments",
    }
)
