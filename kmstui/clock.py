"""The engine clock: wall time plus an offset an administrator can advance.

Deletion windows and automatic rotation run on this clock, never on ``time.time()``
directly, so `kmstui clock advance 31d` lets a person watch them happen and tests and
demos can fix time entirely.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

# The latest time the engine clock may show. Python's datetime (and so every date an
# SDK parses from a response) ends at 9999-12-31; the engine also schedules dates
# after its own time: a rotation up to 2560 days ahead, a deletion 30 days ahead.
# Stopping the clock at the start of 9990 leaves room for both.
LATEST = datetime(9990, 1, 1, tzinfo=UTC)
LATEST_EPOCH = LATEST.timestamp()
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> float:
    """``"31d"`` -> seconds. Units: s, m, h, d, w (plain numbers are seconds)."""
    total = 0.0
    parts = re.findall(r"\d+(?:\.\d+)?\s*[smhdw]?", text.strip())
    if not parts or "".join(p.replace(" ", "") for p in parts) != text.replace(" ", ""):
        raise ValueError(f"not a duration: {text!r} (examples: 31d, 12h, 90m, 45s)")
    for part in parts:
        match = _DURATION.match(part)
        assert match is not None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    return total


class ClockLimitError(ValueError):
    """An advance the engine clock refuses: it would pass :data:`LATEST`."""


class Clock:
    """Wall clock with an advanceable offset. ``fixed`` freezes wall time (tests, demos)."""

    def __init__(self, *, fixed: float | None = None, offset: float = 0.0):
        self._fixed = fixed
        self._offset = offset
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    @property
    def is_fixed(self) -> bool:
        return self._fixed is not None

    def now(self) -> float:
        base = self._fixed if self._fixed is not None else time.time()
        return base + self._offset

    def check_advance(self, seconds: float, shown: str | None = None) -> None:
        """ClockLimitError (a ValueError) unless the clock can move ``seconds`` ahead:
        forward only, and never past :data:`LATEST`. ``shown`` is the duration as the
        user wrote it, for the message."""
        if seconds < 0:
            raise ValueError("the engine clock only moves forward")
        now = self.now()
        if not now + seconds <= LATEST_EPOCH:  # also refuses inf and nan
            room = max(0.0, LATEST_EPOCH - now) / 86400
            raise ClockLimitError(
                f"Cannot advance the engine clock by {shown or f'{seconds:g}s'}: it must stay "
                f"before {iso8601(LATEST_EPOCH)}, the latest time the engine can represent "
                f"(at most {room:.2f} days from {iso8601(now)})."
            )

    def advance(self, seconds: float, shown: str | None = None) -> float:
        """Move the clock ``seconds`` forward (see :meth:`check_advance`); nothing
        changes when it refuses."""
        with self._lock:
            self.check_advance(seconds, shown)
            self._offset += seconds
        return self.now()

    def set_offset(self, offset: float) -> None:
        """Put back an offset this clock had (undoing an advance that was not saved)."""
        with self._lock:
            self._offset = offset

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)


def iso8601(epoch: float) -> str:
    """CloudTrail's eventTime format: ``2026-11-28T12:00:00Z`` (whole seconds)."""
    return datetime.fromtimestamp(int(epoch // 1), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
