"""Block I/O throughput through an encrypted volume, as a ratio to ``openssl speed``.

    python benchmarks/volume_io.py [--seconds 3] [--size 128m]

First runs ``openssl speed -evp aes-256-xts -bytes 4096`` for the machine's raw
XTS speed, then measures an :class:`EncryptedBlockDevice` on a temporary sparse
file: 1 MiB sequential writes and reads, 4 KiB random writes and reads one at a
time (queue depth 1) and 32 at a time (``writev``/``readv``). Each figure is
shown in MiB/s, IOPS and as a share of openssl's speed measured in the same run.

:func:`measure_device` takes anything with ``size``, ``read``, ``write``,
``readv`` and ``writev``. Unless ``--no-engine`` is given, the same workloads then
run through an engine volume: an encrypted gp3 volume created and attached through
the EC2 operations (its DEK from KMS), its I/O through ``engine.ec2.volume_device``
with the volume's rate limit switched off (``engine:`` rows), so the table shows
what the service layer (metrics, device wrapper) costs over the raw block device.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kmstui.ebs.blockdevice import EncryptedBlockDevice  # noqa: E402
from kmstui.ebs.xts import XtsCipher  # noqa: E402

KIB = 1024
MIB = 1024 * KIB
UNIT = 4096


class BlockDevice(Protocol):
    size: int

    def read(self, offset: int, length: int) -> bytes: ...
    def write(self, offset: int, data: bytes) -> None: ...
    def readv(self, requests: list[tuple[int, int]]) -> list[bytes]: ...
    def writev(self, requests: list[tuple[int, bytes]]) -> None: ...


@dataclass
class Result:
    workload: str
    operations: int
    nbytes: int
    elapsed: float

    @property
    def mib_per_s(self) -> float:
        return self.nbytes / self.elapsed / MIB

    @property
    def iops(self) -> float:
        return self.operations / self.elapsed


# -- openssl ---------------------------------------------------------------------------


def openssl_xts_speed(seconds: int = 3) -> float | None:
    """Bytes per second of ``openssl speed -evp aes-256-xts`` on 4096-byte blocks,
    or None (with a message on stderr) when openssl is missing or its output unreadable."""
    openssl = shutil.which("openssl")
    if openssl is None:
        print("openssl not found on PATH: ratios to openssl will not be shown", file=sys.stderr)
        return None
    command = [openssl, "speed", "-evp", "aes-256-xts", "-bytes", "4096", "-seconds"]
    try:
        done = subprocess.run(
            [*command, str(seconds)], capture_output=True, text=True, timeout=seconds * 10 + 30
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"could not run openssl speed: {error}", file=sys.stderr)
        return None
    speed = parse_openssl_speed(done.stdout, done.stderr)
    if speed is None:
        print(
            f"could not read openssl speed's output (exit {done.returncode}):\n"
            f"{done.stdout}{done.stderr}",
            file=sys.stderr,
        )
    return speed


def parse_openssl_speed(stdout: str, stderr: str = "") -> float | None:
    """The table row ``AES-256-XTS  6593425.41k`` is in 1000s of bytes per second;
    failing that, ``Doing ... : N AES-256-XTS's in 3.00s`` on stderr gives it too."""
    row = re.search(r"^aes-256-xts\s+([\d.]+)k\s*$", stdout, re.IGNORECASE | re.MULTILINE)
    if row:
        return float(row.group(1)) * 1000
    doing = re.search(r":\s*(\d+)\s+aes-256-xts's in\s+([\d.]+)s", stderr, re.IGNORECASE)
    if doing and float(doing.group(2)) > 0:
        return int(doing.group(1)) * 4096 / float(doing.group(2))
    return None


# -- workloads -------------------------------------------------------------------------


def _settle(device: BlockDevice) -> None:
    """Write back what earlier workloads left dirty, so that a workload does not pay
    for (or wait on) the previous one's page-cache writeback."""
    flush = getattr(device, "flush", None)
    if flush is not None:
        flush()


def _timed(name: str, seconds: float, step: Callable[[], tuple[int, int]]) -> Result:
    """Call ``step`` (returning operations and bytes done) until ``seconds`` have passed."""
    operations = nbytes = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        ops, done = step()
        operations += ops
        nbytes += done
        now = time.perf_counter()
        if now >= deadline:
            return Result(name, operations, nbytes, now - start)


def measure_device(
    device: BlockDevice, seconds: float, *, queue_depth: int = 32, seed: int = 1
) -> list[Result]:
    """Run the six workloads against ``device`` for ``seconds`` each."""
    rng = random.Random(seed)
    big = os.urandom(MIB)
    small = os.urandom(UNIT)
    sequential_slots = device.size // MIB
    units = device.size // UNIT
    offsets = [rng.randrange(units) * UNIT for _ in range(1 << 16)]

    def cycle(sequence):
        while True:
            yield from sequence

    results = []
    position = cycle(range(sequential_slots))

    def run(name: str, step: Callable[[], tuple[int, int]]) -> None:
        _settle(device)
        results.append(_timed(name, seconds, step))

    def sequential_write():
        device.write(next(position) * MIB, big)
        return 1, MIB

    def sequential_read():
        device.read(next(position) * MIB, MIB)
        return 1, MIB

    run("seq write 1M", sequential_write)
    run("seq read 1M", sequential_read)

    random_offset = cycle(offsets)

    def random_write():
        device.write(next(random_offset), small)
        return 1, UNIT

    def random_read():
        device.read(next(random_offset), UNIT)
        return 1, UNIT

    def batch_write():
        device.writev([(next(random_offset), small) for _ in range(queue_depth)])
        return queue_depth, queue_depth * UNIT

    def batch_read():
        device.readv([(next(random_offset), UNIT) for _ in range(queue_depth)])
        return queue_depth, queue_depth * UNIT

    run("rand write 4k qd1", random_write)
    run("rand read 4k qd1", random_read)
    run(f"rand write 4k qd{queue_depth}", batch_write)
    run(f"rand read 4k qd{queue_depth}", batch_read)
    return results


