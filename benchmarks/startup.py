"""Time to the console's first frame against a bare Textual app (Header, DataTable,
Footer), measured in the same run: each sample is a fresh interpreter that imports,
builds the app and waits for its first screen headless (App.run_test).

    python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BARE = """
import time
t0 = time.perf_counter()
import asyncio
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Bare(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

async def main():
    async with Bare().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print(time.perf_counter() - t0)

asyncio.run(main())
"""

CONSOLE = """
import time
t0 = time.perf_counter()
import asyncio, os, argparse
from kmstui.ui.app import KmsConsole


def open_engine(args):
    from kmstui.commands.common import open_engine

    return open_engine(args)

async def main():
    args = argparse.Namespace(data_dir=os.environ["BENCH_DATA"])
    app = KmsConsole(open_engine=lambda: open_engine(args))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print(time.perf_counter() - t0)
        await app.workers.wait_for_complete()
    if app.engine is not None:
        app.engine.close()

asyncio.run(main())
"""


def sample(code: str, env: dict) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    import os

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "BENCH_DATA": str(Path(tmp) / "data"),
               "KMSTUI_CONFIG": str(Path(tmp) / "config")}
        sample(CONSOLE, env)  # first run seeds the data directory
        bare, console = [], []
        for _ in range(args.runs):
            bare.append(sample(BARE, env))
            console.append(sample(CONSOLE, env))
    b, c = statistics.median(bare), statistics.median(console)
    print(f"bare Textual app  median {b * 1000:7.1f} ms  (runs {args.runs})")
    print(f"kmstui console    median {c * 1000:7.1f} ms")
    print(f"ratio             {c / b:.2f}x  (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
