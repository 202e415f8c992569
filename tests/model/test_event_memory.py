"""Requests with made-up member names cost no memory that lasts: once the event ring
is full, 20,000 requests each with a member name never seen before grow the process
no more than 20,000 requests with one and the same name (plus 1 MiB)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

MIB = 1024 * 1024

SCRIPT = textwrap.dedent(
    """
    import gc, json, sys
    from kmstui.engine import Engine

    def rss():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise SystemExit("no VmRSS")

    base = sys.argv[1]
    engine = Engine(base + "/data", base + "/config", record_events=False)
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    call = engine.call

    def encrypt(name):
        call("Encrypt", {"KeyId": key_id, "Plaintext": b"x", name: "value"})

    ring = engine.events._ring
    while len(ring) < ring.maxlen:  # the ring is full
        encrypt("Same")
    for _ in range(2000):  # and everything a call allocates has been allocated once
        encrypt("Same")
    gc.collect()
    before = rss()
    for _ in range(20_000):
        encrypt("Same")
    gc.collect()
    same = rss()
    for i in range(20_000):
        encrypt(f"Unknown{i:06d}")
    gc.collect()
    distinct = rss()
    print(json.dumps({"same": same - before, "distinct": distinct - same}))
    engine.close()
    """
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_distinct_unknown_member_names_cost_no_lasting_memory(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        env={"KMSTUI_CONFIG": str(tmp_path / "config"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    growth = json.loads(result.stdout.strip().splitlines()[-1])
    assert growth["distinct"] <= growth["same"] + MIB, growth
