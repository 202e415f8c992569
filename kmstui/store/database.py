"""The engine's state: one TinyDB database in the data directory, owned by one process.

Tables hold AWS-shaped records (keys, aliases, grants, IAM principals, volumes ...).
The first table, ``_meta``, records the schema version, the root-key check value and
the scrypt salt. A database written by a newer kmstui, or one that is not a kmstui
database at all, is reported and left untouched.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Table

from kmstui.store.lock import DataDirectoryLock
from kmstui.store.rootkey import RootKey, load_root_key
from kmstui.store.storage import AtomicJSONStorage, CorruptDatabaseError

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
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        self._lock = DataDirectoryLock(self.data_dir, command) if lock else None
        if self._lock:
            self._lock.acquire()
        self._rollback_hooks: list[Callable[[], None]] = []
        try:
            self.storage_path = self.data_dir / DB_NAME
            self.db = TinyDB(self.storage_path, storage=AtomicJSONStorage)
            self.db.default_table_name = "_unused"
            self._storage: AtomicJSONStorage = self.db.storage  # type: ignore[assignment]
            self.meta = self._open_meta()
            self.root_key: RootKey = self._open_root_key()
        except BaseException:
            self.close()
            raise

    # -- schema -----------------------------------------------------------------------
    def _open_meta(self) -> dict[str, Any]:
        existing = self._storage.read() or {}
        unknown = [name for name in existing if name not in KNOWN_TABLES]
        meta_table = self.db.table("_meta")
        meta = meta_table.get(doc_id=_META_ID)
        if meta is None:
            if existing and any(existing.values()):
                raise CorruptDatabaseError(
                    f"{self.storage_path} is not a kmstui database (no schema record); "
                    "it was left untouched"
                )
            salt = base64.b64encode(os.urandom(16)).decode()
            meta_table.insert({"schema": SCHEMA_VERSION, "salt": salt, "clock_offset": 0.0})
            meta = meta_table.get(doc_id=_META_ID)
        version = meta.get("schema")
        if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
            raise CorruptDatabaseError(
                f"{self.storage_path} has schema version {version!r}; this kmstui reads "
                f"version {SCHEMA_VERSION}. It was left untouched."
            )
        if unknown:
            raise CorruptDatabaseError(
                f"{self.storage_path} has unknown tables {unknown}; it was left untouched"
            )
        return dict(meta)

    def _open_root_key(self) -> RootKey:
        salt = base64.b64decode(self.meta["salt"])
        root = load_root_key(self.config_dir, salt)
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
    def transaction(self):
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

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
        if self._lock:
            self._lock.release()


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
