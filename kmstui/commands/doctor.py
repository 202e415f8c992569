"""``kmstui doctor [--restore]``: check a data directory, or put back its database's
last good copy.

Without ``--restore`` it only reads (it works while a console or server owns the
directory) and prints one line per check. Exit 0 when all is sound, 1 when something
is not, 2 when the directory is in use (``--restore``) or does not exist."""

from __future__ import annotations

import argparse

from kmstui import paths
from kmstui.commands.common import EXIT_AWS_ERROR, EXIT_OK, EXIT_USAGE, add_data_dir, fail


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "doctor",
        help="check the data directory, or restore the database's last good copy",
        description="Check the database, its last good copy (kmstui.json.bak), the root "
        "key and the event history. With --restore, replace a database that does not "
        "open with its last good copy; the damaged file is kept beside it.",
    )
    parser.add_argument(
        "--restore",
        action="store_true",
        help="put the last good copy back in place of a damaged database",
    )
    add_data_dir(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from kmstui.store import DataDirectoryInUse
    from kmstui.store.doctor import RestoreRefused, check, restore

    data_dir = paths.data_dir(getattr(args, "data_dir", None))
    if not data_dir.is_dir():
        return fail(f"{data_dir} is not a data directory")
    if args.restore:
        try:
            print(f"kmstui: {restore(data_dir)}")
        except DataDirectoryInUse as exc:
            return fail(f"{exc}; stop it before restoring")
        except RestoreRefused as exc:
            return fail(str(exc), EXIT_AWS_ERROR)
        except OSError as exc:
            return fail(f"cannot restore in {data_dir}: {exc.strerror or exc}", EXIT_AWS_ERROR)
        return EXIT_OK
    findings = check(data_dir, paths.config_dir())
    width = max(len(finding.subject) for finding in findings)
    for finding in findings:
        status = "ok" if finding.ok else "PROBLEM"
        print(f"{finding.subject:<{width}}  {status:<7}  {finding.detail}")
    if all(finding.ok for finding in findings):
        return EXIT_OK
    database = next(f for f in findings if f.subject == "database")
    if not database.ok:
        print(f"run `kmstui doctor --restore --data-dir {data_dir}` to put the last good copy back")
    return EXIT_AWS_ERROR


__all__ = ["register", "run", "EXIT_USAGE"]
