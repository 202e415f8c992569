"""``kmstui events [--follow] [--json] [--tail N]``: the event history, newest last.

Reads the event segments directly, without taking the data directory's lock, so it
works while a console or server owns the directory."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable

from kmstui import paths
from kmstui.commands.common import add_data_dir


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("events", help="print the event history (CloudTrail-shaped)")
    parser.add_argument(
        "--follow", "-f", action="store_true", help="keep printing new events as they happen"
    )
    parser.add_argument("--json", action="store_true", help="one JSON record per line")
    parser.add_argument(
        "--tail",
        "-n",
        type=int,
        default=None,
        metavar="N",
        help="only the newest N events (default: all)",
    )
    add_data_dir(parser)
    parser.set_defaults(handler=run)


def summary_line(record: dict) -> str:
    """One readable line: time, operation, principal, key, decision."""
    identity = record.get("userIdentity") or {}
    who = identity.get("arn") or identity.get("invokedBy") or "?"
    resources = record.get("resources") or []
    what = resources[0]["ARN"].rsplit("/", 1)[-1] if resources else "-"
    decision = record.get("decision") or {}
    outcome = record.get("errorCode") or decision.get("effect") or "OK"
    decided = ",".join(decision.get("decidedBy") or [])
    context = (record.get("requestParameters") or {}).get("encryptionContext")
    parts = [
        record.get("eventTime", "?"),
        f"{record.get('eventName', '?'):<32}",
        who,
        what,
        outcome,
    ]
    if decided:
        parts.append(f"by {decided}")
    if context:
        parts.append(json.dumps(context, separators=(",", ":"), ensure_ascii=False))
    return "  ".join(parts)


def _emit(record: dict, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        sys.stdout.write(summary_line(record) + "\n")


def run(args: argparse.Namespace) -> int:
    from kmstui.store.eventlog import EventLog

    directory = paths.data_dir(getattr(args, "data_dir", None)) / "events"
    log = EventLog.open_readonly(directory)
    records: Iterable[dict]
    if args.tail is not None:
        records = log.tail(max(0, args.tail))
    else:
        records = log.iter()
    for record in records:
        _emit(record, args.json)
    sys.stdout.flush()
    if args.follow:
        for record in log.follow():
            _emit(record, args.json)
            sys.stdout.flush()
    return 0
