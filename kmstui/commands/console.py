"""``kmstui`` without a subcommand: open the console on the data directory, or with
``--aws`` / ``--endpoint-url`` on an AWS account or an AWS-compatible endpoint.

The console's modules (and Textual) are imported only here, when it is started; boto3
only on the ``--aws`` and ``--endpoint-url`` path."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from kmstui import paths
from kmstui.commands.common import fail, open_engine

if TYPE_CHECKING:
    from kmstui.backends import Backend

INSTALL = "pip install 'kmstui[aws]' (from a checkout: pip install '.[aws]')"
EMBEDDED_ONLY = ("serve", "nbd")


def run(args: argparse.Namespace) -> int:
    from kmstui.ui.app import KmsConsole, ServeOptions

    remote = bool(getattr(args, "aws", False) or getattr(args, "endpoint_url", None))
    if problem := _remote_problem(args, remote):
        return fail(problem)
    serve = None
    if getattr(args, "serve", False):
        if not 0 <= args.port <= 65535:
            return fail(f"--port must be 0-65535, not {args.port}")
        serve = ServeOptions(
            port=args.port, allow_any_credentials=getattr(args, "allow_any_credentials", False)
        )
    if remote:
        app = KmsConsole(open_backend=remote_opener(args))
    else:
        app = KmsConsole(
            open_engine=lambda: open_engine(args, command="kmstui console"),
            serve=serve,
            exports=tuple(getattr(args, "nbd", ())),
        )
    try:
        app.run()
    finally:
        if app.backend is not None:
            app.backend.close()
    if app.open_error:
        return fail(app.open_error, 2)
    return app.return_code or 0


def _remote_problem(args: argparse.Namespace, remote: bool) -> str | None:
    if not remote:
        if getattr(args, "allow_writes", False):
            return "--allow-writes is for --aws or --endpoint-url (the embedded engine is yours)"
        if getattr(args, "profile", None):
            return "--profile needs --aws (or --endpoint-url): which account to open?"
        return None
    if getattr(args, "serve", False) or getattr(args, "nbd", None):
        return (
            "--serve and --nbd serve the embedded engine; they cannot be used with "
            "--aws or --endpoint-url"
        )
    return None


def remote_opener(args: argparse.Namespace) -> Callable[[], Backend]:
    """How to open the backend ``--aws`` or ``--endpoint-url`` names (it runs on the
    console's worker; CannotConnect says why it cannot)."""
    from kmstui.backends import CannotConnect
    from kmstui.commands.remote import credentials, region_of

    endpoint = getattr(args, "endpoint_url", None)
    region = getattr(args, "region", None)
    if endpoint and region is None:
        region = region_of(args)
    access, secret, _ = credentials()
    data_dir = paths.data_dir(getattr(args, "data_dir", None))

    def open_remote() -> Backend:
        try:
            from kmstui.aws.account import Where
            from kmstui.backends.aws import open_aws
        except ImportError as exc:
            if exc.name not in ("boto3", "botocore") and not str(exc.name).startswith("botocore"):
                raise
            raise CannotConnect(f"the console reaches AWS through boto3: {INSTALL}") from None
        where = Where(
            region=region,
            profile=getattr(args, "profile", None),
            endpoint_url=endpoint,
            fallback_credentials=(access, secret),
        )
        return open_aws(where, allow_writes=bool(args.allow_writes), data_dir=data_dir)

    return open_remote
