"""What every subcommand that opens the engine shares: the data-directory option,
opening (and seeding) the engine, and reporting why a directory cannot be opened."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK, EXIT_AWS_ERROR, EXIT_USAGE = 0, 1, 2


class CannotOpen(Exception):
    """The data directory cannot be opened; the message says why."""

    def __init__(self, message: str, endpoint: str | None = None):
        super().__init__(message)
        self.endpoint = endpoint


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="data directory (default: $KMSTUI_HOME or the user data dir)",
    )


def open_engine(args: argparse.Namespace, *, seed: bool = True, command: str | None = None):
    """The engine on ``--data-dir`` (seeded with sample data on first use)."""
    from kmstui.engine import Engine
    from kmstui.sample import seed_if_new
    from kmstui.store import CorruptDatabaseError, DataDirectoryInUse, RootKeyError

    try:
        engine = Engine(getattr(args, "data_dir", None), command=command)
    except DataDirectoryInUse as exc:
        raise CannotOpen(str(exc), exc.endpoint) from None
    except (CorruptDatabaseError, RootKeyError) as exc:
        raise CannotOpen(str(exc)) from None
    if seed:
        seed_if_new(engine)
    return engine


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"kmstui: {message}", file=sys.stderr)
    return code


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
