"""Is the console still responsive under load? The Monitor section, headless, while
four attached volumes each run 4 KiB random reads and writes limited to 1,000 IOPS
and other threads make 1,000 KMS calls a second.

Prints the time from a key press to the widget showing its effect (p50 / p95 over
many presses: cursor moves and pause toggles), what load was actually achieved, and
memory: peak RSS (``ru_maxrss``) and an RSS sample every second, to show it is flat
once the first ten seconds have passed.

    python benchmarks/ui_load.py               # one minute
    python benchmarks/ui_load.py --seconds 15  # shorter
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VOLUMES = 4
IOPS_PER_VOLUME = 1000
KMS_PER_SECOND = 1000


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def prepare(engine) -> tuple[str, list[str]]:
    from kmstui.ebs import install

    ec2 = install(engine)
    key_id = engine.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    engine.call("CreateAlias", {"AliasName": "alias/load", "TargetKeyId": key_id})
    instance = engine.call(
        "RunInstances", {"ImageId": "ami-0kmstui00000000", "MinCount": 1, "MaxCount": 1}
    )["Instances"][0]["InstanceId"]
    volumes = []
    for n in range(VOLUMES):
        volume_id = engine.call(
            "CreateVolume",
            {
                "Size": 1,
                "VolumeType": "gp3",
                "AvailabilityZone": f"{engine.region}a",
                "Encrypted": True,
                "KmsKeyId": "alias/load",
            },
        )["VolumeId"]
        engine.call(
            "AttachVolume",
            {"VolumeId": volume_id, "InstanceId": instance, "Device": f"/dev/sd{'fghi'[n]}"},
        )
        volumes.append(volume_id)
    for volume_id in volumes:
        ec2.workloads.start(
            volume_id, {"rw": "randrw", "bs": "4k", "iodepth": 32, "rate_iops": IOPS_PER_VOLUME}
        )
    return key_id, volumes


def kms_load(engine, key_id: str, stop: threading.Event, counter: list[int], rate: float) -> None:
    """Encrypt and Decrypt in turn at ``rate`` calls a second (paced per 10 ms)."""
    blob = engine.call(
        "Encrypt", {"KeyId": key_id, "Plaintext": b"x" * 32, "EncryptionContext": {"app": "load"}}
    )["CiphertextBlob"]
    start = time.perf_counter()
    done = 0
    while not stop.is_set():
        due = int((time.perf_counter() - start) * rate)
        while done < due and not stop.is_set():
            if done % 2:
                engine.call(
                    "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"app": "load"}}
                )
            else:
                engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"y" * 32})
            done += 1
            counter[0] += 1
        time.sleep(0.005)


def send_key(app, key: str) -> None:
    from textual import events

    app._driver.send_message(events.Key(key, key if len(key) == 1 else None))


def status_text(pane) -> str:
    return str(pane.query_one("#monitor-status").render())


async def drive(seconds: float, warmup: float) -> dict:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer

    from kmstui.backends import EmbeddedBackend
    from kmstui.engine import Engine
    from kmstui.ui.live.event_list import EventList
    from kmstui.ui.live.monitor import MonitorPane

    scratch = tempfile.mkdtemp(prefix="kmstui-ui-load-")
    engine = Engine(Path(scratch) / "data", Path(scratch) / "config")
    key_id, volumes = prepare(engine)

    class Host(App):
        def compose(self) -> ComposeResult:
            yield MonitorPane(EmbeddedBackend(engine))
            yield Footer()

    stop = threading.Event()
    kms_calls = [0]
    threads = [
        threading.Thread(
            target=kms_load, args=(engine, key_id, stop, kms_calls, KMS_PER_SECOND / 2), daemon=True
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    latencies: list[float] = []
    rss: list[tuple[float, float]] = []
    app = Host()
    began = time.perf_counter()
    async with app.run_test(size=(120, 40)):
        pane = app.query_one(MonitorPane)
        events = app.query_one(EventList)
        next_sample = began
        presses = 0
        while (now := time.perf_counter()) - began < seconds:
            if now >= next_sample:
                rss.append((now - began, rss_mib()))
                next_sample += 1.0
            if now - began < warmup:
                await asyncio.sleep(0.1)
                continue
            presses += 1
            # The key goes in as the terminal driver would deliver it; Pilot.press
            # would wait for the whole process to go idle, which it never does here.
            if presses % 4 == 0:
                before = pane.paused
                t0 = time.perf_counter()
                send_key(app, "p")
                while pane.paused == before or ("PAUSED" in status_text(pane)) == before:
                    await asyncio.sleep(0.0005)
            else:
                key = "down" if presses % 4 == 3 else "up"
                before = events.cursor
                t0 = time.perf_counter()
                send_key(app, key)
                while events.cursor == before:
                    await asyncio.sleep(0.0005)
            latencies.append(time.perf_counter() - t0)
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - began
        shown = events.total
    stop.set()
    for thread in threads:
        thread.join()
    io = {}
    for volume_id in volumes:
        totals = engine.ec2.metrics.snapshot(volume_id)["Totals"]
        io[volume_id] = (totals["ReadOps"] + totals["WriteOps"]) / elapsed
    engine.ec2.close()
    engine.close()
    return {
        "latencies": latencies,
        "rss": rss,
        "kms_rate": kms_calls[0] / elapsed,
        "io": io,
        "events_stored": shown,
        "elapsed": elapsed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    args = parser.parse_args()
    result = asyncio.run(drive(args.seconds, min(args.warmup, args.seconds / 4)))
    latencies = sorted(result["latencies"])
    ms = [x * 1000 for x in latencies]
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))] if ms else float("nan")
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"
    )
    print(
        f"ran {result['elapsed']:.1f} s: KMS calls {result['kms_rate']:,.0f}/s; "
        f"IOPS per volume "
        + ", ".join(f"{v:,.0f}" for v in result["io"].values())
        + f"; events in the history {result['events_stored']:,}"
    )
    print(
        f"key press -> effect over {len(ms)} presses: p50 {statistics.median(ms):.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(ms):.1f} ms (target p95 < 100 ms)"
    )
    samples = result["rss"]
    later = [m for t, m in samples if t >= 10]
    print(
        f"memory: peak RSS {peak_mib():.0f} MiB; RSS after 10 s min {min(later, default=0):.0f}"
        f" / max {max(later, default=0):.0f} MiB"
    )
    print("RSS per second (MiB): " + " ".join(f"{m:.0f}" for _t, m in samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
