"""Rate limiting by a generic cell-rate algorithm: each request costs time in
proportion to its I/Os and bytes; a caller waits when it runs ahead of the rate
by more than a short burst allowance. Thread-safe; sleeping happens outside the
lock so one throttled thread does not hold up the bookkeeping of others."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """At most ``iops`` operations and ``bytes_per_s`` bytes a second (None: no limit)."""

    def __init__(
        self,
        iops: float | None = None,
        bytes_per_s: float | None = None,
        *,
        burst_s: float = 0.05,
        max_io_bytes: int | None = None,
    ):
        self.iops = iops
        self.bytes_per_s = bytes_per_s
        self.burst_s = burst_s
        self.max_io_bytes = max_io_bytes
        self._lock = threading.Lock()
        self._theoretical = time.monotonic()

    @property
    def unlimited(self) -> bool:
        return not self.iops and not self.bytes_per_s

    def operations(self, lengths) -> int:
        """How many I/Os requests of these lengths count as (EBS splits large ones)."""
        if not self.max_io_bytes:
            return len(lengths)
        return sum(max(1, -(-n // self.max_io_bytes)) for n in lengths)

    def acquire(self, operations: int, nbytes: int) -> float:
        """Wait until the request may go; returns the seconds waited."""
        if self.unlimited:
            return 0.0
        cost = 0.0
        if self.iops:
            cost = operations / self.iops
        if self.bytes_per_s:
            cost = max(cost, nbytes / self.bytes_per_s)
        with self._lock:
            now = time.monotonic()
            start = max(now, self._theoretical)
            self._theoretical = start + cost
            wait = self._theoretical - self.burst_s - now
        if wait > 0:
            time.sleep(wait)
            return wait
        return 0.0
