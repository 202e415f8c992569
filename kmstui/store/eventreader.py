"""Reading the event history: pages by index, every event in order, and following
new ones as they are flushed (``tail -f``).

:class:`EventReader` reads a directory another process may be writing
(``kmstui events --follow`` while a console owns the data directory): it takes no
lock and writes nothing, and every read refreshes from disk (the index, the directory
listing and only the new bytes of the newest segments), so it sees what the writer
has flushed. The writer (:class:`kmstui.store.eventlog.EventLog`) is a reader of its
own directory too, whose view also holds the batch it has not flushed yet.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from kmstui.store.segments import (
    INDEX_NAME,
    LineOffsets,
    Segment,
    decode,
    list_segments,
    read_index,
    read_lines,
    scan,
    segment_name,
    stat_stamp,
)


class EventLogError(Exception):
    """The event history cannot do what was asked (closed, read-only, unreadable)."""


@dataclass(frozen=True, slots=True)
class View:
    """A consistent snapshot: segments on disk (oldest first) plus the pending batch."""

    segments: tuple[Segment, ...]
    starts: tuple[int, ...]  # index of each segment's first record, 0 = oldest retained
    stored: int
    pending: tuple[bytes, ...]

    @property
    def total(self) -> int:
        return self.stored + len(self.pending)


class EventReader:
    """The events of ``directory`` (the events directory itself), read-only."""

    def __init__(self, directory: Path) -> None:
        self._directory = Path(directory)
        # _lock is held only for moments (the list of segments; a writer's pending
        # batch and counters); _io_lock serialises the slow part (a refresh from disk,
        # a writer's flush), so reads never wait for the disk under _lock.
        self._lock = threading.Lock()
        self._io_lock = threading.Lock()
        self._sealed: list[Segment] = []
        self._current: Segment | None = None
        self._starts: tuple[tuple[int, ...], int] | None = None  # per sealed segment, total
        self._offsets = LineOffsets()
        # what was learnt about segments the index does not cover yet
        self._index: list[Segment] = []
        self._index_stamp: tuple[int, int, int] | None = None
        self._scanned: dict[int, tuple[int, int]] = {}

    @property
    def directory(self) -> Path:
        return self._directory

    @property
    def readonly(self) -> bool:
        return True

    def append(self, record: dict) -> None:
        raise EventLogError("this event log was opened read-only")

    def append_line(self, line: bytes) -> None:
        raise EventLogError("this event log was opened read-only")

    def close(self) -> None:
        """Nothing to release: a reader holds no lock and no open file between reads."""

    def __enter__(self) -> EventReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self._view().total

    @property
    def dropped(self) -> int:
        """Events removed by retention so far: index 0 is event number ``dropped``.

        A view that scrolls through :meth:`page` can keep its place when retention
        drops a segment by remembering ``dropped + index``.
        """
        view = self._view()
        return view.segments[0].first if view.segments else 0

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
        process; on the writing instance it sees events once they are flushed. Ends
        when ``stop`` is set (or the consumer stops).
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

    # ------------------------------------------------------------------ the view

    def _pending_lines(self) -> list[bytes]:
        """The lines appended but not yet on disk (under _lock): none for a reader."""
        return []

    def _view(self) -> View:
        self._refresh()
        with self._lock:
            if self._starts is None:
                firsts, at = [], 0
                for segment in self._sealed:
                    firsts.append(at)
                    at += segment.count
                self._starts = (tuple(firsts), at)
            starts, sealed_total = self._starts
            segments = tuple(self._sealed)
            if self._current is not None:
                segments += (self._current,)
                starts += (sealed_total,)
            stored = sealed_total + (self._current.count if self._current else 0)
            return View(segments, starts, stored, tuple(self._pending_lines()))

    def _refresh(self) -> None:
        """Bring the view of the directory up to date without writing anything."""
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
            self._offsets.keep_only(present)

    def _read_range(self, view: View, start: int, end: int) -> list[dict]:
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
        offsets = self._offsets.of(path, segment)
        begin = offsets[first]
        finish = offsets[last] if last < len(offsets) else segment.size
        with open(path, "rb") as handle:
            handle.seek(begin)
            data = handle.read(finish - begin)
        return data.split(b"\n")[:-1]

    def _segment_path(self, seq: int) -> Path:
        return self._directory / segment_name(seq)
