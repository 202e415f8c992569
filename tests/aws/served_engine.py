"""A seeded engine on a fixed clock served over its endpoint from a thread, and the
console opened on it through the AWS backend: the same ids and times every run, so
the console's screens on a remote account can be snapshotted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kmstui.api.server import ServerThread
from kmstui.aws.account import Where
from kmstui.backends.aws import open_aws
from kmstui.clock import Clock
from kmstui.engine import Engine
from kmstui.entropy import Entropy
from kmstui.sample import seed

FIXED_TIME = 1_800_000_000.0
ACCOUNT = "111122223333"
KEYS = ("AKIDEXAMPLE", "example-secret")


@contextmanager
def seeded_endpoint(base: Path) -> Iterator[tuple[Engine, str]]:
    """The engine and its endpoint's URL (any credentials: the account's root)."""
    engine = Engine(
        base / "data",
        base / "config",
        clock=Clock(fixed=FIXED_TIME),
        entropy=Entropy("kmstui-aws-console-tests"),
    )
    seed(engine)
    server = ServerThread(engine, "127.0.0.1", 0, allow_any_credentials=True, account_id=ACCOUNT)
    url = server.start()
    try:
        yield engine, url
    finally:
        server.stop()
        engine.close()


def console_on(url: str, base: Path, *, kind: str = "aws", allow_writes: bool = False):
    """The console on ``url`` through the AWS backend; ``kind="aws"`` shows it as an
    AWS account (the top bar then has no port in it, which changes every run)."""
    from textual.widgets import Input

    from kmstui.ui.app import KmsConsole

    Input.cursor_blink = False  # type: ignore[assignment]
    where = Where(region="us-east-1", endpoint_url=url, fallback_credentials=KEYS)
    return KmsConsole(
        open_backend=lambda: open_aws(
            where, allow_writes=allow_writes, data_dir=base / "home", kind=kind
        ),
        config_dir=base / "config",
    )
