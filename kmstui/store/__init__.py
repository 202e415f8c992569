"""Persistence: atomic TinyDB storage, the data-directory lock, the root key and the
event history. Nothing here knows about keys or volumes."""

from kmstui.store.database import Store
from kmstui.store.lock import DataDirectoryInUse
from kmstui.store.rootkey import RootKey, RootKeyError
from kmstui.store.storage import CorruptDatabaseError, atomic_write_bytes

__all__ = [
    "CorruptDatabaseError",
    "DataDirectoryInUse",
    "RootKey",
    "RootKeyError",
    "Store",
    "atomic_write_bytes",
]
