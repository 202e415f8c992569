"""An attached encrypted volume served over NBD from a background event loop."""

from __future__ import annotations

import asyncio
import shutil
import threading

import pytest

from kmstui.nbd import NbdServer
from kmstui.nbd.export import volume_export
from tests.ebs.conftest import Ebs

TOOLS = ("qemu-img", "qemu-io", "nbdinfo", "nbdcopy", "fio")


class LoopThread:
    """An asyncio loop in a thread of its own, as ``kmstui nbd`` runs the server."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine, timeout: float = 30.0):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class Served:
    """The volume, its engine and the NBD servers started for it."""

    def __init__(self, ebs: Ebs, volume_id: str, instance_id: str, tmp_path):
        self.ebs, self.volume_id, self.instance_id = ebs, volume_id, instance_id
        self.tmp_path = tmp_path
        self.loops: LoopThread | None = LoopThread()
        self.servers: list[NbdServer] = []

    def start(self, *, read_only: bool = False, unix: bool = False) -> NbdServer:
        export = volume_export(self.ebs.ec2, self.volume_id, read_only=read_only)
        if unix:
            path = self.tmp_path / f"nbd-{len(self.servers)}.sock"
            server = NbdServer([export], socket_path=path)
        else:
            server = NbdServer([export], port=0)
        self.loops.run(server.start())
        self.servers.append(server)
        return server

    def close(self) -> None:
        """Stop every server and the loop (again: nothing)."""
        if self.loops is None:
            return
        for server in self.servers:
            self.loops.run(server.close())
        self.servers.clear()
        self.loops.stop()
        self.loops = None


@pytest.fixture
def served(make_engine, tmp_path):
    ebs = Ebs(make_engine)
    instance_id = ebs.instance()
    volume_id = ebs.volume()
    ebs.attach(volume_id, instance_id)
    world = Served(ebs, volume_id, instance_id, tmp_path)
    yield world
    world.close()
    if ebs.engine is not None:
        ebs.engine.ec2.close()


@pytest.fixture
def server(served) -> NbdServer:
    return served.start()


def address(server: NbdServer):
    return server.socket_path or (server.host, server.port)


@pytest.fixture(scope="session")
def tools():
    """The block-device tools the NBD tests drive; missing ones fail the test (never
    skip it): Debian's qemu-utils, libnbd-bin and fio provide them."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"missing {', '.join(missing)}: install Debian's qemu-utils, libnbd-bin and fio"
        )
