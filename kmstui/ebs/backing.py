"""Backing files of volumes and snapshots: sparse creation, sparse copies, copies
re-encrypted under another data key, and the device of an unencrypted volume.

Encrypted files hold only XTS ciphertext; a never-written unit is a hole (all
zeros) and stays one in every copy. Plaintext exists only in memory buffers that
are zeroed when a copy finishes.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from kmstui.ebs.xts import XtsCipher

UNIT = XtsCipher.UNIT
CHUNK = 1 << 20  # copy in 1 MiB pieces (whole units)
_ZERO_CHUNK = bytes(CHUNK)


def create_sparse(path: Path, size_bytes: int) -> None:
    """A new file of ``size_bytes`` that is all hole (refuses to replace a file)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        os.ftruncate(fd, size_bytes)
    finally:
        os.close(fd)


def remove(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def data_extents(fd: int, size: int) -> Iterator[tuple[int, int]]:
    """``(offset, length)`` of the regions that may hold data; holes are skipped where
    the file system reports them (SEEK_DATA / SEEK_HOLE), else the whole file."""
    if not hasattr(os, "SEEK_DATA"):
        yield 0, size
        return
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # only a hole remains
                return
            yield offset, size - offset
            return
        end = min(size, os.lseek(fd, start, os.SEEK_HOLE))
        yield start, end - start
        offset = end


def allocation(fd: int, offset: int, length: int) -> list[tuple[int, bool]]:
    """``[offset, offset + length)`` as runs of ``(length, is_hole)``, from SEEK_DATA /
    SEEK_HOLE (a file system that cannot tell reports one run of data). A hole reads
    as zeros."""
    end = offset + length
    if not hasattr(os, "SEEK_DATA"):
        return [(length, False)] if length else []
    runs: list[tuple[int, bool]] = []
    position = offset
    while position < end:
        try:
            data = min(end, os.lseek(fd, position, os.SEEK_DATA))
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: nothing but a hole from here on
                runs.append((end - position, False))
                break
            data = end
        if data > position:
            runs.append((data - position, True))
            position = data
            continue
        hole = min(end, os.lseek(fd, position, os.SEEK_HOLE))
        runs.append((hole - position, False))
        position = hole
    return runs


def _chunks(fd: int, size: int) -> Iterator[tuple[int, int]]:
    for start, length in data_extents(fd, size):
        first = start - start % UNIT
        stop = min(size, -(-(start + length) // UNIT) * UNIT)
        for offset in range(first, stop, CHUNK):
            yield offset, min(CHUNK, stop - offset)


def copy_file(
    source: Path,
    target: Path,
    size_bytes: int,
    *,
    decrypt: XtsCipher | None = None,
    encrypt: XtsCipher | None = None,
) -> None:
    """Copy ``source`` to a new sparse ``target`` of ``size_bytes``.

    With neither cipher the bytes are copied as they are (a snapshot). With
    ``decrypt`` and/or ``encrypt`` each unit is decrypted with the first and/or
    encrypted with the second (a copy under a new data key, or an unencrypted
    volume becoming an encrypted one). All-zero units are holes and stay holes.
    """
    source_size = os.path.getsize(source)
    create_sparse(target, size_bytes)
    plain = bytearray(CHUNK) if (decrypt or encrypt) else None
    out = bytearray(CHUNK) if (decrypt or encrypt) else None
    try:
        with open(source, "rb", buffering=0) as reader, open(target, "r+b", buffering=0) as writer:
            for offset, length in _chunks(reader.fileno(), min(source_size, size_bytes)):
                data = os.pread(reader.fileno(), length, offset)
                if len(data) < length:
                    data += bytes(length - len(data))
                if data.count(0) == len(data):  # a hole, or never-written units
                    continue
                if plain is None or out is None:  # both or neither
                    os.pwrite(writer.fileno(), data, offset)
                    continue
                _transform(data, offset, length, decrypt, encrypt, plain, out)
                _write_units(writer.fileno(), data, out, offset, length)
            os.fsync(writer.fileno())
    except BaseException:
        remove(target)
        raise
    finally:
        for buffer in (plain, out):
            if buffer is not None:
                buffer[:] = bytes(len(buffer))


def _transform(data: bytes, offset: int, length: int, decrypt, encrypt, plain, out) -> None:
    units = range(offset // UNIT, (offset + length) // UNIT)
    plain_view = memoryview(plain)[:length]
    if decrypt is not None:
        decrypt.decrypt_units_into(units, data, plain_view)
    else:
        plain_view[:] = data
    if encrypt is not None:
        encrypt.encrypt_units_into(units, plain_view, memoryview(out)[:length])
    else:
        memoryview(out)[:length] = plain_view


def _write_units(fd: int, source: bytes, out: bytearray, offset: int, length: int) -> None:
    """Write the transformed units whose source was not a hole (all-zero unit)."""
    zero = _ZERO_CHUNK[:UNIT]
    run_start = None
    for position in range(0, length + UNIT, UNIT):
        keep = position < length and source[position : position + UNIT] != zero
        if keep and run_start is None:
            run_start = position
        elif not keep and run_start is not None:
            os.pwrite(fd, memoryview(out)[run_start:position], offset + run_start)
            run_start = None


class PlainBlockDevice:
    """The device of an unencrypted volume: the same interface as
    :class:`~kmstui.ebs.blockdevice.EncryptedBlockDevice`, bytes stored as given."""

    def __init__(self, path, size_bytes: int):
        self.path = os.fspath(path)
        self.size = size_bytes
        self._lock = threading.RLock()
        self._fd: int | None = os.open(self.path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))

    @property
    def closed(self) -> bool:
        return self._fd is None

    def _check(self, offset: int, length: int) -> int:
        if self._fd is None:
            raise ValueError(f"block device {self.path} is closed")
        if offset < 0 or length < 0 or offset + length > self.size:
            raise ValueError(
                f"I/O range [{offset}, {offset + length}) is outside the device [0, {self.size})"
            )
        return self._fd

    def read(self, offset: int, length: int) -> bytes:
        return self.readv([(offset, length)])[0]

    def write(self, offset: int, data) -> None:
        self.writev([(offset, data)])

    def readv(self, requests: Sequence[tuple[int, int]]) -> list[bytes]:
        with self._lock:
            out = []
            for offset, length in requests:
                data = os.pread(self._check(offset, length), length, offset)
                out.append(data + bytes(length - len(data)))
            return out

    def writev(self, requests: Sequence[tuple[int, bytes]]) -> None:
        with self._lock:
            for offset, data in requests:
                os.pwrite(self._check(offset, len(data)), data, offset)

    def trim(self, offset: int, length: int) -> None:
        self.write(offset, bytes(length))

    def allocation(self, offset: int, length: int) -> list[tuple[int, bool]]:
        """``(length, is_hole)`` runs of a range (see :func:`allocation`)."""
        with self._lock:
            return allocation(self._check(offset, length), offset, length)

    def flush(self) -> None:
        with self._lock:
            os.fsync(self._check(0, 0))

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                fd, self._fd = self._fd, None
                os.close(fd)
