"""``kmstui`` without a subcommand: open the console on the data directory.

The console's modules (and Textual) are imported only here, when it is started."""

from __future__ import annotations

import argparse

from kmstui.commands.common import fail, open_engine


def run(args: argparse.Namespace) -> int:
    from kmstui.ui.app import KmsConsole, ServeOptions

    serve = None
    if getattr(args, "serve", False):
        if not 0 <= args.port <= 65535:
            return fail(f"--port must be 0-65535, not {args.port}")
        serve = ServeOptions(
            port=args.port, allow_any_credentials=getattr(args, "allow_any_credentials", False)
        )
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
