"""The engine's source of randomness: the OS CSPRNG, or a seeded one for demos and tests.

Identifiers, key material, nonces and data keys all come from here so a seeded engine
replays the same ids and events every run. The seeded source is a deterministic
HMAC-SHA256 counter stream; it exists for reproducibility and is never the default.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import threading
from collections.abc import Iterator

# A UUID's variant nibble (RFC 4122: binary 10xx) for each hex digit of the random
# byte it replaces the top two bits of.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
# An event id ends in a 48-bit counter (12 hex digits): 2**36 blocks of 4096 ids.
_BLOCK_MAX = (1 << 36) - 1
_SPENT = itertools.count(1 << 36)  # no event ids yet: the first block draws a prefix
_LAST_DIGITS = tuple(f"{n:03x}" for n in range(4096))
# Small requests are served from a pool of OS randomness. Refilling it (getrandom)
# releases the GIL, and the caller takes it straight back; a thread waiting for the GIL
# only asks for it after a whole switch interval (5 ms) without such a release. A 4 KiB
# pool lasted ~3 ms of Encrypt calls and starved the event log's flusher for seconds;
# 64 KiB lasts ~50 ms.
_POOL_BYTES = 64 * 1024


class Entropy:
    def __init__(self, seed: int | str | None = None):
        self._seed = None if seed is None else hashlib.sha256(str(seed).encode()).digest()
        self._counter = 0
        self._lock = threading.Lock()
        self._pool = b""
        self._pos = 0
        self._pool_hex: tuple[bytes, str] = (b"", "")
        # the prefix and its counter of blocks; the current block's ids still to come
        self._event_ids: tuple[str, itertools.count] = ("", _SPENT)
        self._ids: Iterator[str] = iter(())

    @property
    def seeded(self) -> bool:
        return self._seed is not None

    def token_bytes(self, n: int) -> bytes:
        if self._seed is None:
            # Small requests (nonces, ids) are served from a pool: one getrandom()
            # call instead of one per request.
            if n > 256:
                return os.urandom(n)
            lock = self._lock
            lock.acquire()  # by hand rather than `with`: every call's nonce and id pass here
            try:
                if len(self._pool) - self._pos < n:
                    self._pool = os.urandom(_POOL_BYTES)
                    self._pos = 0
                start = self._pos
                self._pos = start + n
                return self._pool[start : start + n]
            finally:
                lock.release()
        out = bytearray()
        with self._lock:
            while len(out) < n:
                self._counter += 1
                out += hmac.new(self._seed, self._counter.to_bytes(8, "big"), "sha256").digest()
        return bytes(out[:n])

    def uuid4(self) -> str:
        if self._seed is None:
            # The next 16 bytes of the pool, read from its hex form (made once per
            # pool): the same id as the bytes path below, without a bytearray per id.
            with self._lock:
                if len(self._pool) - self._pos < 16:
                    self._pool = os.urandom(_POOL_BYTES)
                    self._pos = 0
                start = self._pos
                self._pos = start + 16
                if self._pool_hex[0] is not self._pool:
                    self._pool_hex = (self._pool, self._pool.hex())
                x = self._pool_hex[1][2 * start : 2 * start + 32]
            return f"{x[:8]}-{x[8:12]}-4{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-{x[20:]}"
        h = bytearray(self.token_bytes(16))
        h[6] = (h[6] & 0x0F) | 0x40  # version 4
        h[8] = (h[8] & 0x3F) | 0x80  # RFC 4122 variant
        x = h.hex()
        return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"

    def event_id(self) -> str:
        """A UUID4-formatted id for an event, unique for this source.

        Seeded: the next :meth:`uuid4` of the stream, as always (replays stay
        identical). Otherwise a random 74-bit prefix and a 48-bit counter starting at
        a random value (a new prefix when it runs out): distinct ids with the UUID4
        shape, without drawing and formatting 16 random bytes per event.

        Ids come in blocks of 4096 that share their first 33 characters (the prefix and
        the counter but its last three hex digits), formatted once per block: an id is
        the next item of the block's iterator, which only joins two strings."""
        for event_id in self._ids:  # a C iterator: atomic under the GIL
            return event_id
        return self._next_block()

    def _next_block(self) -> str:
        """Begin the next block of event ids (unless another thread just did) and
        return its first."""
        if self._seed is not None:
            return self.uuid4()
        with self._lock:
            for event_id in self._ids:  # another thread began one meanwhile
                return event_id
            prefix, blocks = self._event_ids
            block = next(blocks)
            if block > _BLOCK_MAX:
                x = os.urandom(16).hex()
                prefix = f"{x[:8]}-{x[8:12]}-4{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-"
                # start anywhere in the lower half: 2**47 ids before the next prefix
                blocks = itertools.count(int(x[20:], 16) >> 13)
                self._event_ids = (prefix, blocks)
                block = next(blocks)
            self._ids = map(f"{prefix}{block:09x}".__add__, _LAST_DIGITS)
            return next(self._ids)

    def hex(self, nbytes: int) -> str:
        return self.token_bytes(nbytes).hex()
