"""Which events a list shows, read a page at a time from the history.

:class:`PageCache` reads the persisted event log ``page()`` by page and keeps a few
pages, so a view over a million events touches only the ones on screen.
:class:`Matches` is the filtered list: indices of matching events, found by scanning
new events as they arrive and older ones in the background. Nothing here imports
Textual.
"""

from __future__ import annotations

import bisect
from array import array
from collections import OrderedDict
from collections.abc import Callable

from kmstui.ui.live.feed import History
from kmstui.ui.live.records import EventFilter

PAGE = 64


class PageCache:
    """Records by index (0 = oldest retained) through ``history.page``. Pages wholly
    below the end never change and are kept (LRU); the last page is read again when
    the history has grown."""

    def __init__(self, history: History, pages: int = 48):
        self.history = history
        self.limit = pages
        self._pages: OrderedDict[int, tuple[int, list[dict]]] = OrderedDict()  # n -> (end, recs)

    def clear(self) -> None:
        self._pages.clear()

    def get(self, index: int, total: int) -> dict | None:
        if index < 0 or index >= total:
            return None
        number = index // PAGE
        start = number * PAGE
        end = min(start + PAGE, total)
        cached = self._pages.get(number)
        if cached is None or cached[0] < end:
            records = self.history.page(end, end - start)
            cached = (start + len(records), records)
            self._pages[number] = cached
            while len(self._pages) > self.limit:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        records = cached[1]
        offset = index - start
        return records[offset] if offset < len(records) else None

    def shift(self, dropped: int) -> None:
        """Retention removed ``dropped`` events from the front: indices moved."""
        if dropped:
            self._pages.clear()


class Matches:
    """Indices of the events a filter matches, oldest first.

    ``newer`` grows on the UI thread as events arrive (:meth:`scan_forward`);
    ``older`` grows backwards from where the filter was set, in chunks a background
    worker hands over (:meth:`add_older`), so a filter over a million events shows
    its first matches at once and the rest as they are found."""

    def __init__(self, event_filter: EventFilter, alias: Callable[[str], str], start: int):
        self.filter = event_filter
        self.alias = alias
        self.older = array("q")  # descending
        self.newer = array("q")  # ascending
        self.scanned_to = start  # events below this are (or will be) scanned backwards
        self.scanned_back = start  # the backward scan has reached down to here
        self.done_back = start == 0

    def __len__(self) -> int:
        return len(self.older) + len(self.newer)

    def index(self, row: int) -> int:
        older = len(self.older)
        if row < older:
            return self.older[older - 1 - row]
        return self.newer[row - older]

    def row_of(self, index: int) -> int | None:
        """The row that shows event ``index`` (or the nearest one before it)."""
        if not len(self):
            return None
        older = len(self.older)
        if len(self.newer) and index >= self.newer[0]:
            return older + bisect.bisect_right(self.newer, index) - 1
        ascending = self.older[::-1]
        return max(0, bisect.bisect_right(ascending, index) - 1)

    def scan_forward(self, history: History, total: int, budget: int = 20_000) -> int:
        """Match events from where the last scan stopped up to ``total`` (at most
        ``budget`` at a time, so one redraw never stalls). Returns how many matched."""
        found = 0
        while self.scanned_to < total and budget > 0:
            end = min(total, self.scanned_to + min(budget, 4096))
            records = history.page(end, end - self.scanned_to)
            first = end - len(records)
            for offset, record in enumerate(records):
                if self.filter.matches(record, self.alias):
                    self.newer.append(first + offset)
                    found += 1
            budget -= end - self.scanned_to
            self.scanned_to = end
        return found

    def scan_back_chunk(
        self, history: History, end: int, chunk: int = 4096
    ) -> tuple[int, list[int]]:
        """Read one chunk below ``end`` (any thread): (new low, matches descending).
        The UI applies it with :meth:`add_older`."""
        if end <= 0:
            return 0, []
        records = history.page(end, min(chunk, end))
        first = end - len(records)
        hits = [
            first + offset
            for offset in range(len(records) - 1, -1, -1)
            if self.filter.matches(records[offset], self.alias)
        ]
        return first, hits

    def add_older(self, low: int, hits: list[int]) -> None:
        self.older.extend(hits)
        self.scanned_back = low
        self.done_back = low <= 0

    def shift(self, dropped: int) -> None:
        """Retention removed ``dropped`` events: indices move down, lost ones go."""
        if not dropped:
            return
        self.older = array("q", (i - dropped for i in self.older if i >= dropped))
        self.newer = array("q", (i - dropped for i in self.newer if i >= dropped))
        self.scanned_to = max(0, self.scanned_to - dropped)
        self.scanned_back = max(0, self.scanned_back - dropped)
        self.done_back = self.done_back or self.scanned_back == 0
