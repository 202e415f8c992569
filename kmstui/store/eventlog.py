"""The persistent event history: append-only JSON-lines segments with a retention bound.

Every KMS call produces one CloudTrail-shaped record (docs/architecture.md, "Events").
A single TinyDB file would be rewritten on every write, so the history lives in a
directory of segment files instead::

    events/
        index.json            sealed segments: [seq, first, count, size] each
        000000000001.jsonl    one compact JSON record per line
        000000000002.jsonl    ... the newest file is the one being appended to
        .writer.lock          held by the one process that writes

Why it is shaped this way:

* ``append`` only serialises into an in-memory batch; a background thread (or an
  explicit ``flush``) writes the batch to the newest segment with one write, flush
  and ``fsync``. Nothing it does depends on how much history exists, so appending
  costs the same with ten events stored as with a million.
* The batch is a few reused buffers (anonymous memory maps), not one object per
  line: lines are copied into the current buffer, a full buffer wakes the flusher,
  and a written buffer is rewound for reuse. Thousands of short-lived line objects
  freed on the flusher's thread made the appending thread page-fault fresh memory
  on every few calls; reused buffers stay resident.
* A segment is sealed once it passes ``segment_bytes``; its record count and the
  byte length holding those records go into ``index.json``, which is replaced
  atomically (temporary file, fsync, ``os.replace``). Opening the log reads the
  index and scans only the segments after it (normally just the newest), never the
  whole history.
* A crash mid-write can leave a torn last line. Readers never return a line without
  its newline, and a reopening writer seals the damaged segment at its last good
  record and starts a new file, so nothing is ever appended onto a torn line and
  nothing flushed before the crash is touched.
* Retention drops whole segments, oldest first, and only once every event in them
  is older than the newest ``retention`` events. So after a flush the log holds at
  least ``retention`` events (once it has seen that many) and at most ``retention``
  plus the size of the oldest segment, minus one; between flushes the pending batch
  comes on top. Disk use is therefore bounded by roughly ``retention`` records plus
  one segment.

Another process (``kmstui events --follow`` while a console owns the data
directory) reads the same directory through :meth:`EventLog.open_readonly`, which
takes no lock and writes nothing. The log stores records exactly as given; the
engine strips secrets before it appends.
"""

from __future__ import annotations

import bisect
import json
import logging
import mmap
import os
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import filelock

from kmstui.jsonlines import dumps_line
from kmstui.paths import make_private_dir
from kmstui.store.segments import (
    INDEX_FORMAT,
    INDEX_NAME,
    Segment,
    decode,
    list_segments,
    open_private,
    read_index,
    read_lines,
    scan,
    segment_name,
    stat_stamp,
    unlink_quietly,
)

__all__ = ["EventLog", "EventLogBusy", "EventLogError", "INDEX_NAME", "segment_name"]

LOCK_NAME = ".writer.lock"
_OFFSET_CACHE_SEGMENTS = 8  # ~130 KB of line offsets per 16 MiB segment
_BUFFER_BYTES = 4 << 20  # one buffer of the pending batch (at most a segment)
_SPARE_BUFFERS = 3  # written buffers kept for reuse

_log = logging.getLogger(__name__)


class EventLogError(Exception):
    """The event history cannot do what was asked (closed, read-only, unreadable)."""


class EventLogBusy(EventLogError):
    """Another EventLog already writes to this directory."""


class _Piece:
    """Part of the pending batch: complete lines in ``data[start:end]``."""

    __slots__ = ("data", "start", "end", "count")

    def __init__(self, data: mmap.mmap | bytes, end: int, count: int):
        self.data = data
        self.start = 0
        self.end = end
        self.count = count

    def lines(self) -> list[bytes]:
        return self.data[self.start : self.end].split(b"\n")[:-1]


