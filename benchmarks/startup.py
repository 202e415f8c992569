"""Time to the console's first frame against a bare Textual app (Header, DataTable,
Footer), measured in the same run: each sample is a fresh interpreter that imports,
builds the app and runs it headless (App.run_test).

Two times per sample, from the interpreter's start:

- first frame: the first update of a screen with content that the app hands to its
  driver (what a terminal would draw; headless, the driver discards it). Both apps
  are timed by the same hook.
- ready: the app is idle with its data shown. For the bare app that is its first
  frame; the console opens its data directory after the first frame, so this adds
  importing and opening the engine and listing the keys.

    python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# The same in both scripts: the time of the first update handed to the driver.
FIRST_FRAME = """
first = []

def timed(cls):
    class Timed(cls):
        def _display(self, screen, renderable):
            if renderable is not None and not first and screen.children:
                first.append(time.perf_counter() - t0)
            return super()._display(screen, renderable)
    Timed.__module__ = cls.__module__  # relative CSS paths resolve as for the app itself
    return Timed
"""

BARE = (
    """
import time
t0 = time.perf_counter()
import asyncio
from textual.app import App
from textual.widgets import DataTable, Footer, Header
"""
    + FIRST_FRAME
    + """
class Bare(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

async def main():
    async with timed(Bare)().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print(first[0], time.perf_counter() - t0)

asyncio.run(main())
"""
)

CONSOLE = (
    """
import time
t0 = time.perf_counter()
import asyncio, os, argparse
from kmstui.ui.app import KmsConsole
"""
    + FIRST_FRAME
    + """

def open_engine(args):
    from kmstui.commands.common import open_engine

    return open_engine(args)

async def main():
    args = argparse.Namespace(data_dir=os.environ["BENCH_DATA"])
    app = timed(KmsConsole)(open_engine=lambda: open_engine(args))
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.screen.query_one("#keys").row_count:
            await pilot.pause()
            await app.workers.wait_for_complete()
        await pilot.pause()
        print(first[0], time.perf_counter() - t0)
    if app.backend is not None:
        app.backend.close()

asyncio.run(main())
"""
)


def sample(code: str, env: dict) -> tuple[float, float]:
    """(first frame, ready) in seconds."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    first, ready = out.stdout.strip().splitlines()[-1].split()
    return float(first), float(ready)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    import os

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "BENCH_DATA": str(Path(tmp) / "data"),
            "KMSTUI_CONFIG": str(Path(tmp) / "config"),
        }
        sample(CONSOLE, env)  # first run seeds the data directory
        bare, console = [], []
        for _ in range(args.runs):
            bare.append(sample(BARE, env))
            console.append(sample(CONSOLE, env))
    print(f"median of {args.runs} runs      first frame      ready")
    for name, runs in (("bare Textual app", bare), ("kmstui console", console)):
        first = statistics.median(r[0] for r in runs)
        ready = statistics.median(r[1] for r in runs)
        print(f"{name:18}  {first * 1000:9.1f} ms  {ready * 1000:7.1f} ms")
    for i, what in enumerate(("first frame", "ready")):
        ratio = statistics.median(c[i] for c in console) / statistics.median(b[i] for b in bare)
        print(f"ratio, {what:12}  {ratio:.2f}x" + ("  (target <= 1.5x)" if i == 0 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
