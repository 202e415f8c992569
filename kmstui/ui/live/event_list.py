"""A virtual list of events: it draws only the rows on screen, reading them a page at
a time from the event history, so it stays fast with a million events stored.

The list never redraws because an event arrived. Its owner calls :meth:`sync` on a
timer (a few times a second); ``sync`` takes the new length of the history, matches
the new events against the filter, and redraws once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from rich.segment import Segment
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kmstui.ui.actions import Action, bindings
from kmstui.ui.live.feed import History
from kmstui.ui.live.records import EventFilter, EventRow, event_row
from kmstui.ui.live.rows import Matches, PageCache

# Room for a role and an instance id: ``ec2-infrastructure/i-0123456789abcdef0``.
PRINCIPAL_ROOM = 39
PRINCIPAL_CUT = 24  # "ec2…/i-6cb2dd6ef23b0b7c3": the role cut, the instance id whole


def columns(width: int) -> list[tuple[str, str, int]]:
    """(field, heading, width) of each column for a list ``width`` cells wide. From
    100 cells on, the deciding statement has room for a whole default Sid ("Enable IAM
    User Permissions") and the encryption context has a column: the principal keeps at
    least its instance id ("ec2…/i-…"), and is whole once there is room for it beside
    the context (the event's detail shows both whatever the width)."""
    if width < 100:
        sizes = {"time": 8, "operation": 16, "key": 11, "outcome": 8, "decided_by": 15}
    else:
        sizes = {"time": 8, "operation": 16, "key": 11, "outcome": 8, "decided_by": 27}
    headings = [
        ("time", "Time"),
        ("operation", "Operation"),
        ("principal", "Principal"),
        ("key", "Key"),
        ("context", "Encryption context"),
        ("outcome", "Decision"),
        ("decided_by", "Decided by"),
    ]
    spare = width - sum(sizes.values()) - (len(headings) - 2)
    if spare >= PRINCIPAL_ROOM + 1 + 16:
        sizes["principal"] = max(PRINCIPAL_ROOM, (spare - 1) // 2)
        sizes["context"] = spare - 1 - sizes["principal"]
    elif width >= 100 and spare >= PRINCIPAL_CUT + 1 + 12:
        sizes["principal"] = PRINCIPAL_CUT
        sizes["context"] = spare - 1 - PRINCIPAL_CUT
    else:
        headings = [c for c in headings if c[0] != "context"]
        sizes["principal"] = max(8, spare)
    return [(f, h, sizes[f]) for f, h in headings]


def _cell(text: str, width: int) -> str:
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


def _path_cell(text: str, width: int) -> str:
    """A principal keeps its last part (the instance id, the user name) when cut."""
    if len(text) <= width or "/" not in text:
        return _cell(text, width)
    head, _sep, tail = text.rpartition("/")
    room = width - len(tail) - 2
    if room >= 3:
        return _cell(f"{head[:room]}…/{tail}", width)
    if len(tail) <= width:
        return _cell(tail, width)
    return _cell("…" + tail[-(width - 1) :], width)


def _context_cell(text: str, width: int) -> str:
    """A context too long for its column shows its values only, and keeps their end
    (where a volume id or an ARN's resource differs) when they are cut."""
    values = ", ".join(pair.partition("=")[2] or pair for pair in text.split(", "))
    if len(values) > width:
        values = "…" + values[-(width - 1) :]
    return _cell(values, width)


def _text(row: EventRow, field: str, width: int) -> str:
    value = getattr(row, field)
    if field == "principal":
        return _path_cell(value, width)
    if field == "context" and len(value) > width:
        return _context_cell(value, width)
    if field == "key" and value.startswith("alias/"):
        value = value[len("alias/") :]
    return _cell(str(value), width)


def header_text(width: int) -> str:
    return " ".join(_cell(h, w) for _f, h, w in columns(width))


class EventList(ScrollView, can_focus=True):
    """Events oldest first, newest at the bottom; follows the newest unless the cursor
    was moved up."""

    COMPONENT_CLASSES = {
        "event-list--cursor",
        "event-list--denied",
        "event-list--error",
        "event-list--data-key",
        "event-list--dim",
    }
    DEFAULT_CSS = """
    EventList { height: 1fr; overflow-x: hidden; }
    EventList > .event-list--cursor { background: $block-cursor-blurred-background; }
    EventList:focus > .event-list--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
        text-style: bold;
    }
    EventList > .event-list--denied { color: $error; }
    EventList > .event-list--error { color: $warning; }
    EventList > .event-list--data-key { color: $primary; }  /* news, not a failure */
    EventList > .event-list--dim { color: $text-muted; }
    """
    BINDINGS = bindings(
        Action("events.up", "up", "cursor(-1)", "Up", "The newer event", show=False),
        Action("events.down", "down", "cursor(1)", "Down", "The older event", show=False),
        Action("events.page-up", "page-up", "page(-1)", "Page up", "A page up", show=False),
        Action("events.page-down", "page-down", "page(1)", "Page down", "A page down", show=False),
        Action("events.oldest", "top", "first", "Oldest", "The oldest event", show=False),
        Action(
            "events.newest", "bottom", "last", "Newest", "The newest event (follow)", show=False
        ),
        Action("events.open", "open", "open", "Open", "The whole record", show=False),
    )

    class Opened(Message):
        """Enter (or a click on the selected row) on an event."""

        def __init__(self, record: dict):
            super().__init__()
            self.record = record

    class Moved(Message):
        def __init__(self, follow: bool):
            super().__init__()
            self.follow = follow

    def __init__(self, history: History, alias: Callable[[str], str], **kwargs):
        super().__init__(**kwargs)
        self.history = history
        self.alias = alias
        self.pages = PageCache(history)
        self.total = 0
        self.dropped = getattr(history, "dropped", 0)
        self.matches: Matches | None = None
        self.cursor = 0
        self.follow = True
        self._rows: OrderedDict[int, EventRow] = OrderedDict()

    # -- state ------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.matches) if self.matches is not None else self.total

    def index_of_row(self, row: int) -> int:
        return self.matches.index(row) if self.matches is not None else row

    def record_at(self, row: int) -> dict | None:
        if not 0 <= row < self.row_count:
            return None
        return self.pages.get(self.index_of_row(row), self.total)

    @property
    def selected(self) -> dict | None:
        return self.record_at(self.cursor)

    def set_filter(self, event_filter: EventFilter) -> Matches | None:
        """Show only what ``event_filter`` matches (an inactive filter shows all).
        Returns the matches when the older events still need a backward scan."""
        keep = self.index_of_row(self.cursor) if self.row_count else None
        if not event_filter.narrows:
            self.matches = None
            self.cursor = keep if keep is not None and not self.follow else max(0, self.total - 1)
        else:
            self.matches = Matches(event_filter, self.alias, self.total)
            self.cursor = 0
        self._after_change()
        return self.matches if self.matches is not None and not self.matches.done_back else None

    def add_older(self, matches: Matches, low: int, hits: list[int]) -> None:
        """A backward-scan chunk for ``matches`` (ignored if the filter changed since)."""
        if matches is not self.matches:
            return
        before = len(matches)
        matches.add_older(low, hits)
        if not self.follow:
            self.cursor += len(matches) - before  # keep the same event selected
        self._after_change()

    def sync(self, *, paused: bool = False) -> None:
        """Catch up with the history (unless paused) and redraw once."""
        if not paused:
            dropped = getattr(self.history, "dropped", 0)
            if dropped != self.dropped:
                delta, self.dropped = dropped - self.dropped, dropped
                self.pages.shift(delta)
                self._rows.clear()
                if self.matches is not None:
                    self.matches.shift(delta)
                elif not self.follow:
                    self.cursor = max(0, self.cursor - delta)
            self.total = len(self.history)
            if self.matches is not None:
                self.matches.scan_forward(self.history, self.total)
        self._after_change()

    def _after_change(self) -> None:
        rows = self.row_count
        if self.follow or self.cursor >= rows:
            self.cursor = max(0, rows - 1)
        self.virtual_size = Size(self.size.width, rows)
        self._keep_cursor_visible()
        self.refresh()

    def _keep_cursor_visible(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = int(self.scroll_y)
        if self.follow:
            target = max(0, self.row_count - height)
        elif self.cursor < top:
            target = self.cursor
        elif self.cursor >= top + height:
            target = self.cursor - height + 1
        else:
            return
        self.scroll_to(y=target, animate=False, immediate=True)

    # -- keys -------------------------------------------------------------------------
    def _move_to(self, row: int) -> None:
        rows = self.row_count
        self.cursor = max(0, min(row, rows - 1))
        self.follow = rows == 0 or self.cursor == rows - 1
        self._keep_cursor_visible()
        self.refresh()
        self.post_message(self.Moved(self.follow))

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(self.row_count - 1)

    def action_open(self) -> None:
        record = self.selected
        if record is not None:
            self.post_message(self.Opened(record))

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y
        if 0 <= row < self.row_count:
            if row == self.cursor and event.chain >= 2:
                self.action_open()
            self._move_to(row)

    def _on_resize(self, event: events.Resize) -> None:
        self._rows.clear()
        self.virtual_size = Size(event.size.width, self.row_count)
        self._keep_cursor_visible()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.refresh()

    # -- drawing ----------------------------------------------------------------------
    def _row(self, index: int) -> EventRow | None:
        row = self._rows.get(index)
        if row is None:
            record = self.pages.get(index, self.total)
            if record is None:
                return None
            row = event_row(record, self.alias)
            self._rows[index] = row
            if len(self._rows) > 512:
                self._rows.popitem(last=False)
        return row

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row_number = int(self.scroll_y) + y
        base = self.rich_style
        if row_number >= self.row_count:
            if self.row_count == 0 and y == 0:
                note = "No events match the filter yet" if self.matches else "No events yet"
                return Strip(
                    [Segment(_cell(note, width), self.get_component_rich_style("event-list--dim"))],
                    width,
                )
            return Strip.blank(width, base)
        row = self._row(self.index_of_row(row_number))
        if row is None:
            return Strip([Segment(_cell("…", width), base)], width)
        text = " ".join(_text(row, f, w) for f, _h, w in columns(width))
        style = base
        if row.denied:
            style += self.get_component_rich_style("event-list--denied")
        elif row.error:
            style += self.get_component_rich_style("event-list--error")
        elif row.outcome == "event":
            style += self.get_component_rich_style("event-list--data-key")
        if row_number == self.cursor:
            style += self.get_component_rich_style("event-list--cursor")
        return Strip([Segment(_cell(text, width), style)], width)

    def visible_rows(self) -> list[EventRow]:
        """The rows on screen (tests and benchmarks read these)."""
        top = int(self.scroll_y)
        out = []
        for row_number in range(
            top, min(self.row_count, top + self.scrollable_content_region.height)
        ):
            row = self._row(self.index_of_row(row_number))
            if row is not None:
                out.append(row)
        return out
