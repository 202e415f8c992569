"""A table of CloudTrail-shaped events that redraws on a timer (at most a few times a
second), never once per event."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable

from kmstui.ui.format import plain
from kmstui.ui.models import event_outcome, event_principal

REFRESH_HZ = 5


class EventTable(DataTable):
    """Newest first. ``select`` picks which records to show from the recent ring."""

    def __init__(self, engine, select: Callable[[list[dict]], list[dict]] | None = None,
                 limit: int = 500, **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.engine = engine
        self.select = select
        self.limit = limit
        self._seen = -1

    def on_mount(self) -> None:
        self.add_column("Time", key="time")
        self.add_column("Event", key="event")
        self.add_column("Principal", key="principal")
        self.add_column("Outcome", key="outcome")
        self.add_column("Decided by", key="decided")
        self.redraw()
        self.set_interval(1 / REFRESH_HZ, self.redraw)

    def redraw(self, force: bool = False) -> None:
        published = self.engine.events.published
        if published == self._seen and not force:
            return
        self._seen = published
        recent = list(self.engine.events.recent)
        records = self.select(recent) if self.select else list(reversed(recent[-self.limit:]))
        self.clear()
        for record in records[: self.limit]:
            decision = record.get("decision") or {}
            decided = ", ".join(decision.get("decidedBy") or [])
            self.add_row(record.get("eventTime", "")[5:16].replace("T", " "),
                         plain(record.get("eventName", "")),
                         plain(event_principal(record)),
                         plain(event_outcome(record)),
                         plain(decided))