def measure_cipher(cipher: XtsCipher, seconds: float, suffix: str = "") -> list[Result]:
    """The cipher alone, without file I/O: 1 MiB and 4 KiB encryptions."""
    results = []
    for label, size in ((f"xts only 1M{suffix}", MIB), (f"xts only 4k{suffix}", UNIT)):
        data = os.urandom(size)
        out = bytearray(size)

        def step(data=data, out=out, size=size):
            cipher.encrypt_into(data, 12345, out)
            return 1, size

        results.append(_timed(label, seconds, step))
    return results


def fill(device: BlockDevice) -> None:
    """Write the whole device once, so reads decrypt real ciphertext, not holes."""
    chunk = os.urandom(MIB)
    for offset in range(0, device.size, MIB):
        device.write(offset, chunk[: min(MIB, device.size - offset)])


# -- report ----------------------------------------------------------------------------


class _Window:
    """The first ``size`` bytes of a device (an engine volume is whole GiBs)."""

    def __init__(self, device, size: int):
        self._device = device
        self.size = size

    def __getattr__(self, name):
        return getattr(self._device, name)


def measure_engine_volume(size: int, seconds: float, queue_depth: int, folder: str) -> list[Result]:
    """The workloads through an attached engine volume (rate limit off)."""
    from kmstui.engine import Engine

    engine = Engine(Path(folder) / "data", Path(folder) / "config", record_events=False)
    try:
        ec2 = engine.ec2
        ec2.settings.rate_limits_enabled = False
        instance = engine.call(
            "RunInstances", {"ImageId": "ami-0bench000", "MinCount": 1, "MaxCount": 1}
        )["Instances"][0]["InstanceId"]
        volume = engine.call(
            "CreateVolume",
            {
                "Size": -(-size // (1024 * MIB)),
                "AvailabilityZone": f"{engine.region}a",
                "VolumeType": "gp3",
                "Encrypted": True,
            },
        )
        engine.call(
            "AttachVolume",
            {"VolumeId": volume["VolumeId"], "InstanceId": instance, "Device": "/dev/sdf"},
        )
        device = _Window(ec2.volume_device(volume["VolumeId"]), size)
        fill(device)
        device.flush()
        results = measure_device(device, seconds, queue_depth=queue_depth)
        for result in results:
            result.workload = f"engine: {result.workload}"
        return results
    finally:
        ec2 = getattr(engine, "ec2", None)
        if ec2 is not None:
            ec2.close()
        engine.close()


def print_table(results: list[Result], openssl_bps: float | None) -> None:
    width = max([20, *(len(r.workload) for r in results)])
    print(f"{'workload':<{width}} {'MiB/s':>9} {'IOPS':>10} {'of openssl':>11}")
    for result in results:
        ratio = f"{result.nbytes / result.elapsed / openssl_bps:>10.1%}" if openssl_bps else "n/a"
        print(
            f"{result.workload:<{width}} {result.mib_per_s:>9.1f} {result.iops:>10.0f} {ratio:>11}"
        )


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([kmg]?)", text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 64m, 1g)")
    return int(match.group(1)) * {"": 1, "k": KIB, "m": MIB, "g": 1024 * MIB}[match.group(2)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per workload (default 3)")
    parser.add_argument("--size", type=parse_size, default=128 * MIB, help="device size")
    parser.add_argument("--queue-depth", type=int, default=32)
    parser.add_argument(
        "--dir", default=None, help="where the temporary backing file goes (default: system temp)"
    )
    parser.add_argument("--no-openssl", action="store_true", help="skip openssl speed")
    parser.add_argument("--no-engine", action="store_true", help="skip the attached engine volume")
    args = parser.parse_args(argv)
    if args.size < MIB or args.size % MIB:
        parser.error("--size must be a whole number of MiB")

    openssl_bps = None if args.no_openssl else openssl_xts_speed(max(1, round(args.seconds)))
    if openssl_bps:
        print(f"openssl speed -evp aes-256-xts (4096 bytes): {openssl_bps / MIB:.1f} MiB/s")
    print(f"device: {args.size // MIB} MiB sparse file in {args.dir or tempfile.gettempdir()}")
    cipher = XtsCipher(os.urandom(64))
    backend = "OpenSSL libcrypto (cffi)" if cipher.uses_libcrypto else "cryptography + numpy"
    print(f"XTS through {backend}")
    with tempfile.TemporaryDirectory(prefix="kmstui-bench-", dir=args.dir) as folder:
        path = os.path.join(folder, "volume.img")
        with EncryptedBlockDevice(path, args.size, cipher, create=True) as device:
            fill(device)
            device.flush()
            results = measure_device(device, args.seconds, queue_depth=args.queue_depth)
    results += measure_cipher(cipher, args.seconds)
    cipher.wipe()
    if cipher.uses_libcrypto:  # the path used where libcrypto cannot be loaded
        portable = XtsCipher(os.urandom(64), libcrypto=False)
        results += measure_cipher(portable, args.seconds, " (numpy)")
        portable.wipe()
    if not args.no_engine:
        with tempfile.TemporaryDirectory(prefix="kmstui-bench-", dir=args.dir) as folder:
            results += measure_engine_volume(args.size, args.seconds, args.queue_depth, folder)
    print_table(results, openssl_bps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
