"""Save the README's screenshots with the console's own screenshot action (F12).

    python scripts/screenshots.py [--out docs/screenshots]

Runs the console headless at 120x40 on a fresh data directory with the sample data,
a fixed clock and seeded ids, starts a 4 KiB random workload on the sample volume so
the monitor's graphs move, and saves the Keys and Monitor sections as SVG.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path


async def capture(out: Path) -> list[str]:
    from kmstui.clock import Clock
    from kmstui.engine import Engine
    from kmstui.entropy import Entropy
    from kmstui.sample import seed
    from kmstui.ui.app import KmsConsole

    with tempfile.TemporaryDirectory() as work:
        engine = Engine(
            Path(work) / "data",
            Path(work) / "config",
            clock=Clock(fixed=1_800_000_000.0),
            entropy=Entropy(2027),
        )
        seed(engine)
        volume = engine.call("DescribeVolumes")["Volumes"][0]["VolumeId"]
        job = engine.ec2.workloads.start(
            volume, {"rw": "randrw", "bs": 4096, "iodepth": 8, "runtime": 60, "rate_iops": 1000}
        )
        app = KmsConsole(engine)
        saved = []
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause(0.5)
                saved.append(app.action_save_svg(str(out), "kmstui-keys.svg"))
                await pilot.press("4")
                await asyncio.sleep(6)  # a few seconds of throughput on the graphs
                await pilot.pause()
                saved.append(app.action_save_svg(str(out), "kmstui-monitor.svg"))
        finally:
            job.stop()
            engine.close()
        return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(capture(out)):
        print(path)


if __name__ == "__main__":
    main()
