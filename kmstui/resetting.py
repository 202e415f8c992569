"""Resetting an engine for test suites: every account emptied at once.

Keys, aliases, grants, IAM users, roles and access keys, EBS settings of every
account, volumes, snapshots, instances and attachments go in one transaction; then
the volumes' and snapshots' files and the event history. What belongs to the
installation stays: the root key, the schema record (and the engine clock's offset),
and the engine-wide EBS options (caller model, rate limits)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmstui.engine import Engine

# Tables whose every record belongs to an account.
ACCOUNT_TABLES = (
    "keys",
    "aliases",
    "grants",
    "iam_users",
    "iam_roles",
    "iam_access_keys",
    "volumes",
    "snapshots",
    "instances",
    "attachments",
)


def reset(engine: Engine) -> None:
    """Empty every account of ``engine``. The database changes in one atomic write:
    a failure leaves every record as it was (and raises)."""
    with engine.lock:
        engine.ec2.forget_live()  # closes devices and wipes data keys before files go
        store = engine.store
        with store.transaction():
            for name in ACCOUNT_TABLES:
                store.table(name).truncate()
            engine.ec2.settings.forget_accounts()
        engine.kms.reload()
        engine.kms.forget_memory()
        assert engine.iam is not None  # made with the engine
        engine.iam.reload()
        engine.due.reschedule()
        for folder in (engine.ec2.volumes_dir, engine.ec2.snapshots_dir):
            _remove_images(folder)
        if engine.event_log is not None:
            engine.event_log.clear()
        engine.events.forget_recent()


def _remove_images(folder: Path) -> None:
    for path in folder.glob("*.img"):
        path.unlink(missing_ok=True)
