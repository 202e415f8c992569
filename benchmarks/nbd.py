"""An encrypted volume over NBD, driven by fio, against qemu's own encrypted block device.

    python benchmarks/nbd.py [--seconds 5] [--size 256m]

Both sides are AES-256-XTS in user space behind an NBD server on a Unix socket, and the
same fio jobs (``ioengine=nbd``) run against each in the same run:

- kmstui: an encrypted gp3 volume created and attached through the EC2 operations (its
  data key from KMS), with the volume-type rate limit switched off, exported by
  :class:`kmstui.nbd.NbdServer`;
- qemu: ``qemu-nbd`` serving a LUKS image made by ``qemu-img create -f luks``
  (aes-xts-plain64).

Workloads: sequential 1 MiB and random 4 KiB reads and writes at queue depth 1 and 32.
The table shows MiB/s and IOPS of each and the ratio kmstui / qemu. Needs fio (with its
nbd engine), qemu-img and qemu-nbd (Debian: fio, qemu-utils).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kmstui.clock import Clock  # noqa: E402
from kmstui.engine import Engine  # noqa: E402
from kmstui.entropy import Entropy  # noqa: E402
from kmstui.nbd import NbdServer, transmission  # noqa: E402
from kmstui.nbd.export import volume_export  # noqa: E402

MIB = 1024 * 1024
WORKLOADS = [
    ("seq write 1m qd1", "write", "1m", 1),
    ("seq read 1m qd1", "read", "1m", 1),
    ("seq write 1m qd32", "write", "1m", 32),
    ("seq read 1m qd32", "read", "1m", 32),
    ("rand write 4k qd1", "randwrite", "4k", 1),
    ("rand read 4k qd1", "randread", "4k", 1),
    ("rand write 4k qd32", "randwrite", "4k", 32),
    ("rand read 4k qd32", "randread", "4k", 32),
]
LUKS_SECRET = "kmstui-benchmark-passphrase"


def parse_size(text: str) -> int:
    units = {"k": 1024, "m": MIB, "g": 1024 * MIB}
    text = text.strip().lower()
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def fio(uri: str, rw: str, bs: str, iodepth: int, size: int, seconds: float | None) -> dict:
    """One fio job; ``seconds`` None covers ``size`` once instead of running for a time."""
    command = [
        "fio", "--name=bench", "--ioengine=nbd", f"--uri={uri}", f"--rw={rw}", f"--bs={bs}",
        f"--iodepth={iodepth}", f"--size={size}", "--output-format=json", "--randrepeat=0",
        "--norandommap",
    ]  # fmt: skip
    if seconds is not None:
        command += [f"--runtime={seconds}", "--time_based"]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    report = result.stdout[result.stdout.index("{") :]  # the nbd engine says hello first
    job = json.loads(report)["jobs"][0]
    side = job["write" if "write" in rw else "read"]
    return {"mib_s": side["bw_bytes"] / MIB, "iops": side["iops"]}


def run_all(uri: str, size: int, seconds: float, prefill: bool) -> dict[str, dict]:
    if prefill:  # reads of never-written units are holes: fill the region first
        fio(uri, "write", "1m", 8, size, None)
    return {name: fio(uri, rw, bs, depth, size, seconds) for name, rw, bs, depth in WORKLOADS}


class KmstuiExport:
    """An attached encrypted volume of a throwaway engine, served over NBD."""

    def __init__(self, workdir: Path, size_gib: int):
        self.engine = Engine(workdir / "data", workdir / "config", clock=Clock(), entropy=Entropy())
        ec2 = self.engine.ec2
        ec2.settings.rate_limits_enabled = False
        instance = self.engine.call(
            "RunInstances", {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1}
        )["Instances"][0]["InstanceId"]
        key = self.engine.call("CreateKey", {"Description": "nbd benchmark"})["KeyMetadata"]
        volume = self.engine.call(
            "CreateVolume",
            {
                "Size": size_gib,
                "AvailabilityZone": "us-east-1a",
                "VolumeType": "gp3",
                "Encrypted": True,
                "KmsKeyId": key["Arn"],
            },
        )["VolumeId"]
        self.engine.call(
            "AttachVolume", {"VolumeId": volume, "InstanceId": instance, "Device": "/dev/sdf"}
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = NbdServer([volume_export(ec2, volume)], socket_path=workdir / "kmstui.sock")
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(30)
        self.uri = self.server.address

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.engine.ec2.close()
        self.engine.close()


class QemuLuks:
    """``qemu-nbd`` serving a LUKS (aes-xts-plain64) image."""

    def __init__(self, workdir: Path, size_gib: int):
        image = workdir / "luks.img"
        secret = f"secret,id=sec0,data={LUKS_SECRET}"
        create = [
            "qemu-img", "create", "-q", "-f", "luks", "--object", secret,
            "-o", "key-secret=sec0,cipher-alg=aes-256,cipher-mode=xts,ivgen-alg=plain64",
            str(image), f"{size_gib}G",
        ]  # fmt: skip
        # qemu-img times its key derivation on the CPU clock, and on a busy machine that
        # measurement can come back empty ("Unable to get accurate CPU usage"): try again.
        for _attempt in range(5):
            if subprocess.run(create).returncode == 0:
                break
            image.unlink(missing_ok=True)
        else:
            raise RuntimeError("qemu-img could not create the LUKS image")
        socket_path = workdir / "qemu.sock"
        self.process = subprocess.Popen(
            ["qemu-nbd", "--object", secret, "--image-opts",
             f"driver=luks,key-secret=sec0,file.filename={image}",
             "-k", str(socket_path), "--persistent", "--shared=8", "--cache=writeback",
             "--aio=threads"],
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not socket_path.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("qemu-nbd did not start")
            time.sleep(0.05)
        self.uri = f"nbd+unix:///?socket={socket_path}"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per workload (default 5)")
    parser.add_argument("--size", default="256m", help="region fio covers (default 256m)")
    parser.add_argument(
        "--batching",
        action="store_true",
        help="also run kmstui with one request per device call, to show what batching "
        "requests in flight gains",
    )
    args = parser.parse_args()
    missing = [t for t in ("fio", "qemu-img", "qemu-nbd") if shutil.which(t) is None]
    if missing:
        print(f"missing {', '.join(missing)} (Debian: fio, qemu-utils)", file=sys.stderr)
        return 2
    size = parse_size(args.size)
    size_gib = max(1, -(-size // (1024 * MIB)))
    with tempfile.TemporaryDirectory(prefix="kmstui-nbd-bench-") as tmp:
        workdir = Path(tmp)
        os.environ.setdefault("KMSTUI_CONFIG", str(workdir / "config"))
        results = {}
        sides = [("kmstui", KmstuiExport, transmission.MAX_BATCH), ("qemu", QemuLuks, None)]
        if args.batching:
            sides.append(("kmstui, one request a call", KmstuiExport, 1))
        for index, (name, server_class, batch) in enumerate(sides):
            side_dir = workdir / f"side{index}"
            side_dir.mkdir()
            if batch is not None:
                transmission.MAX_BATCH = batch
            server = server_class(side_dir, size_gib)
            try:
                results[name] = run_all(server.uri, size, args.seconds, prefill=True)
            finally:
                server.close()
    print(f"{'workload':<22}{'kmstui MiB/s':>14}{'IOPS':>9}{'qemu MiB/s':>13}{'IOPS':>9}"
          f"{'ratio':>8}")  # fmt: skip
    for name, *_ in WORKLOADS:
        ours, theirs = results["kmstui"][name], results["qemu"][name]
        ratio = ours["mib_s"] / theirs["mib_s"] if theirs["mib_s"] else float("nan")
        print(
            f"{name:<22}{ours['mib_s']:>14.1f}{ours['iops']:>9.0f}"
            f"{theirs['mib_s']:>13.1f}{theirs['iops']:>9.0f}{ratio:>7.2f}x"
        )
    if args.batching:
        print(f"\n{'workload':<22}{'batched IOPS':>14}{'one a call':>12}{'gain':>8}")
        for name, *_ in WORKLOADS:
            batched = results["kmstui"][name]["iops"]
            single = results["kmstui, one request a call"][name]["iops"]
            print(f"{name:<22}{batched:>14.0f}{single:>12.0f}{batched / single:>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
