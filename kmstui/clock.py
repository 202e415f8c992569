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

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the engine clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)


_last_formatted: tuple[int, str] = (-1, "")


def iso8601(epoch: float) -> str:
    """CloudTrail's eventTime format: ``2026-11-28T12:00:00Z`` (cached per second:
    every request formats the current time at least once)."""
    global _last_formatted
    second = int(epoch // 1)
    cached = _last_formatted
    if cached[0] == second:
        return cached[1]
    text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _last_formatted = (second, text)
    return text
