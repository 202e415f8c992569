"""``kmstui nbd VOLUME_ID [--port 10809 | --socket PATH] [--read-only]``: serve an
attached volume over the Network Block Device protocol, for qemu, nbdcopy, fio or the
kernel's nbd client, until Ctrl-C.

Like ``kmstui io``, this is a new engine process: the volume's data key is decrypted
through KMS first, under the same policy check as an attach. Exit 0 when stopped, 1 when
the volume cannot be exported (the EC2 or KMS error), 2 on a usage error."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TYPE_CHECKING

from kmstui.commands.common import CannotOpen, add_data_dir, fail, open_engine, until_stopped

if TYPE_CHECKING:
    from kmstui.nbd import Export, NbdServer

PLAINTEXT_WARNING = (
    "NBD carries the volume's plaintext unencrypted on the wire: anyone who can reach "
    "{where} can read and write the volume"
)


def nbd_spec(text: str) -> tuple[str, int | None]:
    """``VOLUME_ID`` or ``VOLUME_ID=PORT``."""
    volume_id, _, port = text.partition("=")
    if not volume_id.startswith("vol-"):
        raise argparse.ArgumentTypeError(f"not a volume id: {volume_id!r}")
    if not port:
        return volume_id, None
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port: {port!r}")
    return volume_id, int(port)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "nbd",
        help="serve an attached volume as a Network Block Device",
        description="Serve an attached encrypted volume over NBD (loopback TCP or a Unix "
        "socket) until Ctrl-C. Clients: qemu-img, qemu-io, nbdcopy, nbdinfo, fio "
        "(ioengine=nbd), nbd-client. Writes are durable once sent with FUA or followed by "
        "a completed flush.",
    )
    parser.add_argument("volume_id", metavar="VOLUME_ID", help="an attached volume, vol-...")
    add_listen_arguments(parser)
    parser.add_argument("--read-only", action="store_true", help="refuse writes")
    add_data_dir(parser)
    parser.set_defaults(handler=run)


def add_listen_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--port", type=int, default=None, help="TCP port on --host (default 10809)")
    where.add_argument("--socket", metavar="PATH", help="a Unix socket instead (mode 0600)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address for TCP (default 127.0.0.1; another needs --allow-remote)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host that is not loopback (the plaintext crosses the network)",
    )


def check_listen_arguments(args: argparse.Namespace) -> str | None:
    """Why the listening options are unusable, or None."""
    from kmstui.nbd import is_loopback

    if args.port is not None and not 0 <= args.port <= 65535:
        return f"--port must be 0-65535, not {args.port}"
    if args.socket is None and not is_loopback(args.host) and not args.allow_remote:
        return (
            f"--host {args.host} is not a loopback address: NBD has no encryption, so "
            "say --allow-remote to export the volume's plaintext over the network"
        )
    return None


def make_server(args: argparse.Namespace, exports: list[Export]) -> NbdServer:
    from kmstui.nbd import DEFAULT_PORT, NbdServer

    if args.socket is not None:
        return NbdServer(exports, socket_path=args.socket)
    port = DEFAULT_PORT if args.port is None else args.port
    return NbdServer(exports, host=args.host, port=port)


def run(args: argparse.Namespace) -> int:
    from kmstui.nbd import ExportUnavailable
    from kmstui.nbd.export import volume_export

    problem = check_listen_arguments(args)
    if problem:
        return fail(problem)
    try:
        engine = open_engine(args, command="kmstui nbd")
    except CannotOpen as exc:
        return fail(str(exc))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        try:
            export = volume_export(engine.ec2, args.volume_id, read_only=args.read_only)
        except ExportUnavailable as exc:
            return fail(f"cannot export {args.volume_id}: {exc}", 1)
        return asyncio.run(_serve(make_server(args, [export]), args))
    finally:
        engine.ec2.close()
        engine.close()


async def _serve(server: NbdServer, args: argparse.Namespace) -> int:
    try:
        await server.start()
    except OSError as exc:
        return fail(f"cannot listen on {server.address}: {exc.strerror or exc}")
    if args.socket is None and args.allow_remote:
        print(f"kmstui: warning: {PLAINTEXT_WARNING.format(where=server.address)}", file=sys.stderr)
    print(
        f"kmstui: exporting {args.volume_id} at {server.address}"
        f"{' (read-only)' if args.read_only else ''}; Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    try:
        await until_stopped()
    finally:
        await server.close()
    return 0


__all__ = ["register", "run"]
