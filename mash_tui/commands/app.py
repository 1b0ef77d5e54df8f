"""`mash app` (the default command): open the terminal application."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("app", help="open the terminal application (the default)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from mash_tui.app import MashApp

    def settings():  # noqa: ANN202 - mash_tui.config.Settings
        from mash_tui.config import Settings

        return Settings.from_environment(home=args.home, shared=args.shared)

    # The settings and the policy are read in the app's start-up worker, so the first frame does not
    # wait for them; a bad policy file still ends the app with the file, key and reason, and exit code 2.
    app = MashApp(settings=settings)
    app.run()
    return app.return_code or 0
