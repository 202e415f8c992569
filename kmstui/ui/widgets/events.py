"""A table of CloudTrail-shaped events that redraws on a timer (at most a few times a
second), never once per event."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.widgets import DataTable

from kmstui.jsonlines import loads_line
from kmstui.ui.format import plain
from kmstui.ui.live.records import decided_by_text, principal_of, short_principal
from kmstui.ui.models import event_outcome

if TYPE_CHECKING:
    from kmstui.backends import EventSource

REFRESH_HZ = 5


class EventTable(DataTable):
    """Newest first. ``select`` picks which records to show from the recent ring."""

    def __init__(
        self,
        events: EventSource,
        select: Callable[[list[dict]], list[dict]] | None = None,
        limit: int = 500,
        **kwargs,
    ):
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.events = events
        self.select = select
        self.limit = limit
        self._seen = -1
        self._records: deque[dict] = deque()  # the ring's records, decoded
        self._last_line: bytes | None = None  # the newest line decoded so far

    def on_mount(self) -> None:
        self.add_column("Time", key="time")
        self.add_column("Event", key="event")
        self.add_column("Principal", key="principal")
        self.add_column("Outcome", key="outcome")
        self.add_column("Decided by", key="decided")
        self.redraw()
        self.set_interval(1 / REFRESH_HZ, self.redraw)

    def _decoded(self) -> deque[dict]:
        """The ring's records, decoding only the lines that arrived since last time
        (found by identity from the newest end; all of them once the last one seen has
        left the ring)."""
        lines = self.events.recent_lines()
        start = 0
        if self._last_line is not None:
            for index in range(len(lines) - 1, -1, -1):
                if lines[index] is self._last_line:
                    start = index + 1
                    break
            else:
                self._records.clear()
        if start == len(lines):
            return self._records
        self._records.extend(map(loads_line, lines[start:]))
        while len(self._records) > len(lines):
            self._records.popleft()
        self._last_line = lines[-1]
        return self._records

    def redraw(self, force: bool = False) -> None:
        published = self.events.published
        if published == self._seen and not force:
            return
        self._seen = published
        recent = list(self._decoded())
        records = self.select(recent) if self.select else list(reversed(recent[-self.limit :]))
        self.clear()
        for record in records[: self.limit]:
            decided = decided_by_text(record.get("decision"))  # as the Monitor writes it
            self.add_row(
                record.get("eventTime", "")[5:16].replace("T", " "),
                plain(record.get("eventName", "")),
                plain(short_principal(principal_of(record))),
                plain(event_outcome(record)),
                plain(decided),
            )
