"""`mash app` (the default command): open the terminal application."""

from __future__ import annotations

import argparse

from mash_tui.commands.common import home_of


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("app", help="open the terminal application (the default)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from mash_tui.app import MashApp

    # The policy is read in the app's start-up worker, so the first frame does not wait for it;
    # a bad policy file still ends the app with the file, key and reason, and exit code 2.
    app = MashApp(home_of(args))
    app.run()
    return app.return_code or 0
