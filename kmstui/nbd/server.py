"""The NBD server: listens on loopback TCP or a Unix socket and serves its exports.

It runs on an asyncio loop the caller owns (``kmstui nbd``'s own, or the one that
``kmstui serve`` and the console already run), and does the device I/O on a small thread
pool, so a slow disk never holds the loop. It watches each connection's device: when a
volume is detached, its data key wiped or the process stops, the clients see the
connection close.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from kmstui.nbd import protocol as p
from kmstui.nbd.export import Device, Export, Exports
from kmstui.nbd.handshake import negotiate
from kmstui.nbd.transmission import Detached, transmit

T = TypeVar("T")

log = logging.getLogger("kmstui.nbd")

DEFAULT_PORT = 10809
WATCH_SECONDS = 0.2
MAX_CONNECTIONS = 64


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NbdServer:
    """Serves ``exports`` on ``socket_path`` (a Unix socket, mode 0600) or on
    ``host:port`` (port 0 picks a free one; :attr:`address` says which)."""

    def __init__(
        self,
        exports: Exports | list[Export],
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        socket_path: str | os.PathLike | None = None,
        workers: int = 4,
    ):
        self.exports = exports if isinstance(exports, Exports) else Exports(exports)
        self.host, self.port = host, port
        self.socket_path = os.fspath(socket_path) if socket_path is not None else None
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="nbd-io")
        self._server: asyncio.AbstractServer | None = None
        self._watcher: asyncio.Task | None = None
        self._connections: dict[asyncio.StreamWriter, Device | None] = {}

    @property
    def address(self) -> str:
        """Where clients connect, as an NBD URI (``nbd://HOST:PORT`` or
        ``nbd+unix:///?socket=PATH``)."""
        if self.socket_path is not None:
            return f"nbd+unix:///?socket={self.socket_path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"nbd://{host}:{self.port}"

    async def start(self) -> None:
        if self.socket_path is not None:
            # The socket is made private as it is made: a client that can connect can
            # read and write the volume's plaintext.
            previous = os.umask(0o177)
            try:
                self._server = await asyncio.start_unix_server(self._client, self.socket_path)
            finally:
                os.umask(previous)
            os.chmod(self.socket_path, 0o600)
        else:
            self._server = await asyncio.start_server(
                self._client, self.host, self.port, reuse_address=True
            )
            if self.port == 0:
                self.port = self._server.sockets[0].getsockname()[1]
        self._watcher = asyncio.create_task(self._watch())
        log.info("NBD server on %s", self.address)

    async def serve_forever(self) -> None:
        assert self._server is not None
        await self._server.serve_forever()

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self._server is not None:
            self._server.close()
        for writer in list(self._connections):
            writer.transport.abort()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self.socket_path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.socket_path)

    async def _run_blocking(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(function, *args))

    async def _open_device(self, export: Export) -> Device:
        return await self._run_blocking(export.device)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._connections) >= MAX_CONNECTIONS:
            writer.transport.abort()
            return
        sock = writer.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._connections[writer] = None
        peer = writer.get_extra_info("peername") or "a local client"
        try:
            negotiated = await negotiate(reader, writer, self.exports, self._open_device)
            if negotiated is None:
                return
            self._connections[writer] = negotiated.device
            log.info("%s: serving %s", peer, negotiated.export.name)
            await transmit(
                reader,
                writer,
                negotiated.device,
                read_only=negotiated.export.read_only,
                structured=negotiated.structured_replies,
                block_status=negotiated.block_status,
                run_blocking=self._run_blocking,
            )
        except Detached:
            log.info("%s: the volume was detached; closing", peer)
        except (asyncio.IncompleteReadError, ConnectionError, p.ProtocolError) as exc:
            log.debug("%s: %s", peer, exc)
        finally:
            self._connections.pop(writer, None)
            writer.close()

    async def _watch(self) -> None:
        """End the connections whose device has closed (the volume was detached)."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            for writer, device in list(self._connections.items()):
                if device is not None and device.closed:
                    writer.transport.abort()
