"""The engine's source of randomness: the OS CSPRNG, or a seeded one for demos and tests.

Identifiers, key material, nonces and data keys all come from here so a seeded engine
replays the same ids and events every run. The seeded source is a deterministic
HMAC-SHA256 counter stream; it exists for reproducibility and is never the default.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import uuid


class Entropy:
    def __init__(self, seed: int | str | None = None):
        self._seed = None if seed is None else hashlib.sha256(str(seed).encode()).digest()
        self._counter = 0
        self._lock = threading.Lock()

    @property
    def seeded(self) -> bool:
        return self._seed is not None

    def token_bytes(self, n: int) -> bytes:
        if self._seed is None:
            return os.urandom(n)
        out = bytearray()
        with self._lock:
            while len(out) < n:
                self._counter += 1
                out += hmac.new(self._seed, self._counter.to_bytes(8, "big"), "sha256").digest()
        return bytes(out[:n])

    def uuid4(self) -> str:
        return str(uuid.UUID(bytes=self.token_bytes(16), version=4))

    def hex(self, nbytes: int) -> str:
        return self.token_bytes(nbytes).hex()

    def randbelow(self, n: int) -> int:
        return int.from_bytes(self.token_bytes(8), "big") % n
