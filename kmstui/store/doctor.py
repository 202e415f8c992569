"""Checking a data directory, and putting back the database's last good copy.

``check`` reads only: the database, its last good copy (``kmstui.json.bak``, kept by
the atomic writer), the root key against the database, and the event history. It
writes nothing and takes no lock, so it also works on a directory another process
owns. ``restore`` takes the directory's lock, keeps the damaged database beside it
under a new name and puts the last good copy in its place; it refuses when the
database opens or the copy does not.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass
from pathlib import Path

from kmstui.store.database import DB_NAME, schema_record
from kmstui.store.lock import DataDirectoryLock
from kmstui.store.rootkey import PASSPHRASE_ENV, RootKeyError, load_root_key
from kmstui.store.storage import (
    CorruptDatabaseError,
    atomic_write_bytes,
    backup_path,
    read_document,
)


@dataclass(frozen=True)
class Finding:
    subject: str  # what was checked
    ok: bool
    detail: str


class RestoreRefused(Exception):
    """The last good copy was not put back; the message says why."""


def _read_database(path: Path) -> tuple[dict | None, str]:
    """The document at ``path`` and a description, or None and what is wrong."""
    if not path.exists():
        return None, f"{path} does not exist"
    try:
        document, _text = read_document(path)
        schema_record(document, path)
    except CorruptDatabaseError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"{path} cannot be read: {exc.strerror or exc}"
    records = sum(len(table) for name, table in document.items() if name != "_meta")
    return document, f"{path} opens ({records} records)"


def _stamp(path: Path) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(path.stat().st_mtime))


def check(data_dir: Path, config_dir: Path) -> list[Finding]:
    """What is sound and what is not in ``data_dir``; changes nothing."""
    data_dir, config_dir = Path(data_dir), Path(config_dir)
    database = data_dir / DB_NAME
    findings: list[Finding] = []
    document, detail = _read_database(database)
    fresh = document is None and not database.exists()
    findings.append(Finding("database", document is not None or fresh, detail))
    backup = backup_path(database)
    if backup.exists():
        copy, detail = _read_database(backup)
        if copy is not None:
            detail += f", saved {_stamp(backup)}"
        findings.append(Finding("last good copy", copy is not None, detail))
    else:
        findings.append(Finding("last good copy", True, f"none yet ({backup.name})"))
    if document is not None:
        findings.append(_check_root_key(document, config_dir))
    findings.append(_check_events(data_dir / "events"))
    return findings


def _check_root_key(document: dict, config_dir: Path) -> Finding:
    meta = document["_meta"]["1"]
    try:
        root = load_root_key(config_dir, base64.b64decode(meta["salt"]), create=False)
        if meta.get("root_key_check"):
            root.verify(meta["root_key_check"])
    except RootKeyError as exc:
        return Finding("root key", False, str(exc))
    except OSError as exc:
        return Finding("root key", False, f"cannot be read: {exc.strerror or exc}")
    source = f"${PASSPHRASE_ENV}" if root.source == "passphrase" else root.source
    return Finding("root key", True, f"{source} opens the database")


def _check_events(directory: Path) -> Finding:
    from kmstui.store.eventlog import EventLog

    if not directory.exists():
        return Finding("event history", True, f"none yet ({directory})")
    try:
        count = len(EventLog.open_readonly(directory))
    except (OSError, ValueError) as exc:
        return Finding("event history", False, f"{directory} cannot be read: {exc}")
    return Finding("event history", True, f"{count} events in {directory}")


def restore(data_dir: Path) -> str:
    """Put the last good copy back in place of a damaged (or missing) database; the
    damaged file is kept as ``kmstui.json.damaged-<UTC time>``. Returns what was done;
    raises RestoreRefused, or DataDirectoryInUse when another process owns it."""
    data_dir = Path(data_dir)
    database = data_dir / DB_NAME
    backup = backup_path(database)
    lock = DataDirectoryLock(data_dir, "kmstui doctor --restore")
    lock.acquire()
    try:
        if _read_database(database)[0] is not None:
            raise RestoreRefused(f"{database} opens: there is nothing to restore")
        if not backup.exists():
            raise RestoreRefused(f"there is no last good copy ({backup}) to restore")
        copy, detail = _read_database(backup)
        if copy is None:
            raise RestoreRefused(f"the last good copy cannot be used: {detail}")
        kept = None
        if database.exists():
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            kept = database.with_name(f"{DB_NAME}.damaged-{stamp}")
            os.replace(database, kept)
        atomic_write_bytes(database, backup.read_bytes())
    finally:
        lock.release()
    saved = f"restored {database} from {backup.name} (saved {_stamp(backup)})"
    return f"{saved}; the damaged file is kept as {kept.name}" if kept else saved
