"""The ``kmstui`` command: the console by default, and subcommands for scripts.

Each subcommand lives in its own module under ``kmstui.commands`` and registers an
argparse parser; this module only assembles them and runs the chosen one."""

from __future__ import annotations

import argparse
import importlib
import sys

from kmstui import __version__
from kmstui.commands.common import add_data_dir
from kmstui.commands.nbd import nbd_spec

# (module, name) of every subcommand, in the order --help lists them.
COMMANDS = [
    ("kmstui.commands.call", "call"),
    ("kmstui.commands.events", "events"),
    ("kmstui.commands.clock", "clock"),
    ("kmstui.commands.policy", "policy"),
    ("kmstui.commands.io", "io"),
    ("kmstui.commands.settings", "settings"),
    ("kmstui.commands.serve", "serve"),
    ("kmstui.commands.nbd", "nbd"),
    ("kmstui.commands.doctor", "doctor"),
    ("kmstui.commands.demo", "demo"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kmstui",
        description="A terminal console for an embedded emulation of AWS KMS and EBS "
        "volume encryption. Without a command, opens the console: on the embedded engine, "
        "or with --aws or --endpoint-url on an AWS account or an AWS-compatible endpoint "
        "(read-only unless --allow-writes).",
    )
    parser.add_argument("--version", action="version", version=f"kmstui {__version__}")
    add_data_dir(parser)
    parser.add_argument(
        "--region",
        default=argparse.SUPPRESS,
        help="the engine's default Region (default: AWS_REGION, AWS_DEFAULT_REGION, "
        "region in config.toml, else us-east-1)",
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="also serve the AWS JSON endpoint while the console runs",
    )
    parser.add_argument("--port", type=int, default=4599, help="port for --serve (default 4599)")
    parser.add_argument(
        "--allow-any-credentials",
        action="store_true",
        help="with --serve: accept any credentials as the account root "
        "(for test suites with fake keys)",
    )
    parser.add_argument(
        "--nbd",
        metavar="VOLUME_ID[=PORT]",
        action="append",
        default=[],
        type=nbd_spec,
        help="export this attached volume over NBD on loopback while the console runs "
        "(default port 10809, the next one for each further volume); repeatable",
    )
    parser.add_argument("--readonly", action="store_true", help=argparse.SUPPRESS)
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--aws",
        action="store_true",
        help="open the console on your AWS account (boto3's credential chain: environment, "
        "profiles, SSO), read-only unless --allow-writes",
    )
    where.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="open the console on any AWS-compatible endpoint (another host's kmstui serve, "
        "LocalStack, moto), read-only unless --allow-writes",
    )
    parser.add_argument("--profile", metavar="NAME", help="with --aws: the AWS profile to use")
    parser.add_argument(
        "--allow-writes",
        action="store_true",
        help="with --aws or --endpoint-url: send changes, each after you confirm the exact call",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name, _name in COMMANDS:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        return run_console(args)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def run_console(args: argparse.Namespace) -> int:
    from kmstui.commands.console import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
