"""``kmstui serve``: the engine without the console, behind the AWS JSON endpoint
that boto3, the aws CLI and other SDKs talk to with ``--endpoint-url``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TYPE_CHECKING

from kmstui import opening
from kmstui.commands.common import CannotOpen, add_data_dir, fail, until_stopped
from kmstui.commands.nbd import nbd_spec

if TYPE_CHECKING:
    from kmstui.engine import Engine
    from kmstui.nbd import NbdServer

ACCOUNT_ID_HELP = (
    "account whose root user --allow-any-credentials requests are made as "
    "(default: the engine's account, 111122223333)"
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve",
        help="serve the AWS KMS JSON endpoint (no console)",
        description="Serve KMS operations over the AWS JSON 1.1 protocol, e.g. "
        "aws kms list-keys --endpoint-url http://127.0.0.1:4599. Requests are "
        "verified with Signature Version 4 against the IAM access keys the "
        "engine stores.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, loopback only)",
    )
    parser.add_argument("--port", type=int, default=4599, help="port (default: 4599)")
    parser.add_argument(
        "--allow-any-credentials",
        action="store_true",
        help="accept any credentials, unchecked, as an account's root user: the "
        "account an access key id of 12 digits names, else --account-id's "
        "(for test suites with fake keys; never on a shared machine)",
    )
    parser.add_argument("--account-id", metavar="ID", help=ACCOUNT_ID_HELP)
    parser.add_argument(
        "--region",
        help="the engine's default Region, for calls that do not name one (default: "
        "AWS_REGION, AWS_DEFAULT_REGION, region in config.toml, else us-east-1)",
    )
    parser.add_argument(
        "--seed",
        action="store_true",
        help="seed a new data directory with the sample data (keys, users, an instance "
        "and a volume) in --account-id's account; without it a new directory starts "
        "empty. A directory that has a database is never seeded",
    )
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="log one line per request (never bodies or signatures)",
    )
    parser.add_argument(
        "--nbd",
        metavar="VOLUME_ID[=PORT]",
        action="append",
        default=[],
        type=nbd_spec,
        help="also export this attached volume over NBD on loopback (default port 10809, "
        "the next one for each further volume); repeatable",
    )
    add_data_dir(parser)
    parser.set_defaults(handler=run)


def open_serving_engine(args: argparse.Namespace) -> Engine:
    """The engine on --data-dir (in --account-id's account). A new directory starts
    empty, or seeded with the sample data under --seed."""
    return opening.open_engine(
        getattr(args, "data_dir", None),
        seed=bool(getattr(args, "seed", False)),
        command="kmstui serve",
        account=args.account_id,
        region=getattr(args, "region", None),
    )


def run(args: argparse.Namespace) -> int:
    if args.account_id is not None and not (
        args.account_id.isdigit() and len(args.account_id) == 12
    ):
        return fail(f"--account-id must be 12 digits, not {args.account_id!r}")
    if not 0 <= args.port <= 65535:
        return fail(f"--port must be 0-65535, not {args.port}")
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    if args.verbose:
        logging.getLogger("kmstui.api").setLevel(logging.DEBUG)
    try:
        engine = open_serving_engine(args)
    except CannotOpen as exc:
        return fail(str(exc))
    try:
        return asyncio.run(_serve(engine, args))
    finally:
        engine.close()


async def _serve(engine: Engine, args: argparse.Namespace) -> int:
    from kmstui.api.server import EndpointServer

    server = EndpointServer(
        engine,
        args.host,
        args.port,
        allow_any_credentials=args.allow_any_credentials,
        account_id=args.account_id,
    )
    try:
        url = await server.start()
    except OSError as exc:
        return fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    print(
        f"kmstui: serving KMS at {url} (data directory {engine.data_dir}); Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    try:
        exports = await _start_exports(engine, args.nbd)
    except _CannotExport as exc:
        await server.stop()
        return fail(str(exc), 1)
    try:
        await until_stopped()
    finally:
        for export in exports:
            await export.close()
        await server.stop()
    return 0


class _CannotExport(Exception):
    pass


async def _start_exports(engine: Engine, specs: list[tuple[str, int | None]]) -> list[NbdServer]:
    """An NBD server on loopback for each ``--nbd`` volume, started."""
    from kmstui.nbd import DEFAULT_PORT, ExportUnavailable, NbdServer
    from kmstui.nbd.export import volume_export

    servers: list[NbdServer] = []
    try:
        for index, (volume_id, port) in enumerate(specs):
            try:
                export = await asyncio.to_thread(volume_export, engine.ec2, volume_id)
            except ExportUnavailable as exc:
                raise _CannotExport(f"cannot export {volume_id}: {exc}") from None
            server = NbdServer([export], port=DEFAULT_PORT + index if port is None else port)
            try:
                await server.start()
            except OSError as exc:
                await server.close()
                raise _CannotExport(
                    f"cannot listen on {server.address}: {exc.strerror or exc}"
                ) from None
            servers.append(server)
            print(f"kmstui: exporting {volume_id} at {server.address}", file=sys.stderr)
    except BaseException:
        for server in servers:
            await server.close()
        raise
    return servers
