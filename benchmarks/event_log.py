"""Append throughput of the event history with 10 events stored vs a million, and
page() latency deep in the history.

    python benchmarks/event_log.py [--history 1000000] [--appends 50000] [--no-sync]

The large history is laid down by writing segment files and the index directly (the
format is described in ``kmstui/store/eventlog.py``), which takes seconds instead of
the minutes a million fsynced appends would. Appends are then timed through the
public API, with a flush every ``--flush-every`` appends standing in for the
background thread, so the figure includes rotation, fsync and retention work.
"""

from __future__ import annotations

import argparse
import inspect
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kmstui.store.eventlog import INDEX_NAME, EventLog, segment_name  # noqa: E402

# the size the log rotates at by default, so the laid-down history looks like a real one
SEGMENT_BYTES = inspect.signature(EventLog).parameters["segment_bytes"].default
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def record(i: int) -> dict:
    return {
        "eventVersion": "1.08",
        "eventID": f"{i:08x}-5d1c-4b3e-9a0f-{i:012x}",
        "eventTime": f"2026-11-28T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "eventSource": "kms.amazonaws.com",
        "eventName": ("Encrypt", "Decrypt", "GenerateDataKey", "DescribeKey")[i % 4],
        "awsRegion": "us-east-1",
        "sourceIPAddress": "127.0.0.1",
        "userAgent": "kmstui/0.1",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
        },
        "requestParameters": {
            "keyId": KEY_ARN,
            "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "encryptionContext": {"aws:ebs:id": f"vol-{i:017x}"},
        },
        "responseElements": None,
        "errorCode": None,
        "resources": [
            {
                "accountId": "111122223333",
                "type": "AWS::KMS::Key",
                "ARN": KEY_ARN,
            }
        ],
        "decision": "Allow",
        "decidedBy": "Enable IAM User Permissions",
    }


def prefill(directory: Path, events: int) -> None:
    """Write ``events`` records as full segments plus an index, without the API."""
    directory.mkdir(parents=True)
    lines, size, i = [], 0, 0
    while size < SEGMENT_BYTES:
        line = json.dumps(record(i), separators=(",", ":")).encode() + b"\n"
        lines.append(line)
        size += len(line)
        i += 1
    template = b"".join(lines)
    per_segment = len(lines)
    sealed, first, seq = [], 0, 1
    while first < events:
        count = min(per_segment, events - first)
        body = template if count == per_segment else b"".join(lines[:count])
        (directory / segment_name(seq)).write_bytes(body)
        sealed.append([seq, first, count, len(body)])
        first += count
        seq += 1
    # the last one stays open for appends, as a running writer would leave it
    (directory / INDEX_NAME).write_text(json.dumps({"format": 1, "segments": sealed[:-1]}))


def time_appends(directory: Path, appends: int, flush_every: int, sync: bool) -> dict:
    records = [record(10_000_000 + i) for i in range(appends)]
    started = time.perf_counter()
    log = EventLog(directory, sync=sync)
    opened = time.perf_counter() - started
    stored_before = len(log)
    started = time.perf_counter()
    for i, item in enumerate(records, 1):
        log.append(item)
        if i % flush_every == 0:
            log.flush()
    log.flush()
    elapsed = time.perf_counter() - started
    log.close()
    return {
        "stored": stored_before,
        "open_ms": opened * 1000,
        "rate": appends / elapsed,
        "after": len(EventLog.open_readonly(directory)),
    }


def time_call(call, repeat: int = 1) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=50_000)
    parser.add_argument("--flush-every", type=int, default=1_000)
    parser.add_argument("--no-sync", action="store_true")
    args = parser.parse_args()
    sync = not args.no_sync

    root = Path(tempfile.mkdtemp(prefix="kmstui-eventlog-bench-"))
    try:
        small, large = root / "small", root / "large"
        prefill(small, 10)
        started = time.perf_counter()
        prefill(large, args.history)
        print(f"prefilled {args.history:,} events in {time.perf_counter() - started:.1f} s")

        print(
            f"\nappend throughput ({args.appends:,} appends, flush every {args.flush_every}, "
            f"sync={sync}, record ~{len(json.dumps(record(0)))} B)"
        )
        results = {}
        for name, directory in (("small", small), ("large", large)):
            result = time_appends(directory, args.appends, args.flush_every, sync)
            results[name] = result
            print(
                f"  {result['stored']:>9,} stored: {result['rate']:>9,.0f} appends/s   "
                f"open {result['open_ms']:6.1f} ms   {result['after']:,} after retention"
            )
        ratio = results["small"]["rate"] / results["large"]["rate"]
        print(f"  ratio (10 stored / {results['large']['stored']:,} stored): {ratio:.2f}")

        print("\npage() latency, 50 events per page")
        reader = EventLog.open_readonly(large)
        total = len(reader)
        for label, before in (
            ("near the oldest (index 50)", 50),
            ("middle", total // 2),
            ("newest (tail)", None),
        ):
            cold = time_call(lambda b=before: reader.page(b, 50))
            warm = time_call(lambda b=before: reader.page(b, 50), repeat=20)
            print(f"  {label:<28} cold {cold:7.2f} ms   warm {warm:6.2f} ms")
        scroll = time_call(lambda: [reader.page(total // 3 - k * 50, 50) for k in range(100)])
        print(f"  scroll 100 pages back from 1/3: {scroll / 100:.2f} ms/page")
        fresh = EventLog.open_readonly(large)
        print(f"  tail(50) from a fresh reader:   {time_call(lambda: fresh.tail(50)):.2f} ms")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
