"""How soon does the key list of an account of thousands of keys show? `kmstui serve`
on an account of 2,500 keys, each with an alias; the console opened on it through the
AWS backend (headless, 120x40), against boto3's paginators alone listing the same keys
and aliases, the two alternating in the same run.

Prints, as medians over the runs:

- the paginators: a new client, then ListKeys (PageSize 1000) and ListAliases (PageSize
  100) to the end, one after the other, alone: in a Python of their own, which shares
  neither its interpreter nor its heap with a console;
- the console, from the moment the Keys screen asks for the list: its first rows on
  screen (bound: 1 s), and every key on screen with its aliases (bound: 1.5x the
  paginators), while DescribeKey and GetKeyRotationStatus may still be filling the rows
  in; and when that is done too (no bound: 5,000 more requests).

    python benchmarks/console_keys.py             # 2,500 keys, 5 runs of each
    python benchmarks/console_keys.py --keys 500 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REGION = "us-east-1"


def paginators(url: str, credentials: tuple[str, str]) -> tuple[float, int, int]:
    """Seconds for boto3's paginators alone (a new client included), keys, aliases."""
    import boto3
    from botocore.config import Config

    began = time.perf_counter()
    kms = boto3.Session().client(
        "kms",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id=credentials[0],
        aws_secret_access_key=credentials[1],
        config=Config(retries={"mode": "standard"}),
    )
    keys = aliases = 0
    for page in kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 1000}):
        keys += len(page["Keys"])
    for page in kms.get_paginator("list_aliases").paginate(PaginationConfig={"PageSize": 100}):
        aliases += len(page["Aliases"])
    return time.perf_counter() - began, keys, aliases


def paginators_alone(url: str, credentials: tuple[str, str]) -> tuple[float, int, int]:
    """:func:`paginators` in a Python of their own."""
    done = subprocess.run(
        [sys.executable, __file__, "--paginators", url, *credentials],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, keys, aliases = json.loads(done.stdout)
    return seconds, keys, aliases


async def console(url: str, credentials: tuple[str, str], base: Path, count: int) -> dict:
    """The console's times, in seconds from the Keys screen asking for the list."""
    from textual.widgets import DataTable, Input

    from kmstui.aws.account import Where
    from kmstui.backends.aws import open_aws
    from kmstui.ui.app import KmsConsole
    from kmstui.ui.screens.keys import KeysScreen

    Input.cursor_blink = False  # type: ignore[assignment]
    asked: list[float] = []
    reload = KeysScreen.reload

    def timed_reload(screen: KeysScreen) -> None:
        if screen.app.backend is not None and not asked:
            asked.append(time.perf_counter())
        reload(screen)

    KeysScreen.reload = timed_reload  # type: ignore[method-assign]
    where = Where(region=REGION, endpoint_url=url, fallback_credentials=credentials)
    app = KmsConsole(
        open_backend=lambda: open_aws(where, data_dir=base / "home"), config_dir=base / "config"
    )
    times: dict = {}
    try:
        async with app.run_test(size=(120, 40)):
            while "described" not in times:
                await asyncio.sleep(0.005)
                screen = app.screen
                if not asked or not isinstance(screen, KeysScreen):
                    continue
                now = time.perf_counter() - asked[0]
                if "first" not in times and screen.query_one("#keys", DataTable).row_count:
                    times["first"] = now
                if "listed" not in times and screen.listed_whole:
                    times["listed"] = now
                    times["rows"] = len(screen.rows)
                    times["aliased"] = sum(bool(r.aliases) for r in screen.rows)
                if screen.loaded:
                    times["described"] = now
                if now > 600:
                    raise TimeoutError("the key list did not finish in 10 minutes")
    finally:
        KeysScreen.reload = reload  # type: ignore[method-assign]
    if times.get("rows") != count or times.get("aliased") != count:
        raise AssertionError(f"the console listed {times.get('rows')} keys: {times}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=2500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--paginators", nargs=3, metavar=("URL", "KEY", "SECRET"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.paginators:  # the reference, in the Python this started
        url, *credentials = args.paginators
        print(json.dumps(paginators(url, (credentials[0], credentials[1]))))
        return 0

    from tests import served
    from tests.aws.many_keys import CREDENTIALS, serve_keys

    with tempfile.TemporaryDirectory(prefix="kmstui-console-keys-") as tmp:
        base = Path(tmp)
        os.environ["KMSTUI_CONFIG"] = str(base / "config")
        began = time.perf_counter()
        process, url, made = serve_keys(base / "account", args.keys)
        print(f"{args.keys:,} keys with aliases made in {time.perf_counter() - began:.1f} s")
        try:
            paginators_alone(url, CREDENTIALS)  # warm both sides once
            asyncio.run(console(url, CREDENTIALS, base / "warm", args.keys))
            reference, runs = [], []
            for n in range(args.runs):
                seconds, keys, aliases = paginators_alone(url, CREDENTIALS)
                assert keys == len(made) and aliases >= len(made), (keys, aliases)
                reference.append(seconds)
                runs.append(asyncio.run(console(url, CREDENTIALS, base / f"run{n}", args.keys)))
        finally:
            served.stop(process)
    first = statistics.median(r["first"] for r in runs)
    listed = statistics.median(r["listed"] for r in runs)
    described = statistics.median(r["described"] for r in runs)
    alone = statistics.median(reference)
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load average {load:.1f}; median of {args.runs} runs"
    )
    print(f"boto3 paginators alone, keys and aliases   {alone * 1000:8.0f} ms")
    print(f"console: first rows on screen              {first * 1000:8.0f} ms  (bound 1000 ms)")
    print(
        f"console: every key with its aliases        {listed * 1000:8.0f} ms  "
        f"{listed / alone:.2f}x the paginators (bound 1.5x; rows still being described)"
    )
    print(f"console: every row described as well       {described * 1000:8.0f} ms")
    print(
        "each run (paginators / first / listed / described, ms): "
        + "; ".join(
            f"{p * 1000:.0f} / {r['first'] * 1000:.0f} / {r['listed'] * 1000:.0f} / "
            f"{r['described'] * 1000:.0f}"
            for p, r in zip(reference, runs, strict=True)
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
