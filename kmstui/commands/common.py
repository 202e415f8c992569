"""What every subcommand that opens the engine shares: the data-directory option,
opening (and seeding) the engine, and reporting why a directory cannot be opened."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from kmstui import opening
from kmstui.opening import CannotOpen

if TYPE_CHECKING:
    from kmstui.engine import Engine

__all__ = ["CannotOpen", "add_data_dir", "fail", "open_engine", "print_json", "until_stopped"]

EXIT_OK, EXIT_AWS_ERROR, EXIT_USAGE = 0, 1, 2


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="data directory (default: $KMSTUI_HOME or the user data dir)",
    )


def open_engine(
    args: argparse.Namespace, *, seed: bool = True, command: str | None = None
) -> Engine:
    """The engine on ``--data-dir`` (seeded with sample data on first use).
    CannotOpen says why not, an OS error included (a path that names a file ...)."""
    data_dir = getattr(args, "data_dir", None)
    try:
        return opening.open_engine(
            data_dir, seed=seed, command=command, region=getattr(args, "region", None)
        )
    except OSError as exc:
        where = exc.filename if exc.filename is not None else data_dir
        reason = exc.strerror or type(exc).__name__
        raise CannotOpen(f"cannot open the data directory: {where}: {reason}") from None


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"kmstui: {message}", file=sys.stderr)
    return code


def print_json(value: Any) -> None:
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):  # a lone surrogate, or a narrow terminal
        text = json.dumps(value, indent=2, default=str)
    sys.stdout.write(text + "\n")


async def until_stopped() -> None:
    """Wait until the process is asked to stop (Ctrl-C or SIGTERM)."""
    import asyncio
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not on Windows
            pass
    await stop.wait()
