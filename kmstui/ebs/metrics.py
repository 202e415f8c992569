"""Per-volume I/O metrics: counters in 100 ms buckets, rates over a sliding window,
latency percentiles from log-linear histograms.

Recording an I/O is a few integer operations under a per-volume lock; nothing is
pushed to anyone. Readers ask for a :meth:`VolumeMetrics.snapshot` or hold a
:class:`Subscription` and poll it at their own bounded rate (the console redraws
at 4–10 Hz). Rates are averaged over 500 ms of completed buckets, as fio does.
Times come from the monotonic clock, not the engine clock (which tests freeze).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

BUCKET_S = 0.1
WINDOW_S = 0.5
HISTORY_BUCKETS = 600  # one minute
MIB = 1024 * 1024
PERCENTILES = (50.0, 99.0, 99.9)

_SUB_BITS = 4
_SUB = 1 << _SUB_BITS


def latency_bin(nanoseconds: int) -> int:
    """Log-linear bin of a latency: exact below 16 ns, then 16 bins per power of two
    (relative error under 1/16)."""
    if nanoseconds < _SUB:
        return max(0, nanoseconds)
    exponent = nanoseconds.bit_length() - 1
    return _SUB + (exponent - _SUB_BITS) * _SUB + (nanoseconds >> (exponent - _SUB_BITS)) - _SUB


def bin_value(index: int) -> float:
    """The middle of a bin, in nanoseconds."""
    if index < _SUB:
        return float(index)
    exponent = (index - _SUB) // _SUB + _SUB_BITS
    mantissa = (index - _SUB) % _SUB + _SUB
    low = mantissa << (exponent - _SUB_BITS)
    return low + (1 << (exponent - _SUB_BITS)) / 2


class LatencyHistogram:
    """Counts per latency bin; mergeable."""

    __slots__ = ("bins", "count")

    def __init__(self) -> None:
        self.bins: dict[int, int] = {}
        self.count = 0

    def add(self, seconds: float, times: int = 1) -> None:
        index = latency_bin(int(seconds * 1e9))
        self.bins[index] = self.bins.get(index, 0) + times
        self.count += times

    def merge(self, other: LatencyHistogram) -> None:
        for index, n in other.bins.items():
            self.bins[index] = self.bins.get(index, 0) + n
        self.count += other.count

    def percentiles(self, points=PERCENTILES) -> dict[str, float | None]:
        """Latency at each percentile, in microseconds (None with no samples)."""
        names = [_percentile_name(p) for p in points]
        if not self.count:
            return dict.fromkeys(names)
        ordered = sorted(self.bins.items())
        out: dict[str, float | None] = {}
        for name, point in zip(names, points, strict=True):
            rank = max(1, -(-self.count * point // 100))
            seen = 0
            for index, n in ordered:
                seen += n
                if seen >= rank:
                    out[name] = round(bin_value(index) / 1000, 1)
                    break
        return out


def _percentile_name(point: float) -> str:
    return f"p{point:g}"


@dataclass
class Bucket:
    start: float
    read_ops: int = 0
    write_ops: int = 0
    read_bytes: int = 0
    write_bytes: int = 0
    throttled_s: float = 0.0
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)


class VolumeCounters:
    """One volume's buckets and lifetime totals."""

    def __init__(self, volume_id: str):
        self.volume_id = volume_id
        self.lock = threading.Lock()
        self.buckets: deque[Bucket] = deque(maxlen=HISTORY_BUCKETS)
        self.totals = Bucket(0.0)
        self.rate_limit: dict[str, Any] | None = None
        self.changed = 0

    def _bucket(self, now: float) -> Bucket:
        start = now - now % BUCKET_S
        if not self.buckets or self.buckets[-1].start < start:
            if self.buckets:
                _fold(self.buckets[-1], self.totals)  # totals hold every finished bucket
            self.buckets.append(Bucket(start))
        return self.buckets[-1]

    def record(
        self,
        write: bool,
        operations: int,
        nbytes: int,
        latency_s: float,
        throttled_s: float,
        now: float,
    ) -> None:
        with self.lock:
            bucket = self._bucket(now)
            if write:
                bucket.write_ops += operations
                bucket.write_bytes += nbytes
            else:
                bucket.read_ops += operations
                bucket.read_bytes += nbytes
            if throttled_s:
                bucket.throttled_s += throttled_s
            bucket.latency.add(latency_s, operations)
            self.changed += 1

    def snapshot(self, now: float, window_s: float = WINDOW_S) -> dict[str, Any]:
        current = now - now % BUCKET_S
        with self.lock:
            recent = [b for b in self.buckets if current - window_s <= b.start < current]
            latency = LatencyHistogram()
            for b in recent:
                latency.merge(b.latency)
            totals = Bucket(0.0)
            _fold(self.totals, totals)
            if self.buckets:
                _fold(self.buckets[-1], totals)
            out = {
                "VolumeId": self.volume_id,
                "WindowSeconds": window_s,
                "ReadMiBps": sum(b.read_bytes for b in recent) / window_s / MIB,
                "WriteMiBps": sum(b.write_bytes for b in recent) / window_s / MIB,
                "ReadIops": sum(b.read_ops for b in recent) / window_s,
                "WriteIops": sum(b.write_ops for b in recent) / window_s,
                "ThrottledSeconds": sum(b.throttled_s for b in recent),
                "LatencyUs": latency.percentiles(),
                "Totals": {
                    "ReadOps": totals.read_ops,
                    "WriteOps": totals.write_ops,
                    "ReadBytes": totals.read_bytes,
                    "WriteBytes": totals.write_bytes,
                    "ThrottledSeconds": round(totals.throttled_s, 6),
                    "LatencyUs": totals.latency.percentiles(),
                },
                "RateLimit": self.rate_limit,
            }
        return out

    def series(self, now: float, seconds: float = 60.0) -> list[dict[str, float]]:
        """Per-bucket MiB/s and IOPS of the last ``seconds`` (completed buckets), oldest
        first, for graphs."""
        current = now - now % BUCKET_S
        with self.lock:
            return [
                {
                    "Start": b.start,
                    "ReadMiBps": b.read_bytes / BUCKET_S / MIB,
                    "WriteMiBps": b.write_bytes / BUCKET_S / MIB,
                    "Iops": (b.read_ops + b.write_ops) / BUCKET_S,
                }
                for b in self.buckets
                if current - seconds <= b.start < current
            ]


