"""Where the live views get their data: events, event history, throughput.

A :class:`LiveFeed` is all a monitor or volume view needs. :class:`BackendFeed` reads
the console's backend (its events, history, aliases and volume metrics);
:class:`FixedFeed` replays a fixed list of events and throughput samples, so snapshot
tests and the demo's key frames show the same thing on every run.

Events reach the UI through an :class:`EventBuffer`: the backend's subscriber (on
whatever thread made the call) appends, which is O(1) and thread-safe; the UI drains
it on its own timer. A burst of a thousand events is one redraw, not a thousand.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from kmstui.backends import History, ListHistory
from kmstui.jsonlines import loads_line
from kmstui.ui.live.records import key_id_of

if TYPE_CHECKING:
    from kmstui.backends import Backend

__all__ = [
    "BackendFeed",
    "EventBuffer",
    "FixedFeed",
    "History",
    "ListHistory",
    "LiveFeed",
    "RateCounter",
    "ThroughputSample",
    "VolumeSeries",
]

MINUTE = 60
HOUR = 60 * MINUTE


def optional_text(source: Any, name: str) -> str | None:
    """``source.name()`` (a freshness or resolution line), or None when the source has
    no such method or it fails: a label must not stop a redraw."""
    method = getattr(source, name, None)
    if method is None:
        return None
    try:
        text = method()
    except Exception:  # noqa: BLE001 - a label is only a nicety
        return None
    return str(text) if text else None


@dataclass(frozen=True, slots=True)
class ThroughputSample:
    """One volume's rates at one moment (MiB/s, IOPS, latency in microseconds)."""

    read_mibps: float = 0.0
    write_mibps: float = 0.0
    read_iops: float = 0.0
    write_iops: float = 0.0
    p50_us: float | None = None
    p99_us: float | None = None
    p999_us: float | None = None

    @property
    def mibps(self) -> float:
        return self.read_mibps + self.write_mibps

    @property
    def iops(self) -> float:
        return self.read_iops + self.write_iops

    @classmethod
    def from_metrics(cls, snapshot: dict) -> ThroughputSample:
        latency = snapshot.get("LatencyUs") or {}
        return cls(
            snapshot.get("ReadMiBps", 0.0),
            snapshot.get("WriteMiBps", 0.0),
            snapshot.get("ReadIops", 0.0),
            snapshot.get("WriteIops", 0.0),
            latency.get("p50"),
            latency.get("p99"),
            latency.get("p99.9"),
        )


@dataclass(frozen=True, slots=True)
class VolumeSeries:
    """A volume's last minute, oldest first, one point per bucket, for the graphs."""

    read_mibps: Sequence[float] = ()
    write_mibps: Sequence[float] = ()
    iops: Sequence[float] = ()


class EventBuffer:
    """Records appended by any thread, drained by the UI. Bounded: if the UI stops
    draining (a paused screen), the oldest records go (the event log keeps them)."""

    def __init__(self, limit: int = 50_000):
        self._records: deque[dict] = deque(maxlen=limit)
        self.received = 0

    def append(self, record: dict) -> None:
        self._records.append(record)  # deque.append is atomic: no lock on the hot path
        self.received += 1

    def drain(self) -> list[dict]:
        # popleft is atomic too, so a record appended meanwhile waits for the next drain
        records = self._records
        return [records.popleft() for _ in range(len(records))]


class EventWatch:
    """The events published since it last asked, read back from the recent ring by
    count: asking costs one integer comparison while nothing happens, so a view can
    ask on its redraw timer and read the engine again only when something changed.

    ``lines()`` is the ring (oldest first), ``published()`` how many were ever
    published, ``decode`` turns a ring entry into a record. The ring is read before
    the count, so a record published in between is seen twice rather than missed."""

    def __init__(
        self,
        lines: Callable[[], Sequence[Any]],
        published: Callable[[], int],
        decode: Callable[[Any], dict] = lambda record: record,
    ):
        self._lines, self._published, self._decode = lines, published, decode
        self._seen = published()

    def new(self) -> list[dict]:
        if self._published() == self._seen:
            return []
        lines = self._lines()
        published = self._published()
        count = min(published - self._seen, len(lines))
        self._seen = published
        return [self._decode(line) for line in lines[len(lines) - count :]] if count > 0 else []


def backend_watch(backend: Backend) -> EventWatch:
    """An :class:`EventWatch` over the backend's events."""
    events = backend.events
    return EventWatch(events.recent_lines, lambda: events.published, loads_line)


