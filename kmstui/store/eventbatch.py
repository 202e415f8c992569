"""The event log's pending batch: the lines appended since the last flush.

The batch is a few reused buffers (anonymous memory maps), not one object per line:
lines are copied into the current buffer, a full buffer is queued as a piece for the
flusher, and a written buffer is rewound for reuse. Thousands of short-lived line
objects freed on the flusher's thread made the appending thread page-fault fresh
memory on every few calls; reused buffers stay resident. Pages of an anonymous map
cost nothing until written.

Not thread-safe by itself: the event log holds its lock around every use.
"""

from __future__ import annotations

import mmap

BUFFER_BYTES = 4 << 20  # one buffer of the pending batch (at most a segment)
_SPARE_BUFFERS = 3  # written buffers kept for reuse


class Piece:
    """Part of the pending batch: complete lines in ``data[start:end]``; the flusher
    moves ``start`` on as it writes them."""

    __slots__ = ("data", "start", "end", "count")

    def __init__(self, data: mmap.mmap | bytes, end: int, count: int):
        self.data = data
        self.start = 0
        self.end = end
        self.count = count

    def lines(self) -> list[bytes]:
        return self.data[self.start : self.end].split(b"\n")[:-1]


class PendingBatch:
    """Full pieces waiting for the flusher, oldest first, then the buffer being filled."""

    def __init__(self, buffer_bytes: int) -> None:
        self.buffer_bytes = buffer_bytes
        self.pieces: list[Piece] = []
        self._buffer = mmap.mmap(-1, buffer_bytes)
        self._buffered = 0  # lines in _buffer
        self._spares: list[mmap.mmap] = []

    def add(self, line: bytes) -> bool:
        """Queue one line; True when that filled a buffer (time to wake the flusher)."""
        try:
            self._buffer.write(line)
            self._buffered += 1
            return False
        except ValueError:  # the buffer is full
            pass
        self.seal()
        if len(line) > self.buffer_bytes:  # a line longer than a buffer: a piece of its own
            self.pieces.append(Piece(line, len(line), 1))
        else:
            self._buffer.write(line)
            self._buffered = 1
        return True

    def seal(self) -> None:
        """Queue the buffer's lines as a piece and start an empty buffer."""
        if not self._buffered:
            return
        self.pieces.append(Piece(self._buffer, self._buffer.tell(), self._buffered))
        self._buffer = self._spares.pop() if self._spares else mmap.mmap(-1, self.buffer_bytes)
        self._buffered = 0

    def lines(self) -> list[bytes]:
        """Every pending line, oldest first."""
        pending: list[bytes] = []
        for piece in self.pieces:
            pending += piece.lines()
        if self._buffered:
            pending += self._buffer[: self._buffer.tell()].split(b"\n")[:-1]
        return pending

    def recycle(self, pieces: list[Piece]) -> None:
        """Drop the pieces that are fully written; keep a few buffers for reuse."""
        for piece in pieces:
            if piece.start < piece.end:
                continue
            self.pieces.remove(piece)
            if isinstance(piece.data, mmap.mmap):
                if len(self._spares) < _SPARE_BUFFERS:
                    piece.data.seek(0)
                    self._spares.append(piece.data)
                else:
                    piece.data.close()

    def discard(self) -> None:
        """Forget every pending line."""
        self.seal()
        pieces, self.pieces = self.pieces, []
        for piece in pieces:
            if isinstance(piece.data, mmap.mmap):
                piece.data.close()
