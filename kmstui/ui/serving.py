"""What the console serves from its own event loop while it runs: the AWS endpoint
(``kmstui --serve``) and volumes over NBD (``--nbd``, N in a volume's detail), each
made by the backend and only where it can (:class:`kmstui.backends.Capabilities`)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from kmstui.backends import Unavailable
from kmstui.ui.host import AppHost


@dataclass(frozen=True)
class ServeOptions:
    """``kmstui --serve``: the AWS JSON endpoint, served from the console's own event
    loop while it runs."""

    host: str = "127.0.0.1"
    port: int = 4599
    allow_any_credentials: bool = False


class ServingMixin(AppHost):
    """The endpoint and the NBD exports of :class:`kmstui.ui.app.KmsConsole`."""

    serve_options: ServeOptions | None
    endpoint: Any
    exports: tuple[tuple[str, int | None], ...]
    nbd_servers: list

    def _start_serving(self) -> None:
        if self.serve_options is not None and self.endpoint is None:
            self.run_worker(self._serve(self.serve_options), group="serve", exit_on_error=False)
        if self.exports and not self.nbd_servers:
            self.run_worker(self._export(), group="serve", exit_on_error=False)

    async def _export(self) -> None:
        """Serve the ``--nbd`` volumes from the console's own loop, so their I/O shows
        in the Volumes graphs and their data-key events in the Monitor."""
        for volume_id, port in self.exports:
            await self.export_volume(volume_id, port, origin="--nbd")

    def exported_at(self, volume_id: str) -> str | None:
        """The NBD address ``volume_id`` is exported at by this console, if it is."""
        for server in self.nbd_servers:
            if server.exports.default.name == volume_id:
                return server.address
        return None

    async def export_volume(
        self, volume_id: str, port: int | None = None, *, origin: str = "export"
    ) -> None:
        """Export an attached volume over NBD on loopback (the next free port from
        10809 unless ``port``), or say why it cannot be."""
        logging.getLogger("kmstui.nbd").setLevel(logging.ERROR)  # stderr is the screen's
        if (address := self.exported_at(volume_id)) is not None:
            self.notify(f"{volume_id} is exported at {address}", markup=False)
            return
        backend = self.open_backend()
        if not (nbd := backend.capabilities.nbd_export):
            self._cannot("Cannot export", f"{volume_id}: {nbd.why_not}", origin)
            return
        taken = {server.port for server in self.nbd_servers}
        try:
            server = await asyncio.to_thread(backend.nbd_server, volume_id, port, taken)
            await server.start()
        except (Unavailable, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self._cannot("Cannot export", f"{volume_id}: {reason}", origin)
            return
        self.nbd_servers.append(server)
        self.notify(
            f"Exporting {volume_id} at {server.address} (plaintext on loopback; it ends "
            "when the volume is detached or the console quits)",
            markup=False,
        )

    async def _serve(self, options: ServeOptions) -> None:
        # The endpoint logs to stderr, which the console's screen owns: keep it quiet.
        logging.getLogger("kmstui.api").setLevel(logging.ERROR)
        backend = self.open_backend()
        endpoint = backend.capabilities.endpoint
        if not endpoint:
            self._cannot("Cannot serve", f"The endpoint is {endpoint.why_not}.", "--serve")
            return
        server = backend.endpoint_server(
            options.host, options.port, allow_any_credentials=options.allow_any_credentials
        )
        try:
            self.serve_url = await server.start()
        except OSError as exc:
            self._cannot(
                "Cannot serve",
                f"Cannot listen on {options.host}:{options.port}: "
                f"{exc.strerror or exc}. The console runs without the endpoint.",
                "--serve",
            )
            return
        self.endpoint = server
        self.notify(f"Serving KMS at {self.serve_url}", markup=False)

    def _cannot(self, title: str, message: str, origin: str) -> None:
        from kmstui.ui.dialogs.error import ErrorScreen

        self.push_screen(ErrorScreen(title, message, origin))

    async def stop_serving(self) -> None:
        servers, self.nbd_servers = self.nbd_servers, []
        for nbd in servers:
            await nbd.close()
        server, self.endpoint = self.endpoint, None
        if server is not None:
            await server.stop()
            self.serve_url = ""
