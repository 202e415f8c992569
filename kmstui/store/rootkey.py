"""The root key that wraps every secret the engine stores.

Key material and access-key secrets are stored only wrapped (AES-256-GCM) by a root
key that lives outside the data directory: a 32-byte key file in the config
directory, created with mode 0600 along with a new data directory's database (one that
group or others can read is refused; a missing one is never replaced for an existing
database, whose secrets only it opens), or a key derived from the
``KMSTUI_PASSPHRASE`` environment variable with scrypt. Each wrapped value is bound
to its purpose (associated data), so a wrapped value cannot be moved to another record
and unwrapped there.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmstui.paths import make_private_dir
from kmstui.store.storage import atomic_write_bytes

KEY_FILE = "root.key"
PASSPHRASE_ENV = "KMSTUI_PASSPHRASE"
_CHECK_PURPOSE = b"kmstui:root-key-check"
_CHECK_VALUE = b"kmstui root key check"


class RootKeyError(Exception):
    """The root key is missing, unsafe, or does not open this data directory."""


class RootKey:
    def __init__(self, key: bytes, source: str):
        if len(key) != 32:
            raise RootKeyError("a root key is 32 bytes")
        self._aead = AESGCM(key)
        self.source = source

    @classmethod
    def from_passphrase(cls, passphrase: str, salt: bytes) -> RootKey:
        key = hashlib.scrypt(
            passphrase.encode(), salt=salt, n=2**15, r=8, p=1, maxmem=64 << 20, dklen=32
        )
        return cls(key, "passphrase")

    @classmethod
    def from_file(cls, config_dir: Path, *, create: bool = True) -> RootKey:
        path = Path(config_dir) / KEY_FILE
        if not path.exists():
            if not create:
                raise RootKeyError(
                    f"the root key {path} is missing: this data directory's secrets are "
                    f"wrapped by it. Put the file back (from a backup), or set "
                    f"${PASSPHRASE_ENV} if the directory was made with a passphrase"
                )
            make_private_dir(path.parent)
            atomic_write_bytes(path, os.urandom(32).hex().encode() + b"\n", 0o600)
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise RootKeyError(
                f"{path} is readable by others (mode {stat.S_IMODE(mode):o}); run: chmod 600 {path}"
            )
        try:
            key = bytes.fromhex(path.read_text().strip())
        except ValueError:
            raise RootKeyError(f"{path} does not hold a root key") from None
        return cls(key, str(path))

    def wrap(self, plaintext: bytes, purpose: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, bytes(plaintext), purpose.encode())
        return base64.b64encode(nonce + sealed).decode("ascii")

    def unwrap(self, wrapped: str, purpose: str) -> bytes:
        raw = base64.b64decode(wrapped)
        try:
            return self._aead.decrypt(raw[:12], raw[12:], purpose.encode())
        except InvalidTag:
            raise RootKeyError(
                f"cannot unwrap {purpose}: wrong root key or damaged value"
            ) from None

    def check_value(self) -> str:
        return self.wrap(_CHECK_VALUE, _CHECK_PURPOSE.decode())

    def verify(self, check_value: str) -> None:
        try:
            ok = self.unwrap(check_value, _CHECK_PURPOSE.decode()) == _CHECK_VALUE
        except RootKeyError:
            ok = False
        if not ok:
            raise RootKeyError(
                f"the root key ({self.source}) does not open this data directory: "
                "it was created with another key file or passphrase"
            )


def load_root_key(config_dir: Path, salt: bytes, *, create: bool = False) -> RootKey:
    """The root key: from ``$KMSTUI_PASSPHRASE`` if set, else the key file (made if
    missing only when ``create``: for a data directory that has no database yet)."""
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase:
        return RootKey.from_passphrase(passphrase, salt)
    return RootKey.from_file(config_dir, create=create)
