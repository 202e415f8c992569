"""Monitor: every KMS call (and EC2's data-key events) as it happens, the whole
history behind it, and the throughput of every attached volume. A feed that is not
live (CloudTrail on an AWS account) says under the status line when it was read and
how late its events come, and the graphs say what their figures are.

One timer on the UI thread does all the work at the chosen rate (4–10 Hz): it drains
the event buffer the engine's subscriber fills, tells the event list the history's
new length, and reads the volumes' metrics. It reschedules itself only when it has
finished, so a slow frame delays the next one instead of piling up behind it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from rich.json import JSON
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from kmstui.ui.actions import Action, bindings
from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import plain
from kmstui.ui.live.event_list import EventList, header_text
from kmstui.ui.live.feed import BackendFeed, LiveFeed, optional_text
from kmstui.ui.live.graphs import ThroughputPanel, VolumeLine
from kmstui.ui.live.records import EventFilter
from kmstui.ui.live.rows import Matches

MIN_HZ, MAX_HZ, DEFAULT_HZ = 4, 10, 4

MONITOR_ACTIONS = [
    Action(
        "monitor.pause",
        "pause",
        "toggle_pause",
        "Pause",
        "Stop (or resume) adding new events to the list; the history keeps recording",
    ),
    Action(
        "monitor.filter",
        "filter",
        "filter",
        "Filter",
        "Show only some events: op:Decrypt key:ebs by:ec2-infrastructure denied",
        key_display="/",
    ),
    Action(
        "monitor.open",
        "open",
        "open_event",
        "Event",
        "Show the whole CloudTrail-shaped record of the selected event",
        show=False,
    ),
    Action(
        "monitor.newest",
        "bottom",
        "newest",
        "Newest",
        "Jump to the newest event and follow new ones",
        show=False,
    ),
    Action(
        "monitor.faster",
        "faster",
        "rate(1)",
        "Faster",
        "Redraw more often (up to 10 times a second)",
        key_display="+",
    ),
    Action(
        "monitor.slower",
        "slower",
        "rate(-1)",
        "Slower",
        "Redraw less often (down to 4 times a second)",
        key_display="-",
    ),
    Action(
        "monitor.own-reads",
        "show-own-calls",
        "toggle_own_reads",
        "Own reads",
        "Show or hide the console's own read requests (hidden by default; they stay recorded)",
    ),
    Action(
        "monitor.graphs", "graphs", "toggle_graphs", "Graphs", "Show or hide the throughput graphs"
    ),
    Action(
        "monitor.copy", "copy", "copy_event", "Copy", "Copy the selected event as JSON", show=False
    ),
]


class EventDetailScreen(Dialog[None]):
    """The whole record, as CloudTrail would store it."""

    BINDINGS = bindings(
        Action("dialog.close", "cancel", "cancel", "Close", "Close the event", dialog=True),
        Action("dialog.ok", "ok", "cancel", "OK", "Close the event", dialog=True),
        Action("dialog.copy", "copy", "copy", "Copy", "Copy the event as JSON", dialog=True),
    )
    DEFAULT_CSS = """
    EventDetailScreen .box { width: 100; height: 90%; }
    EventDetailScreen VerticalScroll { height: 1fr; }
    """

    def __init__(self, record: dict):
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            title = f"{self.record.get('eventName', '')} · {self.record.get('eventTime', '')}"
            yield Label(plain(title), classes="dialog-title")
            with VerticalScroll():
                record = JSON.from_data(self.record, indent=2, default=str)
                # Long values (an ARN in the encryption context) wrap instead of being cut.
                record.text.no_wrap = False
                record.text.overflow = "fold"
                yield Static(record, id="record")
            yield Static("y copy · Esc close", classes="hint")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(json.dumps(self.record, indent=2, default=str))
        self.notify("Event copied", markup=False)


class MonitorPane(Vertical):
    """The monitor, mountable anywhere: ``MonitorPane(backend)``, or with a ``feed``
    (tests and the demo's frames pass a :class:`~kmstui.ui.live.feed.FixedFeed`)."""

    DEFAULT_CSS = """
    MonitorPane { height: 1fr; }
    MonitorPane #monitor-status { height: 1; padding: 0 1; color: $text-muted; }
    MonitorPane #monitor-status.-paused { color: $warning; text-style: bold; }
    MonitorPane #monitor-freshness { display: none; height: auto; padding: 0 1;
                                     color: $text-warning; }
    MonitorPane #monitor-freshness.-shown { display: block; }
    MonitorPane #monitor-header { height: 1; padding: 0 1; text-style: bold;
                                  background: $panel; }
    MonitorPane EventList { padding: 0 1; }
    MonitorPane #monitor-filter { display: none; height: 1; border: none; padding: 0 1; }
    MonitorPane #monitor-filter.-shown { display: block; }
    MonitorPane.-no-graphs ThroughputPanel { display: none; }
    """
    BINDINGS = bindings(*MONITOR_ACTIONS)

    def __init__(
        self, backend=None, *, feed: LiveFeed | None = None, hz: int = DEFAULT_HZ, **kwargs
    ):
        super().__init__(**kwargs)
        self.feed: LiveFeed | None = (
            feed if feed is not None else (BackendFeed(backend) if backend is not None else None)
        )
        self.hz = max(MIN_HZ, min(MAX_HZ, hz))
        self.paused = False
        self.waiting = 0  # events that arrived while paused
        self.event_filter = EventFilter()
        self.ticks = 0
        self._stop_feed: Callable[[], None] | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="monitor-status")
        yield Static("", id="monitor-freshness")
        yield Input(
            placeholder="filter: op:Decrypt key:ebs by:ec2-infrastructure "
            "denied (Enter to apply, empty to clear)",
            id="monitor-filter",
        )
        yield Static("", id="monitor-header")
        if self.feed is not None:
            yield EventList(self.feed.history, self.feed.key_alias, id="monitor-events")
        yield ThroughputPanel(id="monitor-graphs")

    def on_mount(self) -> None:
        if self.feed is not None:
            self._start()
        else:
            self.query_one("#monitor-status", Static).update("Opening the data directory…")

    def attach_backend(self, backend) -> None:
        """The backend opened after the pane was mounted (the console opens it late)."""
        if self.feed is not None or backend is None:
            return
        self.feed = BackendFeed(backend)
        self.mount(
            EventList(self.feed.history, self.feed.key_alias, id="monitor-events"),
            before=self.query_one(ThroughputPanel),
        )
        self.call_after_refresh(self._start)

    def _start(self) -> None:
        if self.feed is None:  # both callers set it first
            return
        self._stop_feed = self.feed.subscribe()
        events = self.query_one(EventList)
        events.focus()
        pending = events.set_filter(self.event_filter)  # the console's reads hidden
        if pending is not None:
            self._scan_back(pending, events)
        self.tick()

    def on_unmount(self) -> None:
        if self._stop_feed is not None:
            self._stop_feed()
            self._stop_feed = None
        if self._timer is not None:
            self._timer.stop()

    # -- the one timer ----------------------------------------------------------------
    def tick(self) -> None:
        """Drain, sync, redraw, then schedule the next tick."""
        self._timer = None
        try:
            self.refresh_now()
        finally:
            if self.is_attached:
                self._timer = self.set_timer(1 / self.hz, self.tick)

    def refresh_now(self) -> None:
        feed = self.feed
        if feed is None:
            return
        self.ticks += 1
        arrived = feed.drain()
        events = self.query_one(EventList)
        if self.paused:
            self.waiting += len(arrived)
        events.sync(paused=self.paused)
        panel = self.query_one(ThroughputPanel)
        panel.compact = self.app.size.height < 34
        freshness = optional_text(feed, "freshness")
        if not self.has_class("-no-graphs"):
            lines = [
                VolumeLine(
                    volume_id, instance_id, feed.throughput(volume_id), feed.series(volume_id)
                )
                for volume_id, instance_id in feed.attached().items()
            ]
            panel.show(
                lines,
                feed.kms_rate(),
                optional_text(feed, "resolution"),
                kms_read=freshness is not None,
            )
        self._show_freshness(freshness)
        self._show_status(events)

    def _show_freshness(self, text: str | None) -> None:
        """A feed that is not live (CloudTrail's) says when it was read and how late its
        events come; a live one shows nothing here."""
        line = self.query_one("#monitor-freshness", Static)
        if text:
            line.update(plain(text))
        line.set_class(bool(text), "-shown")

    def _show_status(self, events: EventList) -> None:
        status = self.query_one("#monitor-status", Static)
        # The list's own width, so the headings stay over their columns when its
        # scrollbar takes a column.
        width = events.scrollable_content_region.width or (self.size.width or 80) - 2
        self.query_one("#monitor-header", Static).update(header_text(max(20, width)))
        if self.paused:
            state = f"❚❚ PAUSED · {self.waiting:,} new"
        elif events.follow:
            state = "● LIVE"
        else:
            state = "↑ HISTORY (End: newest)"
        shown = (
            f"{events.row_count:,} of {events.total:,}"
            if events.matches is not None
            else f"{events.total:,} events"
        )
        parts = [state, f"{self.hz} Hz", shown]
        if events.matches is not None:
            scanning = "" if events.matches.done_back else " (searching older…)"
            described = self.event_filter.describe()
            if described:
                parts.append(f"filter {described}{scanning}")
            elif scanning:
                parts.append(scanning.strip())
        parts.append(
            "console reads shown (o hides)"
            if self.event_filter.own_reads
            else "console reads hidden (o shows)"
        )
        status.update(plain(" · ".join(parts)))
        status.set_class(self.paused, "-paused")

    # -- actions ----------------------------------------------------------------------
    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            self.waiting = 0
            events = self.query_one(EventList)
            events.follow = True
        self.refresh_now()

    def action_rate(self, step: int) -> None:
        self.hz = max(MIN_HZ, min(MAX_HZ, self.hz + step))
        self.notify(f"Monitor redraws {self.hz} times a second", markup=False, timeout=2)
        self._show_status(self.query_one(EventList))

    def action_toggle_graphs(self) -> None:
        self.toggle_class("-no-graphs")

    def action_newest(self) -> None:
        self.query_one(EventList).action_last()

    def action_open_event(self) -> None:
        self.query_one(EventList).action_open()

    def action_copy_event(self) -> None:
        record = self.query_one(EventList).selected
        if record is not None:
            self.app.copy_to_clipboard(json.dumps(record, default=str))
            self.notify("Event copied", markup=False)

    def action_filter(self) -> None:
        box = self.query_one("#monitor-filter", Input)
        box.add_class("-shown")
        box.value = self.event_filter.describe()
        box.focus()

    @on(Input.Changed, "#monitor-filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        """The list follows the filter as it is typed, as the key list does."""
        if event.input.has_class("-shown") and event.value != self.event_filter.describe():
            self.apply_filter(event.value)

    @on(Input.Submitted, "#monitor-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.apply_filter(event.value)
        event.input.remove_class("-shown")
        self.query_one(EventList).focus()

    def on_key(self, event) -> None:
        box = self.query_one("#monitor-filter", Input)
        if event.key == "escape" and box.has_focus:
            box.remove_class("-shown")
            self.query_one(EventList).focus()
            event.stop()

    def action_toggle_own_reads(self) -> None:
        self.apply_filter(self.event_filter.describe(), own_reads=not self.event_filter.own_reads)

    def apply_filter(self, text: str, *, own_reads: bool | None = None) -> None:
        """Filter by ``text``; the console's own reads stay as shown or hidden unless
        ``own_reads`` says otherwise."""
        from dataclasses import replace

        keep = self.event_filter.own_reads if own_reads is None else own_reads
        self.event_filter = replace(EventFilter.parse(text), own_reads=keep)
        events = self.query_one(EventList)
        pending = events.set_filter(self.event_filter)
        if pending is not None:
            self._scan_back(pending, events)
        self._show_status(events)

    @work(thread=True, exclusive=True, group="monitor-scan", exit_on_error=False)
    def _scan_back(self, matches: Matches, events: EventList) -> None:
        """Search older events for the filter, a chunk at a time, off the UI thread."""
        from textual.worker import get_current_worker

        worker = get_current_worker()
        low = matches.scanned_back
        while low > 0 and not worker.is_cancelled and events.matches is matches:
            first, hits = matches.scan_back_chunk(events.history, low)
            low = first
            self.app.call_from_thread(events.add_older, matches, first, hits)
        if not worker.is_cancelled and events.matches is matches:
            # say the search is over now, not at the next redraw
            self.app.call_from_thread(self._show_status, events)

    @on(EventList.Opened)
    def _opened(self, message: EventList.Opened) -> None:
        self.app.push_screen(EventDetailScreen(message.record))

    @on(EventList.Moved)
    def _moved(self, _message: EventList.Moved) -> None:
        self._show_status(self.query_one(EventList))
