"""``kmstui clock show``, ``kmstui clock advance DURATION`` and ``kmstui clock reset``:
the engine clock, which deletion windows and automatic rotation run on."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kmstui.clock import LATEST_EPOCH, ClockLimitError, iso8601, parse_duration
from kmstui.commands.common import EXIT_AWS_ERROR, CannotOpen, add_data_dir, fail, open_engine

if TYPE_CHECKING:
    from kmstui.engine import Engine


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("clock", help="show or advance the engine clock")
    actions = parser.add_subparsers(dest="clock_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print the engine time and its offset")
    add_data_dir(show)
    show.set_defaults(handler=run_show)
    advance = actions.add_parser("advance", help="move the engine clock forward, e.g. 31d, 12h")
    advance.add_argument("duration", help="how far: 45s, 90m, 12h, 31d, 2w")
    add_data_dir(advance)
    advance.set_defaults(handler=run_advance)
    reset = actions.add_parser(
        "reset",
        help="move the engine clock back to wall time (schedules further ahead than "
        "one rotation period or deletion window come back within it)",
    )
    add_data_dir(reset)
    reset.set_defaults(handler=run_reset)


def run_show(args: argparse.Namespace) -> int:
    try:
        engine = open_engine(args, command="kmstui clock")
    except CannotOpen as exc:
        return fail(str(exc))
    with engine:
        print(f"{_shown(engine.clock.now())} (offset {engine.clock.offset / 86400:.2f} days)")
    return 0


def _shown(epoch: float) -> str:
    if epoch <= LATEST_EPOCH:
        return iso8601(epoch)
    return f"past {iso8601(LATEST_EPOCH)}, the latest time the engine can represent"


def run_advance(args: argparse.Namespace) -> int:
    try:
        seconds = parse_duration(args.duration)
    except ValueError as exc:
        return fail(str(exc))
    try:
        engine = open_engine(args, command="kmstui clock")
    except CannotOpen as exc:
        return fail(str(exc))
    with engine:
        try:
            now = engine.advance_clock(seconds, args.duration.strip())
        except ClockLimitError as exc:
            return fail(str(exc))
        except OSError as exc:
            return not_moved(engine, exc)
        print(f"engine clock is now {iso8601(now)} (offset {engine.clock.offset / 86400:.2f} days)")
    return 0


def run_reset(args: argparse.Namespace) -> int:
    try:
        engine = open_engine(args, command="kmstui clock")
    except CannotOpen as exc:
        return fail(str(exc))
    with engine:
        try:
            now = engine.reset_clock()
        except OSError as exc:
            return not_moved(engine, exc)
        print(f"engine clock is now {iso8601(now)} (offset 0.00 days)")
    return 0


def not_moved(engine: Engine, exc: OSError) -> int:
    """The answer when the new clock offset could not be saved (a full or read-only
    disk): the clock stays where it was."""
    return fail(
        f"the engine clock was not moved: {engine.store.storage_path} could not be "
        f"written ({exc.strerror or exc})",
        EXIT_AWS_ERROR,
    )
