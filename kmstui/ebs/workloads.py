"""fio-like I/O jobs on attached volumes, each in a background thread.

A job issues ``iodepth`` requests at a time (one ``readv`` / ``writev`` batch) of
``bs`` bytes over ``size`` bytes from ``offset``, sequentially or at random,
until ``size`` bytes are done, ``runtime`` has passed or :meth:`Job.stop` is
called. An optional rate (IOPS and/or MiB/s) paces it, as fio's ``rate_iops`` /
``rate`` do. The volume's own limit (its type's IOPS and throughput) applies on
top of that, in the device. Jobs never hold the engine lock while doing I/O.

Sizes are binary: ``4k`` = 4096 bytes, ``1m`` = 1 MiB.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from kmstui.clock import parse_duration
from kmstui.ebs.metrics import MIB, LatencyHistogram
from kmstui.ebs.ratelimit import RateLimiter
from kmstui.errors import AwsError

if TYPE_CHECKING:
    from kmstui.ebs.service import Ec2Service

RW_MODES = ("read", "write", "randread", "randwrite", "randrw")
_SIZE = re.compile(r"^\s*(\d+)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_FACTORS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
KEEP_FINISHED = 50


def parse_size(text: str | int) -> int:
    """``"4k"`` -> 4096, ``"64m"`` -> 64 MiB (binary units; plain numbers are bytes)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"not a size: {text!r} (examples: 4k, 64m, 1g)")
    return int(match.group(1)) * _FACTORS[match.group(2).lower()]


