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

* ``append`` only serialises into an in-memory batch (:mod:`kmstui.store.eventbatch`);
  a background thread (or an explicit ``flush``) writes the batch to the newest
  segment with one write, flush and ``fsync``. Nothing it does depends on how much
  history exists, so appending costs the same with ten events stored as with a million.
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

This module is the writing side. Reading (pages, iteration, following) is
:class:`kmstui.store.eventreader.EventReader`'s, which the writer extends; another
process (``kmstui events --follow`` while a console owns the data directory) reads
the same directory through :meth:`EventLog.open_readonly`, which takes no lock and
writes nothing. The log stores records exactly as given; the engine strips secrets
before it appends.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import filelock

from kmstui.jsonlines import dumps_line
from kmstui.paths import make_private_dir
from kmstui.store.eventbatch import BUFFER_BYTES, PendingBatch, Piece
from kmstui.store.eventreader import EventLogError, EventReader
from kmstui.store.segments import (
    INDEX_FORMAT,
    INDEX_NAME,
    Segment,
    list_segments,
    open_private,
    read_index,
    scan,
    segment_name,
    unlink_quietly,
)

__all__ = [
    "EventLog",
    "EventLogBusy",
    "EventLogError",
    "EventReader",
    "INDEX_NAME",
    "segment_name",
]

LOCK_NAME = ".writer.lock"

_log = logging.getLogger(__name__)


class EventLogBusy(EventLogError):
    """Another EventLog already writes to this directory."""


class EventLog(EventReader):
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
        super().__init__(directory)
        self.segment_bytes = segment_bytes
        self.retention = retention
        self.flush_interval = flush_interval
        self.sync = sync
        self._closed = False
        # A buffer holds at most a segment, so a burst of a segment's worth of events
        # wakes the flusher.
        self._batch = PendingBatch(min(BUFFER_BYTES, segment_bytes))
        self._file: Any = None
        self._total = 0  # events retained, pending included
        self._stored = 0  # of which on disk
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.last_error: BaseException | None = None
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

    @staticmethod
    def open_readonly(directory: Path) -> EventReader:
        """A reader for a directory another process may be writing. Takes no lock.

        Every read refreshes from disk (index, directory listing and only the new
        bytes of the newest segments), so it sees what the writer has flushed.
        """
        return EventReader(Path(directory))

    @property
    def readonly(self) -> bool:
        return False

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
        if self._closed:
            self._check_writable()
        lock = self._lock
        lock.acquire()  # by hand rather than `with`: every call's event passes here
        try:
            filled = self._batch.add(line)
            self._total += 1
        finally:
            lock.release()
        if filled and not self._wake.is_set():
            self._wake.set()  # let the flusher run now rather than hold a burst in memory

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
                self._batch.seal()
                pieces = list(self._batch.pieces)
            try:
                spans: list[tuple[Piece, int, int, int]] = []  # piece, start, end, lines
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
                with self._lock:
                    self._batch.recycle(pieces)
            self._apply_retention()

    def _write_spans(self, spans: list[tuple[Piece, int, int, int]], nbytes: int) -> None:
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
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def pending(self) -> int:
        """Events appended but not yet written to disk."""
        with self._lock:
            return self._total - self._stored

    def __len__(self) -> int:
        return self._total

    def _check_writable(self) -> None:
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
                self._batch.discard()
                current = self._current
                assert current is not None
                ever = self._dropped() + self._total
                dropped = [*self._sealed, current]
                self._sealed = []
                self._current = Segment(current.seq + 1, ever, 0, 0)
                self._total = self._stored = 0
                self._starts = None
            if self._file is not None:
                self._file.close()
                self._file = None
            for segment in dropped:
                unlink_quietly(self._segment_path(segment.seq))
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
            self._offsets.forget(segment.seq)

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

    # ------------------------------------------------------------------ the view

    def _pending_lines(self) -> list[bytes]:
        return self._batch.lines()

    def _refresh(self) -> None:
        """The writer's view is its own state: nothing to read from disk."""
