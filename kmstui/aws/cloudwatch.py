"""Attached volumes and their throughput on an AWS account: EC2's DescribeVolumes and
CloudWatch's AWS/EBS metrics, read in the background.

The Monitor reads attachments and rates on its redraw timer, on the UI thread, so
nothing here makes a request when asked: a refresher thread (started by the first read,
stopped by :meth:`CloudWatchVolumes.close`) calls DescribeVolumes (the attached ones)
and GetMetricData (VolumeReadBytes, VolumeWriteBytes, VolumeReadOps and VolumeWriteOps,
the Sum over each 60-second period) every :data:`REFRESH_EVERY` seconds, and the reads
answer from what it last found. When nothing has read the figures for
:data:`REST_AFTER` seconds (the Monitor is closed) it rests, sending nothing, until the
next read.

EBS sends these metrics to CloudWatch in 1-minute periods, only while a volume is
attached, and a minute's point appears some minutes after it: the rates are
per-minute averages (a period's Sum divided by 60 seconds), the newest point is minutes
old, and :meth:`CloudWatchVolumes.resolution` says so beside the graphs. No latency
figures: the AWS/EBS metrics have none per operation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kmstui.aws.cloudtrail import THROTTLED, error_of, utc_clock

PERIOD = 60  # seconds: EBS's 1-minute points
METRICS = ("VolumeReadBytes", "VolumeWriteBytes", "VolumeReadOps", "VolumeWriteOps")
WINDOW = 60 * 60  # seconds of points kept for the graphs: the last hour
REFRESH_EVERY = 60.0
REST_AFTER = 180.0  # seconds without a read after which the refresher rests
MAX_BACKOFF = 600.0
MIB = 1024 * 1024
MAX_QUERIES = 500  # GetMetricData's limit of metric queries per request
RESOLUTION = "CloudWatch AWS/EBS, 1-minute points, minutes behind"


def rates(sums: dict[str, float]) -> dict:
    """One period's Sums as the Monitor's rates (per second over the period)."""
    return {
        "ReadMiBps": sums.get("VolumeReadBytes", 0.0) / PERIOD / MIB,
        "WriteMiBps": sums.get("VolumeWriteBytes", 0.0) / PERIOD / MIB,
        "ReadIops": sums.get("VolumeReadOps", 0.0) / PERIOD,
        "WriteIops": sums.get("VolumeWriteOps", 0.0) / PERIOD,
    }


class CloudWatchVolumes:
    """``CloudWatchVolumes(ec2_for, cloudwatch_for, region)``: each ``..._for(region)``
    gives that service's client for a Region. The Monitor's
    :class:`~kmstui.backends.base.VolumeMetrics`, answering from the last refresh."""

    def __init__(
        self,
        ec2_for: Callable[[str], Any],
        cloudwatch_for: Callable[[str], Any],
        region: str,
        *,
        refresh_every: float = REFRESH_EVERY,
        clock: Callable[[], float] = time.time,
    ):
        self._ec2_for, self._cloudwatch_for = ec2_for, cloudwatch_for
        self._region = region
        self.refresh_every = refresh_every
        self.wait = refresh_every
        self._clock = clock
        self._lock = threading.Lock()
        self._attached: dict[str, str] = {}
        # volume id -> [(period start, rates)], oldest first
        self._points: dict[str, list[tuple[float, dict]]] = {}
        self.as_of: float | None = None
        self.problem: str | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_read = time.monotonic()
        self._resting = False

    # -- where it reads ---------------------------------------------------------------
    @property
    def region(self) -> str:
        return self._region

    def set_region(self, region: str) -> None:
        """Read ``region`` from now on; what was read of the one before is forgotten."""
        if region != self._region:
            with self._lock:
                self._region = region
                self._attached, self._points = {}, {}
                self.as_of, self.problem = None, None
            self._wake.set()

    # -- VolumeMetrics ----------------------------------------------------------------
    def attached(self) -> dict[str, str]:
        self._touch()
        with self._lock:
            return dict(self._attached)

    def snapshot(self, volume_id: str) -> dict:
        """The newest minute's rates (no latency: AWS/EBS has none per operation)."""
        self._touch()
        with self._lock:
            points = self._points.get(volume_id) or []
            return dict(points[-1][1]) if points else {}

    def series(self, volume_id: str, seconds: int) -> list[dict]:
        """The 1-minute points of the last ``seconds`` (by the newest point's time),
        oldest first; a minute without I/O is a zero."""
        self._touch()
        with self._lock:
            points = list(self._points.get(volume_id) or [])
        if not points:
            return []
        newest = points[-1][0]
        return [
            {
                "ReadMiBps": r["ReadMiBps"],
                "WriteMiBps": r["WriteMiBps"],
                "Iops": r["ReadIops"] + r["WriteIops"],
            }
            for at, r in points
            if at > newest - seconds
        ]

    def resolution(self) -> str:
        """What the figures are: ``CloudWatch AWS/EBS, 1-minute points, minutes
        behind · as of 12:03:04 UTC``, with a read that failed."""
        parts = [RESOLUTION]
        parts.append(f"as of {utc_clock(self.as_of)}" if self.as_of is not None else "not read yet")
        if self.problem:
            parts.append(self.problem)
        return " · ".join(parts)

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        self._stop.set()
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    # -- the refresher ----------------------------------------------------------------
    def _touch(self) -> None:
        """A read: the refresher runs (again, if it rested), the read answers at once."""
        self._last_read = time.monotonic()
        if self._resting:
            self._resting = False
            self._wake.set()
        self._start()

    def _start(self) -> None:
        if self._thread is not None or self._stop.is_set():
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="cloudwatch-volumes", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if time.monotonic() - self._last_read > REST_AFTER:
                # Nothing shows the figures (the Monitor is closed): no requests, and
                # no GetMetricData charges, until something reads them again.
                self._resting = True
                self._wake.clear()
                self._wake.wait()
                continue
            self.refresh()
            self._wake.clear()
            self._wake.wait(self.wait)

    def refresh(self) -> None:
        """Read the attachments, then their volumes' metrics. A failure is kept in
        :attr:`problem` (throttling doubles the wait before the next), never raised."""
        region = self._region
        started = self._clock()
        try:
            attached = self._describe(region)
            points = self._metrics(region, sorted(attached), started)
        except Exception as exc:  # noqa: BLE001 - shown beside the graphs, not raised
            code, message = error_of(exc)
            throttled = code in THROTTLED
            self.wait = min(MAX_BACKOFF, self.wait * 2) if throttled else self.refresh_every
            what = "throttled" if throttled else "refused"
            self.problem = f"read {what} ({code}{': ' + message if message else ''})"
            return
        with self._lock:
            if region != self._region:
                return
            self._attached, self._points = attached, points
            self.as_of, self.problem, self.wait = started, None, self.refresh_every

    def _describe(self, region: str) -> dict[str, str]:
        """DescribeVolumes, every page: attached volume id -> instance id."""
        ec2 = self._ec2_for(region)
        params: dict[str, Any] = {
            "Filters": [{"Name": "attachment.status", "Values": ["attached"]}],
            "MaxResults": 500,
        }
        attached: dict[str, str] = {}
        while True:
            answer = ec2.describe_volumes(**params)
            for volume in answer.get("Volumes") or ():
                for attachment in volume.get("Attachments") or ():
                    if attachment.get("State") == "attached" and attachment.get("InstanceId"):
                        attached[volume["VolumeId"]] = attachment["InstanceId"]
                        break
            token = answer.get("NextToken")
            if not token:
                return dict(sorted(attached.items()))
            params["NextToken"] = token

    def _metrics(
        self, region: str, volumes: list[str], now: float
    ) -> dict[str, list[tuple[float, dict]]]:
        """GetMetricData over the last hour, each volume's points oldest first."""
        if not volumes:
            return {}
        queries: list[dict] = []
        named: dict[str, tuple[str, str]] = {}
        for index, volume in enumerate(volumes):
            for metric in METRICS:
                query_id = f"v{index}_{metric.lower()}"
                named[query_id] = (volume, metric)
                queries.append(
                    {
                        "Id": query_id,
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/EBS",
                                "MetricName": metric,
                                "Dimensions": [{"Name": "VolumeId", "Value": volume}],
                            },
                            "Period": PERIOD,
                            "Stat": "Sum",
                        },
                        "ReturnData": True,
                    }
                )
        end = int(now // PERIOD) * PERIOD
        sums: dict[str, dict[float, dict[str, float]]] = {v: {} for v in volumes}
        cloudwatch = self._cloudwatch_for(region)
        for first in range(0, len(queries), MAX_QUERIES):
            params: dict[str, Any] = {
                "MetricDataQueries": queries[first : first + MAX_QUERIES],
                "StartTime": datetime.fromtimestamp(end - WINDOW, UTC),
                "EndTime": datetime.fromtimestamp(end, UTC),
                "ScanBy": "TimestampAscending",
            }
            while True:
                answer = cloudwatch.get_metric_data(**params)
                for result in answer.get("MetricDataResults") or ():
                    volume, metric = named.get(result.get("Id", ""), ("", ""))
                    if not volume:
                        continue
                    for at, value in zip(
                        result.get("Timestamps") or (), result.get("Values") or (), strict=False
                    ):
                        stamp = at.timestamp() if isinstance(at, datetime) else float(at)
                        sums[volume].setdefault(stamp, {})[metric] = float(value)
                token = answer.get("NextToken")
                if not token:
                    break
                params["NextToken"] = token
        return {volume: _filled(by_time) for volume, by_time in sums.items()}


def _filled(by_time: dict[float, dict[str, float]]) -> list[tuple[float, dict]]:
    """Each minute from the first point to the last, as rates (a minute CloudWatch has
    no point for reads as zero)."""
    if not by_time:
        return []
    first, last = min(by_time), max(by_time)
    return [
        (at, rates(by_time.get(at, {})))
        for at in (first + PERIOD * step for step in range(int((last - first) // PERIOD) + 1))
    ]
