"""Work that comes due on the engine clock: a key deletion whose waiting period has
passed, an automatic rotation, an expiry of imported key material, a multi-Region
change completing.

A service that has such work adds a :class:`DueSource` to the engine's
:class:`DueWork`. ``DueWork.next`` is the engine-clock time of the earliest work of
any source; the dispatcher compares it with the clock before every call and, once it
has come, runs every source's due work first (:meth:`DueWork.run`). A service that
changes a date recomputes ``next`` with :meth:`DueWork.reschedule`.
"""

from __future__ import annotations

import threading
from typing import Protocol

from kmstui.clock import LATEST_EPOCH, Clock, iso8601
from kmstui.errors import KMSInternalException


class DueSource(Protocol):
    """A service's own due work."""

    def next_due(self) -> float | None:
        """The engine-clock time of the source's earliest due work, if any."""
        ...

    def run_due(self, now: float) -> None:
        """Carry out the work due at ``now`` and record its events."""
        ...


class DueWork:
    """When the next due work is, and carrying it out (under the engine lock)."""

    def __init__(self, clock: Clock, lock: threading.RLock):
        self.clock = clock
        self.lock = lock
        self.next: float | None = None
        self._sources: list[DueSource] = []

    def add(self, source: DueSource) -> None:
        self._sources.append(source)
        self.reschedule()

    def reschedule(self) -> None:
        """Recompute when the next due work is."""
        if not self.clock.now() <= LATEST_EPOCH:
            # An offset an earlier version saved past what the engine can represent:
            # every call stops in run() with the remedy.
            self.next = 0.0
            return
        dates = [when for source in self._sources if (when := source.next_due()) is not None]
        self.next = min(dates) if dates else None

    def run(self) -> None:
        """Carry out every source's work whose time has come."""
        now = self.clock.now()
        if self.next is None or now < self.next:
            return
        if not now <= LATEST_EPOCH:
            raise KMSInternalException(
                f"The engine clock (offset {self.clock.offset / 86400:.0f} days) is past "
                f"{iso8601(LATEST_EPOCH)}, the latest time the engine can represent; "
                "run `kmstui clock reset` to bring it back to wall time."
            )
        with self.lock:
            for source in self._sources:
                source.run_due(now)
            self.reschedule()