class RateCounter:
    """Events per second over the last minute, from drained batches (UI thread)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._seconds: deque[list[float]] = deque(maxlen=MINUTE + 1)  # [second, count]

    def add(self, count: int) -> None:
        second = float(int(self._clock()))
        if self._seconds and self._seconds[-1][0] == second:
            self._seconds[-1][1] += count
        else:
            last = self._seconds[-1][0] if self._seconds else second - 1
            for missing in range(int(min(second - last - 1, MINUTE))):
                self._seconds.append([last + 1 + missing, 0.0])
            self._seconds.append([second, float(count)])

    def series(self) -> list[float]:
        """Completed seconds, oldest first."""
        self.add(0)
        return [count for _second, count in list(self._seconds)[:-1]]

    def rate(self) -> float:
        series = self.series()
        return series[-1] if series else 0.0


class LiveFeed(Protocol):
    def subscribe(self) -> Callable[[], None]: ...

    def drain(self) -> list[dict]: ...

    @property
    def history(self) -> History: ...

    def key_alias(self, key: str) -> str: ...

    def attached(self) -> dict[str, str]: ...

    def throughput(self, volume_id: str) -> ThroughputSample: ...

    def series(self, volume_id: str) -> VolumeSeries: ...

    def kms_rate(self) -> list[float]: ...

    def jobs(self, volume_id: str) -> list[Any]: ...

    def watch(self) -> EventWatch: ...

    def freshness(self) -> str | None:
        """How fresh the events are (None: live)."""
        ...

    def resolution(self) -> str | None:
        """What the throughput figures are (None: live)."""
        ...


class BackendFeed:
    """The console's backend. ``subscribe()`` starts buffering events; call the function
    it returns to stop."""

    def __init__(self, backend: Backend, *, buffer_limit: int = 50_000):
        self.backend = backend
        self.buffer = EventBuffer(buffer_limit)
        self.kms_calls = RateCounter()
        self._aliases: dict[str, str] = {}
        self._aliases_at = float("-inf")
        self._unsubscribe: Callable[[], None] | None = None

    # -- events -----------------------------------------------------------------------
    def subscribe(self) -> Callable[[], None]:
        if self._unsubscribe is None:
            self._unsubscribe = self.backend.events.subscribe(self.buffer.append)

        def stop() -> None:
            if self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None

        return stop

    def drain(self) -> list[dict]:
        records = self.buffer.drain()
        self.kms_calls.add(sum(1 for r in records if r.get("eventSource") == "kms.amazonaws.com"))
        return records

    @property
    def history(self) -> History:
        return self.backend.events.history

    def kms_rate(self) -> list[float]:
        return self.kms_calls.series()

    def watch(self) -> EventWatch:
        return backend_watch(self.backend)

    def freshness(self) -> str | None:
        return optional_text(self.backend.events, "freshness")

    def resolution(self) -> str | None:
        return optional_text(self.backend.volumes, "resolution")

    # -- names ------------------------------------------------------------------------
    def key_alias(self, key: str) -> str:
        """The first alias of a key (ARN or id), else a short key id. The backend knows
        them without a request, so looking one up makes no event."""
        key_id = key_id_of(key)
        now = time.monotonic()
        if now - self._aliases_at > 1.0:
            self._aliases_at = now
            self._aliases = {}
        alias = self._aliases.get(key_id)
        if alias is None:
            try:
                aliases = self.backend.alias_names(key_id)
            except Exception:  # noqa: BLE001 - a name is only a nicety
                aliases = []
            alias = aliases[0] if aliases else key_id[:8]
            self._aliases[key_id] = alias
        return alias

    # -- volumes ----------------------------------------------------------------------
    def attached(self) -> dict[str, str]:
        """Volumes attached now: volume id -> instance id (read without a request)."""
        return self.backend.volumes.attached()

    def throughput(self, volume_id: str) -> ThroughputSample:
        return ThroughputSample.from_metrics(self.backend.volumes.snapshot(volume_id))

    def series(self, volume_id: str) -> VolumeSeries:
        """The last minute of live figures; the last hour of points kept at a coarser
        resolution (CloudWatch's 1-minute points)."""
        volumes = self.backend.volumes
        window = HOUR if optional_text(volumes, "resolution") else MINUTE
        points = volumes.series(volume_id, window)
        return VolumeSeries(
            [p["ReadMiBps"] for p in points],
            [p["WriteMiBps"] for p in points],
            [p["Iops"] for p in points],
        )

    def jobs(self, volume_id: str) -> list[Any]:
        workloads = self.backend.workloads
        return workloads.running(volume_id) if workloads is not None else []


@dataclass
class FixedFeed:
    """A fixed stream: the same events, aliases and throughput on every run."""

    events: list[dict] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    volumes: dict[str, str] = field(default_factory=dict)  # attached: volume -> instance
    samples: dict[str, ThroughputSample] = field(default_factory=dict)
    graphs: dict[str, VolumeSeries] = field(default_factory=dict)
    kms_series: list[float] = field(default_factory=list)
    running_jobs: dict[str, list[Any]] = field(default_factory=dict)
    pending: list[dict] = field(default_factory=list)  # handed out by the next drain
    fresh_as: str | None = None  # what freshness() says (None: live)
    resolution_as: str | None = None  # what resolution() says (None: live)

    def subscribe(self) -> Callable[[], None]:
        return lambda: None

    def drain(self) -> list[dict]:
        records, self.pending = self.pending, []
        self.events.extend(records)
        return records

    def publish(self, record: dict) -> None:
        """Tests: a record that arrives as if live."""
        self.pending.append(record)

    @property
    def history(self) -> History:
        return ListHistory(self.events)

    def key_alias(self, key: str) -> str:
        key_id = key_id_of(key)
        return self.aliases.get(key_id, key_id[:8])

    def attached(self) -> dict[str, str]:
        return dict(self.volumes)

    def throughput(self, volume_id: str) -> ThroughputSample:
        return self.samples.get(volume_id, ThroughputSample())

    def series(self, volume_id: str) -> VolumeSeries:
        return self.graphs.get(volume_id, VolumeSeries())

    def kms_rate(self) -> list[float]:
        return list(self.kms_series)

    def watch(self) -> EventWatch:
        return EventWatch(
            lambda: [*self.events, *self.pending], lambda: len(self.events) + len(self.pending)
        )

    def jobs(self, volume_id: str) -> list[Any]:
        return list(self.running_jobs.get(volume_id, ()))

    def freshness(self) -> str | None:
        return self.fresh_as

    def resolution(self) -> str | None:
        return self.resolution_as
