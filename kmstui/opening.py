"""Opening an engine on a data directory: the one way every face (the console, the CLI
commands, the endpoint) gets an engine, and the one error that says why it cannot.

A damaged database is never replaced or repaired here: the refusal names the file and
says how to recover it (``kmstui doctor``, from the last good copy the store keeps)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from kmstui.caller import REGION  # what a Region name looks like

if TYPE_CHECKING:
    from kmstui.engine import Engine


class CannotOpen(Exception):
    """The data directory cannot be opened; the message says why.

    ``endpoint`` is the address the process that owns the directory serves, if any."""

    def __init__(self, message: str, endpoint: str | None = None):
        super().__init__(message)
        self.endpoint = endpoint


def default_region(
    explicit: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_dir: str | Path | None = None,
) -> str:
    """The engine's default Region: ``explicit`` (``--region``), else ``AWS_REGION``,
    else ``AWS_DEFAULT_REGION``, else ``region`` in ``config.toml``, else us-east-1.
    ValueError names the source of a value that is not a Region name."""
    from kmstui import paths
    from kmstui.caller import DEFAULT_REGION

    env = os.environ if env is None else env
    candidates = [
        ("--region", explicit),
        ("AWS_REGION", env.get("AWS_REGION")),
        ("AWS_DEFAULT_REGION", env.get("AWS_DEFAULT_REGION")),
    ]
    config = paths.config_dir(config_dir) / "config.toml"
    try:
        configured = tomllib.loads(config.read_text(encoding="utf-8")).get("region")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        configured = None  # the console reports a bad config file; the engine goes on
    candidates.append((f"region in {config}", configured))
    for source, value in candidates:
        if value:
            if not isinstance(value, str) or not REGION.fullmatch(value):
                raise ValueError(f"{source}: not a Region name (such as us-east-1): {value!r}")
            return value
    return DEFAULT_REGION


def open_engine(
    data_dir: str | Path | None,
    *,
    seed: bool = True,
    command: str | None = None,
    account: str | None = None,
    region: str | None = None,
) -> Engine:
    """The engine on ``data_dir`` (None: the default), seeded with the sample data on
    first use when ``seed`` is true. ``command`` names the owner in the lock file;
    ``region`` is the engine's default Region (see :func:`default_region`)."""
    from kmstui import paths
    from kmstui.caller import DEFAULT_ACCOUNT
    from kmstui.engine import Engine
    from kmstui.errors import AwsError
    from kmstui.sample import seed_if_new
    from kmstui.store import CorruptDatabaseError, DataDirectoryInUse, RootKeyError

    directory = paths.data_dir(data_dir)
    try:
        engine_region = default_region(region)
    except ValueError as exc:
        raise CannotOpen(str(exc)) from None
    try:
        engine = Engine(
            directory, command=command, account=account or DEFAULT_ACCOUNT, region=engine_region
        )
    except DataDirectoryInUse as exc:
        raise CannotOpen(str(exc), exc.endpoint) from None
    except CorruptDatabaseError as exc:
        raise CannotOpen(f"{exc}. {recovery_hint(directory)}") from None
    except RootKeyError as exc:
        raise CannotOpen(str(exc)) from None
    except OSError as exc:
        raise CannotOpen(cannot_use(directory, exc)) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # The file parsed, but a record lacks what the engine needs to start.
        from kmstui.store.database import DB_NAME

        raise CannotOpen(
            f"{directory / DB_NAME} is damaged: a record cannot be read "
            f"({type(exc).__name__}: {exc}); it was left untouched. {recovery_hint(directory)}"
        ) from None
    if seed:
        try:
            seed_if_new(engine)
        except OSError as exc:
            engine.close()
            raise CannotOpen(cannot_use(directory, exc)) from None
        except AwsError as exc:  # a call of the seeding failed (the disk is full ...)
            engine.close()
            raise CannotOpen(
                f"the new data directory {directory} could not be set up: {exc.message}"
            ) from None
        except BaseException:
            engine.close()
            raise
    return engine


def cannot_use(directory: Path, exc: OSError) -> str:
    """Why the data directory could not be used, from the operating system's error."""
    reason = exc.strerror or str(exc)
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(directory) else ""
    return f"cannot use the data directory {directory}: {reason}{where}"


def recovery_hint(directory: Path) -> str:
    """How to recover a data directory whose database does not open."""
    from kmstui.store.database import DB_NAME
    from kmstui.store.storage import backup_path

    backup = backup_path(Path(directory) / DB_NAME)
    if backup.exists():
        return (
            f"A last good copy is kept as {backup.name}: run `kmstui doctor --data-dir "
            f"{directory}` to check it, and `kmstui doctor --restore --data-dir {directory}` "
            "to put it back (the damaged file is kept beside it)"
        )
    return (
        f"There is no last good copy ({backup.name}): restore {DB_NAME} from a backup, "
        "or move it away to start afresh"
    )
