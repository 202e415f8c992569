"""The event history's files: segment names, the index, scanning a segment for its
complete records, the line offsets that find a record by its number, and opening
files private to this user whatever the umask."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from array import array
from collections import OrderedDict
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from kmstui.jsonlines import loads_line

INDEX_NAME = "index.json"
INDEX_FORMAT = 1
_SEGMENT_FILE = re.compile(r"^(\d{12})\.jsonl$")
_READ_BLOCK = 1 << 20
_OFFSET_CACHE_SEGMENTS = 8  # ~130 KB of line offsets per 16 MiB segment
_FLAGS = {
    "xb": os.O_WRONLY | os.O_CREAT | os.O_EXCL,
    "ab": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
    "wb": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
}

_log = logging.getLogger("kmstui.store.eventlog")


def segment_name(seq: int) -> str:
    """File name of segment number ``seq`` (numbers start at 1 and only grow)."""
    return f"{seq:012d}.jsonl"


@dataclass(frozen=True, slots=True)
class Segment:
    seq: int
    first: int  # how many events were ever appended before this segment's first one
    count: int  # complete records in the file
    size: int  # bytes holding those records; anything after them is a torn write


def open_private(path: Path, mode: Literal["xb", "ab", "wb"]) -> BinaryIO:
    """Open ``path`` for writing (``xb``, ``ab`` or ``wb``); a file it creates is 0600
    whatever the umask."""
    fd = os.open(path, _FLAGS[mode] | getattr(os, "O_CLOEXEC", 0), 0o600)
    return os.fdopen(fd, mode)


def list_segments(directory: Path) -> list[int]:
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return sorted(int(m.group(1)) for m in map(_SEGMENT_FILE.match, names) if m)


def read_index(directory: Path) -> list[Segment]:
    """The sealed segments named by ``index.json``; empty if it is missing or unreadable."""
    try:
        with open(directory / INDEX_NAME, "rb") as handle:
            body = json.loads(handle.read())
        if body.get("format") != INDEX_FORMAT:
            raise ValueError(f"unknown index format {body.get('format')!r}")
        segments = [Segment(*map(int, entry)) for entry in body["segments"]]
    except FileNotFoundError:
        return []
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # Written atomically, so this means someone edited it; recovery rescans the
        # segments instead (slower, but nothing is lost).
        _log.warning("ignoring unreadable %s: %s", directory / INDEX_NAME, exc)
        return []
    return sorted(segments, key=lambda segment: segment.seq)


def scan(path: Path, *, validate: bool = False, start: int = 0) -> tuple[int, int]:
    """Count complete lines from byte ``start``: returns (lines, bytes they take).

    With ``validate`` the count stops at the first line that is not a JSON object,
    which is how a crash's leftovers (a torn or zero-filled tail) are told apart.
    """
    count = size = 0
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return 0, 0
    with handle:
        handle.seek(start)
        carry = b""
        while block := handle.read(_READ_BLOCK):
            data = carry + block
            cut = data.rfind(b"\n") + 1
            carry = data[cut:]
            if not cut:
                continue
            for line in data[:cut].split(b"\n")[:-1]:
                if validate and not _is_record(line):
                    return count, size
                count += 1
                size += len(line) + 1
    return count, size


def _is_record(line: bytes) -> bool:
    if not line.startswith(b"{"):
        return False
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def read_lines(path: Path, size: int) -> list[bytes]:
    with open(path, "rb") as handle:
        data = handle.read(size)
    cut = data.rfind(b"\n") + 1
    return data[:cut].split(b"\n")[:-1]


def decode(lines: list[bytes] | tuple[bytes, ...]) -> list[dict]:
    records = []
    for line in lines:
        try:
            records.append(loads_line(line))
        except ValueError:  # a crash's leftovers; never part of the history
            continue
    return records


def stat_stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:  # e.g. held open on Windows: the next writer removes it
        _log.warning("could not remove old event segment %s: %s", path.name, exc)


class LineOffsets:
    """The byte offset of every line start of the segments read most recently (at most
    ``segments`` of them), each extended as its segment grows. Safe across threads."""

    def __init__(self, segments: int = _OFFSET_CACHE_SEGMENTS) -> None:
        self._segments = segments
        self._offsets: OrderedDict[int, tuple[int, array]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, path: Path, segment: Segment) -> array:
        """Offsets of ``segment``'s complete lines, from ``path``."""
        with self._lock:
            size, offsets = self._offsets.get(segment.seq, (0, array("q")))
        if size < segment.size:
            with open(path, "rb") as handle:
                handle.seek(size)
                data = handle.read(segment.size - size)
            offsets = array("q", offsets)
            position = data.find(b"\n")
            line_start = 0
            while position >= 0:
                offsets.append(size + line_start)
                line_start = position + 1
                position = data.find(b"\n", line_start)
            size += line_start
            with self._lock:
                self._offsets[segment.seq] = (size, offsets)
        with self._lock:
            if segment.seq in self._offsets:
                self._offsets.move_to_end(segment.seq)
            while len(self._offsets) > self._segments:
                self._offsets.popitem(last=False)
        return offsets

    def forget(self, seq: int) -> None:
        with self._lock:
            self._offsets.pop(seq, None)

    def keep_only(self, seqs: Container[int]) -> None:
        with self._lock:
            for seq in [seq for seq in self._offsets if seq not in seqs]:
                del self._offsets[seq]

    def clear(self) -> None:
        with self._lock:
            self._offsets.clear()
