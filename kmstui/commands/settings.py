"""``kmstui settings show`` and ``kmstui settings set NAME VALUE``: engine-wide settings
kept in the data directory (the EBS caller model, EBS rate limits)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kmstui.commands.common import CannotOpen, add_data_dir, fail, open_engine

if TYPE_CHECKING:
    from kmstui.engine import Engine

SETTINGS = {
    "ebs.caller-model": "how EC2 calls KMS for volumes: aws (default) or seed",
    "ebs.rate-limits": "apply volume-type IOPS and throughput limits: on (default) or off",
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("settings", help="show or change engine settings")
    actions = parser.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print every setting and its value")
    add_data_dir(show)
    show.set_defaults(handler=run_show)
    change = actions.add_parser(
        "set",
        help="change one setting",
        description="; ".join(f"{k}: {v}" for k, v in SETTINGS.items()),
    )
    change.add_argument("name", choices=sorted(SETTINGS))
    change.add_argument("value")
    add_data_dir(change)
    change.set_defaults(handler=run_set)


def _values(engine: Engine) -> dict[str, str]:
    settings = engine.ec2.settings
    return {
        "ebs.caller-model": settings.caller_model,
        "ebs.rate-limits": "on" if settings.rate_limits_enabled else "off",
    }


def run_show(args: argparse.Namespace) -> int:
    try:
        engine = open_engine(args, command="kmstui settings")
    except CannotOpen as exc:
        return fail(str(exc))
    with engine:
        for name, value in _values(engine).items():
            print(f"{name} = {value}    # {SETTINGS[name]}")
    return 0


def run_set(args: argparse.Namespace) -> int:
    try:
        engine = open_engine(args, command="kmstui settings")
    except CannotOpen as exc:
        return fail(str(exc))
    with engine:
        settings = engine.ec2.settings
        if args.name == "ebs.caller-model":
            try:
                settings.caller_model = args.value
            except ValueError as exc:
                return fail(str(exc))
        elif args.value in ("on", "off"):
            settings.rate_limits_enabled = args.value == "on"
        else:
            return fail(f"{args.name} takes on or off")
        print(f"{args.name} = {_values(engine)[args.name]}")
    return 0
