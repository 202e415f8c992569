"""Verifying a volume's data: write a known pattern, read it back, report mismatches.

Two patterns. A byte repeated (``0xab``), as ``qemu-io -P`` writes, so data written by
another tool over NBD can be checked here. Or, by default, every 512-byte sector stamped
with its own offset, so a write that landed in the wrong place is caught too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SECTOR = 512
CHUNK = 4 * 1024 * 1024
_STAMP_TAIL = b"kmstui-v"


@dataclass(frozen=True)
class VerifyResult:
    offset: int
    length: int
    written: bool
    mismatched_bytes: int
    first_mismatch: int | None  # the device offset of the first wrong byte

    @property
    def ok(self) -> bool:
        return self.mismatched_bytes == 0

    def to_json(self) -> dict:
        return {
            "Offset": self.offset,
            "Length": self.length,
            "Written": self.written,
            "MismatchedBytes": self.mismatched_bytes,
            "FirstMismatch": self.first_mismatch,
        }


def parse_pattern(text: str | None) -> int | None:
    """``None`` or "offset" for the offset stamp; else a byte, e.g. ``0xab`` or ``171``."""
    if text is None or text == "offset":
        return None
    try:
        value = int(text, 0)
    except ValueError:
        value = -1
    if not 0 <= value <= 255:
        raise ValueError(f"--pattern must be a byte (0-255, e.g. 0xab) or 'offset': {text!r}")
    return value


def expected(pattern: int | None, offset: int, length: int) -> bytes:
    """What ``[offset, offset + length)`` holds once the pattern was written over it."""
    if pattern is not None:
        return bytes([pattern]) * length
    first = offset - offset % SECTOR
    stop = -(-(offset + length) // SECTOR) * SECTOR
    stamps = b"".join(
        (sector.to_bytes(8, "big") + _STAMP_TAIL) * (SECTOR // 16)
        for sector in range(first, stop, SECTOR)
    )
    return stamps[offset - first : offset - first + length]


def verify(
    device, offset: int, length: int, *, pattern: int | None = None, write: bool = True
) -> VerifyResult:
    """Write the pattern over the range (unless ``write`` is false), make it durable,
    then read the range back and count the bytes that differ."""
    if offset < 0 or length <= 0 or offset + length > device.size:
        raise ValueError(
            f"the range [{offset}, {offset + length}) is outside the volume [0, {device.size})"
        )
    if write:
        for start in range(offset, offset + length, CHUNK):
            size = min(CHUNK, offset + length - start)
            device.write(start, expected(pattern, start, size))
        device.flush()
    mismatched, first = 0, None
    for start in range(offset, offset + length, CHUNK):
        size = min(CHUNK, offset + length - start)
        got, want = device.read(start, size), expected(pattern, start, size)
        if got != want:
            wrong = np.frombuffer(got, np.uint8) != np.frombuffer(want, np.uint8)
            mismatched += int(np.count_nonzero(wrong))
            if first is None:
                first = start + int(np.argmax(wrong))
    return VerifyResult(offset, length, write, mismatched, first)
