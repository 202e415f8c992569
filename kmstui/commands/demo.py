"""``kmstui demo [--speed N] [--data-dir DIR]``: the console plays the story by itself
(a CMK with the seed policy, an encrypted volume, attach, I/O, rotation, a disabled
key), then hands over.

It runs on a fresh temporary data directory unless ``--data-dir`` names one, with a
fixed engine clock and seeded ids, so every run makes the same requests, ids and
events (only the measured throughput varies)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from kmstui.commands.common import add_data_dir, fail


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="play the EBS encryption story in the console")
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="N",
        help="pace: 2 is twice as fast, 0.5 half as fast (default 1)",
    )
    add_data_dir(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.speed <= 0:
        return fail("--speed must be above 0")
    data_dir = getattr(args, "data_dir", None)
    if data_dir is None:
        scratch = Path(tempfile.mkdtemp(prefix="kmstui-demo-"))
        try:
            return _play(scratch / "data", scratch / "config", args.speed)
        finally:
            remove_in_background(scratch)
    data = Path(data_dir)
    if data.exists() and any(data.iterdir()):
        return fail(f"{data} is not empty: the demo needs a fresh data directory")
    # The default config directory holds the root key, so `kmstui --data-dir DIR`
    # opens what the demo left behind.
    return _play(data, None, args.speed)


def remove_in_background(directory: Path) -> None:
    """Delete the demo's scratch directory without holding up the shell: its sparse
    volume image can take seconds to delete on some file systems. A detached process
    removes it after the console has restored the terminal; where one cannot be
    started, it is removed here, with a word first."""
    import subprocess
    import sys

    code = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"
    try:
        subprocess.Popen(
            [sys.executable, "-c", code, str(directory)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        import shutil

        print(f"Removing the demo's temporary data in {directory} …", file=sys.stderr)
        shutil.rmtree(directory, ignore_errors=True)


def _play(data_dir: Path, config_dir: Path | None, speed: float) -> int:
    from kmstui.clock import Clock
    from kmstui.engine import Engine
    from kmstui.entropy import Entropy
    from kmstui.ui.live.console import DemoConsole
    from kmstui.ui.live.story import DEMO_SEED, DEMO_TIME

    engine = Engine(
        data_dir,
        config_dir,
        clock=Clock(fixed=DEMO_TIME),
        entropy=Entropy(DEMO_SEED),
        command="kmstui demo",
    )
    app = DemoConsole(engine, speed=speed, config_dir=config_dir)
    try:
        app.run()
    finally:
        ec2 = getattr(engine, "ec2", None)
        if ec2 is not None:
            ec2.close()
        engine.close()
    return app.return_code or 0