def format_size(nbytes: int) -> str:
    for unit, factor in (("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)):
        if nbytes >= factor and nbytes % factor == 0:
            return f"{nbytes // factor}{unit}"
    return str(nbytes)


@dataclass
class WorkloadSpec:
    """What a job does; field names follow fio's options."""

    rw: str = "randread"
    bs: int = 4096
    size: int | None = None  # default: the whole volume after offset
    offset: int = 0
    runtime: float | None = None  # seconds; default: until size is done
    iodepth: int = 1
    rwmixread: int = 50
    rate_iops: int | None = None
    rate_mib: float | None = None
    seed: int | None = None

    @classmethod
    def from_value(cls, spec: WorkloadSpec | dict[str, Any]) -> WorkloadSpec:
        if isinstance(spec, WorkloadSpec):
            return spec
        unknown = set(spec) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown workload options: {', '.join(sorted(unknown))}")
        values = dict(spec)
        for name in ("bs", "size", "offset"):
            if values.get(name) is not None:
                values[name] = parse_size(values[name])
        if isinstance(values.get("runtime"), str):
            values["runtime"] = parse_duration(values["runtime"])
        return cls(**values)

    def checked(self, device_size: int) -> WorkloadSpec:
        """The spec with defaults filled in for a device; ValueError says what is wrong."""
        if self.rw not in RW_MODES:
            raise ValueError(f"rw must be one of {', '.join(RW_MODES)}, not {self.rw!r}")
        if self.bs <= 0:
            raise ValueError("bs must be positive")
        if self.iodepth < 1 or self.iodepth > 1024:
            raise ValueError("iodepth must be 1..1024")
        if not 0 <= self.rwmixread <= 100:
            raise ValueError("rwmixread must be 0..100")
        if self.offset < 0 or self.offset >= device_size:
            raise ValueError(f"offset must lie inside the volume (0..{device_size - 1})")
        size = self.size if self.size is not None else device_size - self.offset
        if size > device_size - self.offset:
            raise ValueError(
                f"size {format_size(size)} from offset {self.offset} runs past the "
                f"end of the volume ({format_size(device_size)})"
            )
        size -= size % self.bs
        if size < self.bs:
            raise ValueError("size must hold at least one block of bs bytes")
        if self.runtime is not None and self.runtime <= 0:
            raise ValueError("runtime must be positive")
        return WorkloadSpec(**{**asdict(self), "size": size})


class _Direction:
    def __init__(self) -> None:
        self.ios = 0
        self.bytes = 0
        self.latency = LatencyHistogram()

    def summary(self, seconds: float) -> dict[str, Any]:
        return {
            "Ios": self.ios,
            "Bytes": self.bytes,
            "MiBps": self.bytes / seconds / MIB if seconds else 0.0,
            "Iops": self.ios / seconds if seconds else 0.0,
            "LatencyUs": self.latency.percentiles(),
        }


class Job:
    """One running workload. ``stop()`` ends it early; ``result()`` summarises it."""

    def __init__(self, job_id: str, volume_id: str, spec: WorkloadSpec, device):
        self.job_id = job_id
        self.volume_id = volume_id
        self.spec = spec
        self.device = device
        self.state = "running"
        self.error: str | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._read = _Direction()
        self._write = _Direction()
        self._started = time.perf_counter()
        self._ended: float | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"kmstui-io-{volume_id}", daemon=True
        )

    def start(self) -> Job:
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """True once the job has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def result(self) -> dict[str, Any]:
        """fio-like figures so far (final once the job has ended): MiB/s, IOPS and
        latency p50/p99/p99.9 in microseconds, per direction and in total."""
        with self._lock:
            end = self._ended if self._ended is not None else time.perf_counter()
            seconds = end - self._started
            total = _Direction()
            for part in (self._read, self._write):
                total.ios += part.ios
                total.bytes += part.bytes
                total.latency.merge(part.latency)
            spec = asdict(self.spec)
            return {
                "JobId": self.job_id,
                "VolumeId": self.volume_id,
                "State": self.state,
                "Error": self.error,
                "Spec": spec,
                "RuntimeSeconds": seconds,
                "Read": self._read.summary(seconds),
                "Write": self._write.summary(seconds),
                "Total": total.summary(seconds),
            }

    # -- the loop ---------------------------------------------------------------------
    def _run(self) -> None:
        spec = self.spec
        try:
            self._loop(spec)
            self._finish("stopped" if self._stop.is_set() else "finished")
        except AwsError as exc:  # the volume was detached under the job
            self._finish("stopped", str(exc))
        except Exception as exc:  # noqa: BLE001 - reported in the result
            self._finish("failed", f"{type(exc).__name__}: {exc}")

    def _finish(self, state: str, error: str | None = None) -> None:
        with self._lock:
            self._ended = time.perf_counter()
            self.state = state
            self.error = error

    def _loop(self, spec: WorkloadSpec) -> None:
        rng = random.Random(spec.seed)
        bs, depth = spec.bs, spec.iodepth
        assert spec.size is not None  # checked() filled it in
        blocks = spec.size // bs
        payload = memoryview(os.urandom(bs * depth))
        chunks = [payload[i * bs : (i + 1) * bs] for i in range(depth)]
        pace = None
        if spec.rate_iops or spec.rate_mib:
            pace = RateLimiter(
                spec.rate_iops, spec.rate_mib * MIB if spec.rate_mib else None, burst_s=0.0
            )
        deadline = self._started + spec.runtime if spec.runtime else None
        sequential = not spec.rw.startswith("rand")
        position = 0
        remaining = blocks
        while remaining > 0 and not self._stop.is_set():
            if deadline is not None and time.perf_counter() >= deadline:
                break
            count = min(depth, remaining)
            reads: list[tuple[int, int]] = []
            writes: list[tuple[int, Any]] = []
            for i in range(count):
                if sequential:
                    block = position % blocks
                    position += 1
                else:
                    block = rng.randrange(blocks)
                offset = spec.offset + block * bs
                if spec.rw in ("read", "randread") or (
                    spec.rw == "randrw" and rng.randrange(100) < spec.rwmixread
                ):
                    reads.append((offset, bs))
                else:
                    writes.append((offset, chunks[i]))
            if pace is not None:
                pace.acquire(count, count * bs)
            if reads:
                begin = time.perf_counter()
                self.device.readv(reads)
                self._count(self._read, len(reads), bs, time.perf_counter() - begin)
            if writes:
                begin = time.perf_counter()
                self.device.writev(writes)
                self._count(self._write, len(writes), bs, time.perf_counter() - begin)
            remaining -= count

    def _count(self, part: _Direction, ios: int, bs: int, seconds: float) -> None:
        with self._lock:
            part.ios += ios
            part.bytes += ios * bs
            part.latency.add(seconds, ios)


class Workloads:
    """The jobs of an EC2 service: start, list, stop."""

    def __init__(self, service: Ec2Service):
        self.service = service
        self._jobs: list[Job] = []
        self._lock = threading.Lock()
        self._counter = 0

    def start(self, volume_id: str, spec: WorkloadSpec | dict[str, Any]) -> Job:
        """Start a job on an attached volume. The volume's device is opened first, so a
        KMS refusal (after a restart) or an unattached volume raises here, at once."""
        spec = WorkloadSpec.from_value(spec)
        device = self.service.volume_device(volume_id)
        spec = spec.checked(device.size)
        with self._lock:
            self._counter += 1
            job = Job(f"job-{self._counter}", volume_id, spec, device)
            finished = [j for j in self._jobs if not j.running]
            if len(finished) > KEEP_FINISHED:
                for old in finished[: len(finished) - KEEP_FINISHED]:
                    self._jobs.remove(old)
            self._jobs.append(job)
        return job.start()

    def jobs(self, volume_id: str | None = None) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs if volume_id is None or j.volume_id == volume_id]

    def stop_volume(self, volume_id: str) -> None:
        for job in self.jobs(volume_id):
            job.stop()

    def stop_all(self) -> None:
        for job in self.jobs():
            job.stop()