def _fold(source: Bucket, into: Bucket) -> None:
    into.read_ops += source.read_ops
    into.write_ops += source.write_ops
    into.read_bytes += source.read_bytes
    into.write_bytes += source.write_bytes
    into.throttled_s += source.throttled_s
    into.latency.merge(source.latency)


class VolumeMetrics:
    """Metrics of every volume that has done I/O in this process."""

    def __init__(self) -> None:
        self._volumes: dict[str, VolumeCounters] = {}
        self._lock = threading.Lock()

    def counters(self, volume_id: str) -> VolumeCounters:
        counters = self._volumes.get(volume_id)
        if counters is None:
            with self._lock:
                counters = self._volumes.setdefault(volume_id, VolumeCounters(volume_id))
        return counters

    def record(
        self,
        volume_id: str,
        *,
        write: bool,
        operations: int,
        nbytes: int,
        latency_s: float,
        throttled_s: float = 0.0,
    ) -> None:
        self.counters(volume_id).record(
            write, operations, nbytes, latency_s, throttled_s, time.monotonic()
        )

    def snapshot(self, volume_id: str, window_s: float = WINDOW_S) -> dict[str, Any]:
        """Sliding-window MiB/s and IOPS, latency p50/p99/p99.9 (µs) and totals."""
        return self.counters(volume_id).snapshot(time.monotonic(), window_s)

    def series(self, volume_id: str, seconds: float = 60.0) -> list[dict[str, float]]:
        return self.counters(volume_id).series(time.monotonic(), seconds)

    def volumes(self) -> list[str]:
        return sorted(self._volumes)

    def forget(self, volume_id: str) -> None:
        with self._lock:
            self._volumes.pop(volume_id, None)

    def subscribe(
        self, volume_ids: list[str] | None = None, *, min_interval_s: float = 0.1
    ) -> Subscription:
        """A handle to poll; it never answers more often than ``min_interval_s``."""
        return Subscription(self, volume_ids, min_interval_s)


class Subscription:
    """``poll()`` returns ``{volume_id: snapshot}`` for the volumes that did I/O since
    the previous poll, or None when polled again sooner than the interval."""

    def __init__(self, metrics: VolumeMetrics, volume_ids: list[str] | None, min_interval_s: float):
        self.metrics = metrics
        self.volume_ids = volume_ids
        self.min_interval_s = min_interval_s
        self._last_poll = float("-inf")
        self._seen: dict[str, int] = {}

    def poll(self) -> dict[str, dict[str, Any]] | None:
        now = time.monotonic()
        if now - self._last_poll < self.min_interval_s:
            return None
        self._last_poll = now
        out = {}
        for volume_id in self.volume_ids or self.metrics.volumes():
            counters = self.metrics.counters(volume_id)
            # Keep reporting for one window after I/O stops, so rates fall to zero.
            recently = counters.buckets and now - counters.buckets[-1].start < WINDOW_S + BUCKET_S
            if counters.changed != self._seen.get(volume_id) or recently:
                self._seen[volume_id] = counters.changed
                out[volume_id] = counters.snapshot(now)
        return out
