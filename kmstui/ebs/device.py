"""The device an attached volume presents to its instance (and to the console and
``kmstui io``): the block device of the volume, behind the volume type's rate
limit and counted in the volume's metrics.

The limit applies to plaintext I/O before encryption, so a gp3 volume delivers
at most 3,000 IOPS / 125 MiB/s of plaintext however fast the cipher is; the time
a request waited for it is counted as throttling.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from contextlib import contextmanager

from kmstui.ebs.metrics import VolumeMetrics
from kmstui.ebs.ratelimit import RateLimiter
from kmstui.errors import ec2_error


class VolumeDevice:
    """Same methods as :class:`~kmstui.ebs.blockdevice.EncryptedBlockDevice`
    (``size``, ``read``, ``write``, ``readv``, ``writev``, ``trim``, ``flush``);
    ``block_device`` is the device underneath. After detach every call raises
    EC2's ``IncorrectState``."""

    def __init__(self, volume_id: str, block_device, limiter: RateLimiter, metrics: VolumeMetrics):
        self.volume_id = volume_id
        self.block_device = block_device
        self.size = block_device.size
        self.limiter = limiter
        self.metrics = metrics
        self._counters = metrics.counters(volume_id)
        self._gate = threading.Lock()

    @property
    def closed(self) -> bool:
        return self.block_device.closed

    def read(self, offset: int, length: int) -> bytes:
        return self.readv([(offset, length)])[0]

    def write(self, offset: int, data) -> None:
        self.writev([(offset, data)])

    def readv(self, requests: Sequence[tuple[int, int]]) -> list[bytes]:
        lengths = [length for _, length in requests]
        return self._run(False, lengths, self.block_device.readv, requests)

    def writev(self, requests: Sequence[tuple[int, bytes]]) -> None:
        lengths = [len(data) for _, data in requests]
        self._run(True, lengths, self.block_device.writev, requests)

    def trim(self, offset: int, length: int) -> None:
        self._guard(self.block_device.trim, offset, length)

    def flush(self) -> None:
        self._guard(self.block_device.flush)

    def allocation(self, offset: int, length: int) -> list[tuple[int, bool]]:
        return self._guard(self.block_device.allocation, offset, length)

    def close(self) -> None:
        self.block_device.close()

    @contextmanager
    def paused(self):
        """Hold every I/O on this device until the block ends (a snapshot's copy)."""
        with self._gate:
            yield

    def _run(self, write: bool, lengths: list[int], method, requests):
        start = time.perf_counter()
        nbytes = sum(lengths)
        waited = 0.0
        if not self.limiter.unlimited:
            waited = self.limiter.acquire(self.limiter.operations(lengths), nbytes)
        result = self._guard(method, requests)
        self._counters.record(
            write, len(lengths), nbytes, time.perf_counter() - start, waited, time.monotonic()
        )
        return result

    def _guard(self, method, *args):
        if self.block_device.closed:
            raise self._detached()
        try:
            with self._gate:
                return method(*args)
        except ValueError:
            if self.block_device.closed:
                raise self._detached() from None
            raise

    def _detached(self):
        return ec2_error(
            "IncorrectState",
            f"The volume '{self.volume_id}' has been detached; its data key was wiped.",
        )
