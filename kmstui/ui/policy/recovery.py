"""Unsaved key-policy edits kept when the terminal closes under the console.

One file a key, ``recovery/policy-<key id>.json`` in the data directory (the edits
belong to that directory's keys), readable by its owner only. The editor offers the
text the next time it opens the key, and removes the file once the edit is saved or
discarded.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DIRECTORY = "recovery"


@dataclass(frozen=True)
class Recovered:
    key_id: str
    text: str
    kept_at: float  # seconds since the epoch, wall clock


def recovery_path(data_dir: Path, key_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", key_id)
    return Path(data_dir) / DIRECTORY / f"policy-{safe}.json"


def keep(data_dir: Path, key_id: str, text: str) -> Path:
    """Write the edit (0600, atomically: a crash leaves the old file or the new)."""
    path = recovery_path(data_dir, key_id)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    body = json.dumps({"KeyId": key_id, "Text": text, "KeptAt": time.time()})
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".policy-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def find(data_dir: Path, key_id: str) -> Recovered | None:
    """The kept edit for ``key_id``, or None (a file that cannot be read counts as none)."""
    path = recovery_path(data_dir, key_id)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return Recovered(key_id, str(record["Text"]), float(record.get("KeptAt", 0)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forget(data_dir: Path, key_id: str) -> None:
    recovery_path(data_dir, key_id).unlink(missing_ok=True)
