"""Opening an engine on a data directory: the one way every face (the console, the CLI
commands, the endpoint) gets an engine, and the one error that says why it cannot."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmstui.engine import Engine


class CannotOpen(Exception):
    """The data directory cannot be opened; the message says why.

    ``endpoint`` is the address the process that owns the directory serves, if any."""

    def __init__(self, message: str, endpoint: str | None = None):
        super().__init__(message)
        self.endpoint = endpoint


def open_engine(
    data_dir: str | Path | None,
    *,
    seed: bool = True,
    command: str | None = None,
    account: str | None = None,
) -> Engine:
    """The engine on ``data_dir`` (None: the default), seeded with the sample data on
    first use when ``seed`` is true. ``command`` names the owner in the lock file."""
    from kmstui.engine import Engine
    from kmstui.sample import seed_if_new
    from kmstui.store import CorruptDatabaseError, DataDirectoryInUse, RootKeyError

    options = {"account": account} if account else {}
    try:
        engine = Engine(data_dir, command=command, **options)
    except DataDirectoryInUse as exc:
        raise CannotOpen(str(exc), exc.endpoint) from None
    except (CorruptDatabaseError, RootKeyError) as exc:
        raise CannotOpen(str(exc)) from None
    if seed:
        try:
            seed_if_new(engine)
        except BaseException:
            engine.close()
            raise
    return engine
