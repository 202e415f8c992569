"""An encrypted block device: a sparse backing file that holds only XTS ciphertext.

Byte ``o`` of the device lives in data unit ``o // 4096``, encrypted with that unit
number as its tweak (see :mod:`kmstui.ebs.xts`), at the same offset in the file.
A unit never written is a hole in the file: all-zero ciphertext, which reads as
zeros. Reads and writes at any offset and length are turned into whole units;
a write that covers part of a unit decrypts the unit, patches it and encrypts it
again. Plaintext is only ever held in memory.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

from kmstui.ebs.backing import allocation
from kmstui.ebs.scratch import ScratchBuffer
from kmstui.ebs.sparse import punch_hole
from kmstui.ebs.xts import XtsCipher

__all__ = ["EncryptedBlockDevice"]

UNIT = XtsCipher.UNIT
_ZERO_BLOCK = bytes(16)
_ZERO_UNIT = bytes(UNIT)


class EncryptedBlockDevice:
    """A device of ``size_bytes`` bytes stored encrypted in the file at ``path``.

    ``create=True`` makes a new sparse file (an existing file is never replaced);
    otherwise the file must exist and is extended to ``size_bytes`` if shorter.
    Every method may be called from several threads: a lock per device keeps a
    read-modify-write whole.
    """

    def __init__(self, path, size_bytes: int, cipher: XtsCipher, *, create: bool = False):
        if not isinstance(size_bytes, int) or size_bytes <= 0 or size_bytes % UNIT:
            raise ValueError(f"device size must be a positive multiple of {UNIT}: {size_bytes!r}")
        self.path = os.fspath(path)
        self.size = size_bytes
        self._cipher = cipher
        self._lock = threading.RLock()
        # Reused under the lock: fresh large buffers per request cost more than the I/O.
        self._plain = ScratchBuffer()
        self._cipher_text = ScratchBuffer()
        flags = os.O_RDWR | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
        if create:
            flags |= os.O_CREAT | os.O_EXCL
        self._fd: int | None = os.open(self.path, flags, 0o600)
        try:
            current = os.fstat(self._fd).st_size
            if current > size_bytes:
                raise ValueError(
                    f"backing file {self.path} holds {current} bytes, more than the "
                    f"device size {size_bytes}"
                )
            if current < size_bytes:
                os.ftruncate(self._fd, size_bytes)  # extends with a hole
        except BaseException:
            os.close(self._fd)
            self._fd = None
            raise

    # -- context manager -----------------------------------------------------------------

    def __enter__(self) -> EncryptedBlockDevice:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._fd is None

    # -- I/O -----------------------------------------------------------------------------

    def read(self, offset: int, length: int) -> bytes:
        """Read ``length`` plaintext bytes at ``offset`` (any alignment)."""
        return self.readv([(offset, length)])[0]

    def write(self, offset: int, data) -> None:
        """Write ``data`` at ``offset`` (any alignment; partial units keep their neighbours)."""
        self.writev([(offset, data)])

    def readv(self, requests: Sequence[tuple[int, int]]) -> list[bytes]:
        """Read several ``(offset, length)`` ranges, decrypting all their units in one batch."""
        spans = [self._span(offset, length) for offset, length in requests]
        units = _units_of(spans)
        results = []
        with self._lock:
            fd = self._require_open()
            plain = self._plain.view(len(units) * UNIT)
            self._read_plain(fd, units, spans, plain)
            position = 0
            for (offset, length), (first, last) in zip(requests, spans, strict=True):
                start = position + offset - first * UNIT
                results.append(bytes(plain[start : start + length]))
                position += (last - first) * UNIT
        return results

    def writev(self, requests: Sequence[tuple[int, bytes]]) -> None:
        """Write several ``(offset, data)`` ranges in order (a later one wins where they
        overlap), encrypting all the units they touch in one batch."""
        spans = [self._span(offset, len(data)) for offset, data in requests]
        with self._lock:
            fd = self._require_open()
            self._write_locked(fd, requests, spans)

    def trim(self, offset: int, length: int) -> None:
        """Discard a range: whole units in it become never-written (they read as zeros);
        the partial units at its edges have the covered bytes zeroed."""
        first, last = self._span(offset, length)
        if first == last:
            return
        end = offset + length
        whole_first = -(-offset // UNIT)
        whole_last = end // UNIT
        with self._lock:
            fd = self._require_open()
            if whole_first >= whole_last:  # inside one unit, or across one boundary only
                self._write_locked(fd, [(offset, bytes(length))], [(first, last)])
                return
            edges = []
            if offset < whole_first * UNIT:
                edges.append((offset, bytes(whole_first * UNIT - offset)))
            if end > whole_last * UNIT:
                edges.append((whole_last * UNIT, bytes(end - whole_last * UNIT)))
            if edges:
                self._write_locked(fd, edges, [self._span(o, len(d)) for o, d in edges])
            hole_offset, hole_length = whole_first * UNIT, (whole_last - whole_first) * UNIT
            if not punch_hole(fd, hole_offset, hole_length):
                self._write_zeros(fd, hole_offset, hole_length)

    def allocation(self, offset: int, length: int) -> list[tuple[int, bool]]:
        """The range as runs of ``(length, is_hole)``: a hole is a run of units never
        written (or trimmed), which read as zeros."""
        self._span(offset, length)
        with self._lock:
            return allocation(self._require_open(), offset, length)

    def flush(self) -> None:
        """Make written data durable (``fsync`` of the backing file)."""
        with self._lock:
            os.fsync(self._require_open())

    def close(self) -> None:
        """Close the backing file. The cipher is the caller's to wipe. Idempotent."""
        with self._lock:
            if self._fd is not None:
                fd, self._fd = self._fd, None
                os.close(fd)
                self._plain.clear()

    # -- internals -----------------------------------------------------------------------

    def _require_open(self) -> int:
        if self._fd is None:
            raise ValueError(f"block device {self.path} is closed")
        return self._fd

    def _span(self, offset: int, length: int) -> tuple[int, int]:
        """Check a range against the device and return its units ``[first, last)``."""
        if not isinstance(offset, int) or not isinstance(length, int):
            raise TypeError("offset and length must be integers")
        if offset < 0 or length < 0 or offset + length > self.size:
            raise ValueError(
                f"I/O range [{offset}, {offset + length}) is outside the device [0, {self.size})"
            )
        if length == 0:
            return offset // UNIT, offset // UNIT
        return offset // UNIT, (offset + length - 1) // UNIT + 1

    def _read_cipher(self, fd: int, spans: Sequence[tuple[int, int]], view: memoryview) -> None:
        """Read the ciphertext of each span into ``view``, back to back."""
        position = 0
        for first, last in spans:
            size = (last - first) * UNIT
            if size:
                got = os.preadv(fd, [view[position : position + size]], first * UNIT)
                if got != size:  # only if the file was shortened under us
                    view[position + got : position + size] = bytes(size - got)
                position += size

    def _read_plain(self, fd: int, units: Sequence[int], spans, plain) -> None:
        """Read the ciphertext of ``units`` (the units of ``spans``, in order) into
        ``plain`` and decrypt it there, in place (one buffer stays in cache better than
        two); never-written units read as zeros."""
        self._read_cipher(fd, spans, plain)
        holes = _holes(plain)
        if len(holes) < len(units):
            self._cipher.decrypt_units_into(units, plain, plain)
        for i in holes:
            plain[i * UNIT : (i + 1) * UNIT] = _ZERO_UNIT

    def _write_locked(self, fd: int, requests, spans) -> None:
        if len(requests) == 1:
            (offset, data), (first, last) = requests[0], spans[0]
            if offset % UNIT == 0 and len(data) % UNIT == 0:  # whole units: no copy needed
                if data:
                    cipher_text = self._cipher_text.view(len(data))
                    self._cipher.encrypt_units_into(range(first, last), data, cipher_text)
                    os.pwrite(fd, cipher_text, offset)
                return
            units: Sequence[int] = range(first, last)
        elif self._write_whole_units(fd, requests, spans):
            return
        else:
            units = sorted(set(_units_of(spans)))
        if not units:
            return
        slot = {unit: i for i, unit in enumerate(units)}
        plain = self._plain.view(len(units) * UNIT)
        # Units written only in part start from what they hold now.
        partial = set()
        for (offset, data), (first, last) in zip(requests, spans, strict=True):
            if offset % UNIT:
                partial.add(first)
            if (offset + len(data)) % UNIT and last > first:
                partial.add(last - 1)
        if partial:
            needed = sorted(partial)
            old = memoryview(bytearray(len(needed) * UNIT))
            spans_needed = [(unit, unit + 1) for unit in needed]
            self._read_plain(fd, needed, spans_needed, old)
            for i, unit in enumerate(needed):
                at = slot[unit] * UNIT
                plain[at : at + UNIT] = old[i * UNIT : (i + 1) * UNIT]
        # Every unit of a request is in the batch, so its units have consecutive slots.
        for (offset, data), (first, last) in zip(requests, spans, strict=True):
            if last > first:
                start = slot[first] * UNIT + offset - first * UNIT
                plain[start : start + len(data)] = data
        cipher_text = self._cipher_text.view(len(plain))
        self._cipher.encrypt_units_into(units, plain, cipher_text)
        start = 0
        for end in range(1, len(units) + 1):
            if end == len(units) or units[end] != units[end - 1] + 1:
                os.pwrite(fd, cipher_text[start * UNIT : end * UNIT], units[start] * UNIT)
                start = end

    def _write_whole_units(self, fd: int, requests, spans) -> bool:
        """Several requests of whole, aligned units, no unit written twice (the usual
        batch): one copy into the plaintext buffer, one encryption, one ``pwrite`` per
        request. Returns False, having written nothing, for any other batch."""
        units: list[int] = []
        for offset, data in requests:
            if offset % UNIT or len(data) % UNIT:
                return False
        for first, last in spans:
            units.extend(range(first, last))
        if len(set(units)) != len(units):
            return False
        if not units:
            return True
        plain = self._plain.view(len(units) * UNIT)
        position = 0
        for _, data in requests:
            size = len(data)
            plain[position : position + size] = data
            position += size
        cipher_text = self._cipher_text.view(len(plain))
        self._cipher.encrypt_units_into(units, plain, cipher_text)
        position = 0
        for offset, data in requests:
            size = len(data)
            if size:
                os.pwrite(fd, cipher_text[position : position + size], offset)
                position += size
        return True

    def _write_zeros(self, fd: int, offset: int, length: int) -> None:
        zeros = bytes(min(length, 1 << 20))
        while length:
            count = min(length, len(zeros))
            os.pwrite(fd, zeros[:count], offset)
            offset += count
            length -= count


def _units_of(spans: Sequence[tuple[int, int]]) -> Sequence[int]:
    """The units of ``spans`` in order (a ``range`` when there is one span)."""
    if len(spans) == 1:
        return range(*spans[0])
    units: list[int] = []
    for first, last in spans:
        units.extend(range(first, last))
    return units


def _holes(cipher_text) -> list[int]:
    """Indexes of all-zero units. A real ciphertext block is zero with chance 2^-128,
    so only units whose first block is zero are checked in full."""
    count = len(cipher_text) // UNIT
    if count == 1:
        if cipher_text[:16] != _ZERO_BLOCK:
            return []
        candidates = [0]
    else:
        words = np.frombuffer(cipher_text, np.uint64).reshape(count, UNIT // 8)
        candidates = np.flatnonzero((words[:, 0] | words[:, 1]) == 0).tolist()
    return [i for i in candidates if cipher_text[i * UNIT : (i + 1) * UNIT] == _ZERO_UNIT]
