"""Reusable I/O buffers.

A fresh megabyte-sized ``bytearray`` per request costs far more than the XTS
work done in it: the allocator hands back newly mapped pages and each first
touch faults. The block engine therefore keeps one buffer per purpose and
reuses it, always under the owner's lock.
"""

from __future__ import annotations

__all__ = ["ScratchBuffer"]


class ScratchBuffer:
    """A ``bytearray`` that grows on demand and is reused between requests.

    Requests above ``keep_limit`` bytes get a one-off buffer so that a single
    huge request does not pin its memory for the life of the owner.
    """

    def __init__(self, *, keep_limit: int = 16 * 1024 * 1024) -> None:
        self._keep_limit = keep_limit
        self._buffer = bytearray()

    def view(self, nbytes: int) -> memoryview:
        """A writable view of ``nbytes`` bytes; its contents are unspecified."""
        needed = nbytes
        if needed > self._keep_limit:
            return memoryview(bytearray(needed))[:nbytes]
        if len(self._buffer) < needed:
            # A new object rather than a resize: views handed out earlier stay valid.
            self._buffer = bytearray(max(needed, 2 * len(self._buffer)))
        return memoryview(self._buffer)[:nbytes]

    def clear(self) -> None:
        """Zero what the buffer holds (it may have held plaintext)."""
        self._buffer[:] = bytes(len(self._buffer))
