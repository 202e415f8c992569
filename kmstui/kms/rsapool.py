"""A small pool of RSA private keys generated ahead of need, so CreateKey, GenerateDataKeyPair
and GetParametersForImport with RSA specs rarely wait for a generation (RSA_4096 takes
about half a second of CPU).

The pool belongs to one KMS service (and so to one engine): it lives in memory only,
is filled by one daemon thread, and stops when the engine closes. It fills a size only
once that size has been asked for, so an engine that never makes RSA keys spends
nothing on them. Each key is handed out once. Seeded (deterministic) engines do not
use it: their RSA keys come from fixtures (see ``keypairs``).
"""

from __future__ import annotations

import threading
from collections import deque

from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_DEPTH = 3  # keys kept ready per size asked for


def _generate(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


class RsaPool:
    def __init__(self, depth: int = DEFAULT_DEPTH):
        self.depth = depth
        self._ready: dict[int, deque[rsa.RSAPrivateKey]] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def take(self, bits: int) -> rsa.RSAPrivateKey:
        """A key of ``bits`` bits: a ready one, or one generated now when none is
        ready. Either way the pool then refills that size in the background."""
        with self._cond:
            ready = self._ready.setdefault(bits, deque())
            key = ready.popleft() if ready else None
            if not self._stopped:
                self._start()
                self._cond.notify_all()
        return key if key is not None else _generate(bits)

    def ready(self, bits: int) -> int:
        with self._cond:
            return len(self._ready.get(bits, ()))

    def wait_filled(self, bits: int, timeout: float) -> bool:
        """Block until ``bits`` has a full pool (or ``timeout`` seconds pass)."""
        with self._cond:
            self._ready.setdefault(bits, deque())
            if not self._stopped:
                self._start()
                self._cond.notify_all()
            return self._cond.wait_for(
                lambda: self._stopped or len(self._ready[bits]) >= self.depth, timeout
            )

    def close(self) -> None:
        """Stop filling and drop the keys kept (the thread ends after the key it may
        be generating)."""
        with self._cond:
            self._stopped = True
            self._ready.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    # -- the filling thread -----------------------------------------------------------
    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._fill, name="kms-rsa-pool", daemon=True)
            self._thread.start()

    def _wanted(self) -> int | None:
        """The size with the fewest ready keys below depth (smaller sizes first)."""
        short = [(len(keys), bits) for bits, keys in self._ready.items() if len(keys) < self.depth]
        return min(short)[1] if short else None

    def _fill(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopped or self._wanted() is not None)
                if self._stopped:
                    return
                bits = self._wanted()
            assert bits is not None
            key = _generate(bits)  # outside the lock: generation releases the GIL
            with self._cond:
                if self._stopped:
                    return
                self._ready[bits].append(key)
                self._cond.notify_all()