@dataclass(frozen=True, slots=True)
class _View:
    """A consistent snapshot: segments on disk (oldest first) plus the pending batch."""

    segments: tuple[Segment, ...]
    starts: tuple[int, ...]  # index of each segment's first record, 0 = oldest retained
    stored: int
    pending: tuple[bytes, ...]

    @property
    def total(self) -> int:
        return self.stored + len(self.pending)


class EventLog:
    """Append-only, crash-safe, size-bounded event history in ``directory``.

    ``directory`` is the events directory itself (e.g. ``<data dir>/events``); it is
    created if missing. One process writes; any number may read with
    :meth:`open_readonly`.
    """

    def __init__(
        self,
        directory: Path,
        *,
        segment_bytes: int = 16 * 1024 * 1024,
        retention: int = 1_000_000,
        flush_interval: float = 0.5,
        sync: bool = True,
    ) -> None:
        if segment_bytes < 1:
            raise ValueError("segment_bytes must be positive")
        if retention < 1:
            raise ValueError("retention must be at least 1")
        if flush_interval <= 0:
            raise ValueError("flush_interval must be positive")
        self._setup(Path(directory), readonly=False)
        self.segment_bytes = segment_bytes
        self.retention = retention
        self.flush_interval = flush_interval
        self.sync = sync
        # A buffer holds at most a segment, so a burst of a segment's worth of events
        # wakes the flusher. Pages of an anonymous map cost nothing until written.
        self._buffer_bytes = min(_BUFFER_BYTES, segment_bytes)
        self._buffer = mmap.mmap(-1, self._buffer_bytes)
        make_private_dir(self._directory)
        self._lock_file = filelock.FileLock(
            str(self._directory / LOCK_NAME), timeout=0, thread_local=False, mode=0o600
        )
        try:
            self._lock_file.acquire()
        except filelock.Timeout:
            raise EventLogBusy(f"{self._directory} is already open for writing") from None
        try:
            self._open_for_append()
        except BaseException:
            self._lock_file.release()
            raise

    @classmethod
    def open_readonly(cls, directory: Path) -> EventLog:
        """A reader for a directory another process may be writing. Takes no lock.

        Every read refreshes from disk (index, directory listing and only the new
        bytes of the newest segments), so it sees what the writer has flushed.
        """
        reader = cls.__new__(cls)
        reader._setup(Path(directory), readonly=True)
        return reader

    def _setup(self, directory: Path, *, readonly: bool) -> None:
        self._directory = directory
        self._readonly = readonly
        self._closed = False
        # _lock is held only for moments: the pending batch, the counters and the list
        # of segments. _io_lock serialises the slow part (a flush's writes and fsyncs,
        # a reader's refresh), so appends and reads never wait for the disk.
        self._lock = threading.Lock()
        self._io_lock = threading.Lock()
        # The pending batch: full pieces waiting for the flusher, oldest first, then
        # the buffer being filled (``_buffered`` lines so far).
        self._pieces: list[_Piece] = []
        self._buffer: Any = None  # a writer's mmap of _buffer_bytes (set in __init__)
        self._buffered = 0
        self._spares: list[mmap.mmap] = []
        self._sealed: list[Segment] = []
        self._current: Segment | None = None
        self._file: Any = None
        self._total = 0
        self._stored = 0
        self._starts: tuple[tuple[int, ...], int] | None = None  # per sealed segment, total
        self._offsets: OrderedDict[int, tuple[int, array]] = OrderedDict()
        self._offsets_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.last_error: BaseException | None = None
        # reader only: what was learnt about segments the index does not cover yet
        self._index: list[Segment] = []
        self._index_stamp: tuple[int, int, int] | None = None
        self._scanned: dict[int, tuple[int, int]] = {}

    # ------------------------------------------------------------------ writing

    def append(self, record: dict) -> None:
        """Queue ``record`` for the next flush. Never touches the disk.

        The record is serialised now, so later changes to the dict are not recorded.
        Without :meth:`start` nothing is written until :meth:`flush` or :meth:`close`.
        """
        self.append_line(dumps_line(record))

    def append_line(self, line: bytes) -> None:
        """Queue one record already encoded as a JSON line (one JSON object, no newline
        inside, ending in a newline): what :meth:`append` does after serialising."""
        if self._readonly or self._closed:
            self._check_writable()
        lock = self._lock
        lock.acquire()  # not `with`: on this path its protocol costs more than the lock
        try:
            try:
                self._buffer.write(line)
                self._buffered += 1
            except ValueError:  # the buffer is full
                self._start_buffer(line)
            self._total += 1
        finally:
            lock.release()

    def _start_buffer(self, line: bytes) -> None:
        """Queue the full buffer as a piece and continue in another (under _lock). A
        line longer than a whole buffer becomes a piece of its own."""
        self._seal_buffer()
        if len(line) > self._buffer_bytes:
            self._pieces.append(_Piece(line, len(line), 1))
        else:
            self._buffer.write(line)
            self._buffered = 1
        if not self._wake.is_set():
            # let the flusher run now rather than hold a burst in memory
            self._wake.set()

    def _seal_buffer(self) -> None:
        """Queue the buffer's lines as a piece and start an empty buffer (under _lock)."""
        if not self._buffered:
            return
        self._pieces.append(_Piece(self._buffer, self._buffer.tell(), self._buffered))
        self._buffer = self._spares.pop() if self._spares else mmap.mmap(-1, self._buffer_bytes)
        self._buffered = 0

    def flush(self) -> None:
        """Write the pending batch to disk, rotating and applying retention as needed.

        Each write fills the newest segment's room, the line that crosses it included
        (at least one line), and is followed by one ``fsync``. Lines leave the pending
        batch only once they are in the file, so readers never miss them mid-flush,
        and after a failed write (disk full) they stay queued.
        """
        self._check_writable()
        with self._io_lock:
            with self._lock:
                self._seal_buffer()
                pieces = list(self._pieces)
            try:
                spans: list[tuple[_Piece, int, int, int]] = []  # piece, start, end, lines
                size = 0
                for piece in pieces:
                    start, left = piece.start, piece.count
                    while start < piece.end:
                        assert self._current is not None
                        room = self.segment_bytes - self._current.size - size
                        if piece.end - start < room:  # the rest fits with room to spare
                            spans.append((piece, start, piece.end, left))
                            size += piece.end - start
                            break
                        end = piece.data.find(b"\n", start + max(room, 1) - 1, piece.end) + 1
                        lines = left if end == piece.end else piece.data[start:end].count(b"\n")
                        spans.append((piece, start, end, lines))
                        self._write_spans(spans, size + end - start)
                        spans, size = [], 0
                        start, left = end, left - lines
                        if self._current.size >= self.segment_bytes:
                            self._rotate()
                if spans:
                    self._write_spans(spans, size)
            finally:
                self._recycle(pieces)
            self._apply_retention()

    def _write_spans(self, spans: list[tuple[_Piece, int, int, int]], nbytes: int) -> None:
        """Append the spans' lines to the newest segment with one flush and fsync."""
        current = self._current
        assert current is not None
        if self._file is None:  # a previous failure closed it
            self._file = open_private(self._segment_path(current.seq), "ab")
        try:
            for piece, start, end, _lines in spans:
                with memoryview(piece.data) as view:
                    self._file.write(view[start:end])
            self._file.flush()
            if self.sync:
                os.fsync(self._file.fileno())
        except BaseException:
            # Cut off whatever part of the chunk reached the file so the retry starts
            # on a clean line boundary; the lines are still pending.
            file, self._file = self._file, None
            try:
                file.close()
            except OSError:
                pass
            try:
                os.truncate(self._segment_path(current.seq), current.size)
            except OSError:
                pass
            raise
        count = sum(span[3] for span in spans)
        with self._lock:
            self._current = replace(
                current, count=current.count + count, size=current.size + nbytes
            )
            self._stored += count
            for piece, _start, end, lines in spans:
                piece.start = end
                piece.count -= lines

    def _recycle(self, pieces: list[_Piece]) -> None:
        """Drop the pieces that are fully written; keep a few buffers for reuse."""
        with self._lock:
            for piece in pieces:
                if piece.start < piece.end:
                    continue
                self._pieces.remove(piece)
                if isinstance(piece.data, mmap.mmap):
                    if len(self._spares) < _SPARE_BUFFERS:
                        piece.data.seek(0)
                        self._spares.append(piece.data)
                    else:
                        piece.data.close()

    def start(self) -> EventLog:
        """Start the background thread that flushes every ``flush_interval`` seconds."""
        self._check_writable()
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._flush_periodically, name="kmstui-eventlog", daemon=True
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop the flusher, write what is pending and release the directory."""
        if self._closed:
            return
        if self._readonly:
            self._closed = True
            return
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            self._wake.set()
            thread.join()
        try:
            self.flush()
        finally:
            self._closed = True
            with self._io_lock:
                if self._file is not None:
                    self._file.close()
                    self._file = None
            self._lock_file.release()

    def __enter__(self) -> EventLog:
        if not self._readonly:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def directory(self) -> Path:
        return self._directory

    @property
    def readonly(self) -> bool:
        return self._readonly

    @property
    def dropped(self) -> int:
        """Events removed by retention so far: index 0 is event number ``dropped``.

        A view that scrolls through :meth:`page` can keep its place when retention
        drops a segment by remembering ``dropped + index``.
        """
        view = self._view()
        return view.segments[0].first if view.segments else 0

    @property
    def pending(self) -> int:
        """Events appended but not yet written to disk."""
        with self._lock:
            return self._total - self._stored

    def __len__(self) -> int:
        if self._readonly:
            return self._view().total
        return self._total

    def _check_writable(self) -> None:
        if self._readonly:
            raise EventLogError("this event log was opened read-only")
        if self._closed:
            raise EventLogError("this event log is closed")

    def _flush_periodically(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.flush()
                self.last_error = None
            except Exception as exc:  # keep the batch and try again next interval
                if self.last_error is None:
                    _log.warning("event log flush to %s failed: %s", self._directory, exc)
                self.last_error = exc

    def _open_for_append(self) -> None:
        """Recover counters from the index and the newest segment(s), then open for append."""
        index = read_index(self._directory)
        seqs = list_segments(self._directory)
        present = set(seqs)
        indexed = {segment.seq for segment in index}
        last_indexed = max(indexed, default=0)
        sealed = []
        for segment in index:
            if segment.seq not in present:
                continue  # removed by hand: forget it
            path = self._segment_path(segment.seq)
            if os.stat(path).st_size < segment.size:
                # only possible with sync=False: the index outlived segment data
                count, size = scan(path, validate=True)
                segment = replace(segment, count=count, size=size)
            sealed.append(segment)
        # Files older than the index's newest segment but not in it were dropped by
        # retention and not yet deleted when the last writer stopped.
        for seq in seqs:
            if seq not in indexed and seq < last_indexed:
                unlink_quietly(self._segment_path(seq))
        next_first = index[-1].first + index[-1].count if index else 0
        current = None
        for seq in (seq for seq in seqs if seq > last_indexed):
            path = self._segment_path(seq)
            if current is not None:
                sealed.append(current)
            count, size = scan(path, validate=True)
            current = Segment(seq, next_first, count, size)
            next_first += count
            if size != os.stat(path).st_size:  # a torn tail: never append after it
                sealed.append(current)
                current = None
        if current is not None and current.size >= self.segment_bytes:
            sealed.append(current)
            current = None
        if sealed != index:
            self._write_index(sealed)
        self._sealed = sealed
        self._stored = sum(segment.count for segment in sealed)
        if current is None:
            seq = max([*present, *indexed, 0]) + 1
            current = Segment(seq, next_first, 0, 0)
            self._file = open_private(self._segment_path(seq), "xb")  # held open for appends
            self._sync_directory()
        else:
            self._file = open_private(self._segment_path(current.seq), "ab")
        self._current = current
        self._stored += current.count
        self._total = self._stored
        self._apply_retention()

    def clear(self) -> None:
        """Forget every event, written and pending, as if retention had dropped them
        all: the index is emptied first (a crash then leaves only orphan files, which
        the next open deletes), then the segments; numbering goes on after them."""
        self._check_writable()
        with self._io_lock:
            self._write_index([])
            with self._lock:
                self._seal_buffer()
                pieces, self._pieces = self._pieces, []
                current = self._current
                assert current is not None
                ever = self._dropped() + self._total
                dropped = [*self._sealed, current]
                self._sealed = []
                self._current = Segment(current.seq + 1, ever, 0, 0)
                self._total = self._stored = 0
                self._starts = None
            for piece in pieces:
                if isinstance(piece.data, mmap.mmap):
                    piece.data.close()
            if self._file is not None:
                self._file.close()
                self._file = None
            for segment in dropped:
                unlink_quietly(self._segment_path(segment.seq))
            with self._offsets_lock:
                self._offsets.clear()
            self._file = open_private(self._segment_path(self._current.seq), "xb")
            self._sync_directory()

    def _dropped(self) -> int:
        """How many events retention dropped before the oldest kept one (under _lock)."""
        first = self._sealed[0] if self._sealed else self._current
        return first.first if first is not None else 0

    def _rotate(self) -> None:
        current = self._current
        assert current is not None
        if self._file is not None:
            self._file.close()
            self._file = None
        # The index names the sealed segment before the next file exists, so a crash in
        # between leaves nothing for recovery to guess about.
        sealed = [*self._sealed, current]
        self._write_index(sealed)
        with self._lock:
            self._sealed = sealed
            self._current = Segment(current.seq + 1, current.first + current.count, 0, 0)
            self._starts = None
        # if this fails, the next write creates the file in append mode
        self._file = open_private(self._segment_path(self._current.seq), "xb")
        self._sync_directory()

    def _apply_retention(self) -> None:
        keep_from, stored = 0, self._stored
        while keep_from < len(self._sealed) and stored - self._sealed[keep_from].count >= (
            self.retention
        ):
            stored -= self._sealed[keep_from].count
            keep_from += 1
        if not keep_from:
            return
        dropped, kept = self._sealed[:keep_from], self._sealed[keep_from:]
        self._write_index(kept)  # forget them first: a crash then leaves only orphans
        with self._lock:
            self._sealed = kept
            self._stored = stored
            self._total -= sum(segment.count for segment in dropped)
            self._starts = None
        for segment in dropped:
            unlink_quietly(self._segment_path(segment.seq))
            with self._offsets_lock:
                self._offsets.pop(segment.seq, None)

    def _write_index(self, sealed: list[Segment]) -> None:
        body = {
            "format": INDEX_FORMAT,
            "segments": [[s.seq, s.first, s.count, s.size] for s in sealed],
        }
        temporary = self._directory / (INDEX_NAME + ".tmp")
        with open_private(temporary, "wb") as handle:
            handle.write(json.dumps(body, separators=(",", ":")).encode("ascii"))
            handle.flush()
            if self.sync:
                os.fsync(handle.fileno())
        os.replace(temporary, self._directory / INDEX_NAME)
        self._sync_directory()

    def _sync_directory(self) -> None:
        if self.sync and os.name == "posix":
            fd = os.open(self._directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    # ------------------------------------------------------------------ reading

    def tail(self, n: int) -> list[dict]:
        """The newest ``n`` events, oldest first. Reads only the newest segment(s)."""
        return self.page(None, n)

    def page(self, before_index: int | None, limit: int) -> list[dict]:
        """Up to ``limit`` events ending just before ``before_index``, oldest first.

        Indices count from 0 = the oldest retained event to ``len(self) - 1``; ``None``
        means the end. Only the segments holding the page are read, through line
        offsets built once per segment and cached.
        """
        if limit <= 0:
            return []
        for _attempt in range(3):
            view = self._view()
            end = view.total if before_index is None else max(0, min(before_index, view.total))
            try:
                return self._read_range(view, max(0, end - limit), end)
            except FileNotFoundError:  # retention removed a segment while reading
                continue
        return []

    def iter(self, reverse: bool = False) -> Iterator[dict]:
        """Every retained event, oldest first (or newest first), one segment at a time."""
        view = self._view()
        pending = decode(view.pending)
        if reverse:
            yield from reversed(pending)
        for segment in reversed(view.segments) if reverse else view.segments:
            try:
                records = decode(read_lines(self._segment_path(segment.seq), segment.size))
            except FileNotFoundError:  # dropped by retention since the snapshot
                continue
            yield from reversed(records) if reverse else records
        if not reverse:
            yield from pending

    def __iter__(self) -> Iterator[dict]:
        return self.iter()

    def follow(
        self,
        poll: float = 0.2,
        *,
        backlog: int = 0,
        stop: threading.Event | None = None,
    ) -> Iterator[dict]:
        """Yield events as the writer flushes them, like ``tail -f``, across rotations.

        Starts at the end of what is on disk now, after first yielding the newest
        ``backlog`` events already there. Reads files only, so it works from another
        process with :meth:`open_readonly`; on the writing instance it sees events
        once they are flushed. Ends when ``stop`` is set (or the consumer stops).
        """
        view = self._view()
        disk = view.stored
        earlier: list[dict] = []
        if backlog > 0:
            earlier = self._read_range(replace(view, pending=()), max(0, disk - backlog), disk)
        if view.segments:
            seq, offset = view.segments[-1].seq, view.segments[-1].size
        else:
            seq, offset = 0, 0  # nothing yet: start at the first segment that appears
        # The position is fixed now, at the call, not when the caller first asks for an
        # event; so nothing flushed between the two can slip through.
        return self._follow_from(earlier, seq, offset, poll, stop)

    def _follow_from(
        self,
        earlier: list[dict],
        seq: int,
        offset: int,
        poll: float,
        stop: threading.Event | None,
    ) -> Iterator[dict]:
        yield from earlier
        handle = None
        try:
            while stop is None or not stop.is_set():
                if handle is None and seq:
                    try:
                        handle = open(self._segment_path(seq), "rb")
                    except FileNotFoundError:  # dropped by retention: skip ahead
                        handle = None
                if handle is not None:
                    handle.seek(offset)  # a partly written line is read again, whole
                    data = handle.read()
                    cut = data.rfind(b"\n") + 1
                    if cut:
                        offset += cut
                        yield from decode(data[:cut].split(b"\n")[:-1])
                        continue
                # Nothing new here. The writer only ever appends to the newest file, so
                # once a newer one exists this one is complete (a torn tail stays behind).
                newer = [s for s in list_segments(self._directory) if s > seq]
                if newer:
                    if handle is not None:
                        handle.seek(offset)
                        data = handle.read()
                        cut = data.rfind(b"\n") + 1
                        handle.close()
                        handle = None
                        yield from decode(data[:cut].split(b"\n")[:-1])
                    seq, offset = newer[0], 0
                    continue
                if stop is not None:
                    stop.wait(poll)
                else:
                    time.sleep(poll)
        finally:
            if handle is not None:
                handle.close()

    def _view(self) -> _View:
        if self._readonly:
            self._refresh()
        with self._lock:
            if self._starts is None:
                starts, at = [], 0
                for segment in self._sealed:
                    starts.append(at)
                    at += segment.count
                self._starts = (tuple(starts), at)
            starts, sealed_total = self._starts
            segments = tuple(self._sealed)
            if self._current is not None:
                segments += (self._current,)
                starts += (sealed_total,)
            stored = sealed_total + (self._current.count if self._current else 0)
            pending: list[bytes] = []
            for piece in self._pieces:
                pending += piece.lines()
            if self._buffered:
                pending += self._buffer[: self._buffer.tell()].split(b"\n")[:-1]
            return _View(segments, starts, stored, tuple(pending))

    def _refresh(self) -> None:
        """Reader: bring the view of the directory up to date without writing anything."""
        with self._io_lock:
            stamp = stat_stamp(self._directory / INDEX_NAME)
            if stamp != self._index_stamp:
                self._index_stamp = stamp
                self._index = read_index(self._directory) if stamp else []
            index: list[Segment] = self._index
            seqs = list_segments(self._directory)
            present = set(seqs)
            last_indexed = index[-1].seq if index else 0
            sealed = [segment for segment in index if segment.seq in present]
            next_first = index[-1].first + index[-1].count if index else 0
            tail: list[Segment] = []
            scanned: dict[int, tuple[int, int]] = {}
            for seq in (seq for seq in seqs if seq > last_indexed):
                size, count = self._scanned.get(seq, (0, 0))
                more_count, more_size = scan(self._segment_path(seq), start=size)
                size, count = size + more_size, count + more_count
                scanned[seq] = (size, count)
                tail.append(Segment(seq, next_first, count, size))
                next_first += count
            self._scanned = scanned
            with self._lock:
                if tail:
                    self._sealed, self._current = sealed + tail[:-1], tail[-1]
                else:
                    self._sealed, self._current = sealed, None
                self._starts = None
            for seq in list(self._offsets):
                if seq not in present:
                    self._offsets.pop(seq, None)

    def _read_range(self, view: _View, start: int, end: int) -> list[dict]:
        """Records with indices ``start <= i < end`` of ``view``, oldest first."""
        lines: list[bytes] = []
        if start < view.stored and view.segments:
            k = max(0, bisect.bisect_right(view.starts, start) - 1)
            while k < len(view.segments) and view.starts[k] < min(end, view.stored):
                segment = view.segments[k]
                first = max(start, view.starts[k]) - view.starts[k]
                last = min(end, view.starts[k] + segment.count) - view.starts[k]
                if last > first:
                    lines.extend(self._segment_lines(segment, first, last))
                k += 1
        if end > view.stored:
            lines.extend(view.pending[max(start, view.stored) - view.stored : end - view.stored])
        return decode(lines)

    def _segment_lines(self, segment: Segment, first: int, last: int) -> list[bytes]:
        """Lines ``first <= j < last`` of a segment, reading just their bytes."""
        path = self._segment_path(segment.seq)
        offsets = self._line_offsets(segment)
        begin = offsets[first]
        finish = offsets[last] if last < len(offsets) else segment.size
        with open(path, "rb") as handle:
            handle.seek(begin)
            data = handle.read(finish - begin)
        return data.split(b"\n")[:-1]

    def _line_offsets(self, segment: Segment) -> array:
        """Byte offset of every line start, extended incrementally as a segment grows."""
        with self._offsets_lock:
            size, offsets = self._offsets.get(segment.seq, (0, array("q")))
        if size < segment.size:
            with open(self._segment_path(segment.seq), "rb") as handle:
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
            with self._offsets_lock:
                self._offsets[segment.seq] = (size, offsets)
        with self._offsets_lock:
            if segment.seq in self._offsets:
                self._offsets.move_to_end(segment.seq)
            while len(self._offsets) > _OFFSET_CACHE_SEGMENTS:
                self._offsets.popitem(last=False)
        return offsets

    def _segment_path(self, seq: int) -> Path:
        return self._directory / segment_name(seq)
