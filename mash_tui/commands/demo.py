"""`mash demo-data`: build the synthetic demo store."""

from __future__ import annotations

import argparse
import shutil

from mash_tui.commands.common import home_of, store_owner


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo-data", help="build a synthetic demo store (users, persons, contacts)")
    parser.add_argument("--if-missing", action="store_true", help="do nothing if the home already has a store")
    parser.add_argument("--persons", type=int, default=2400, help="how many known persons (default 2400)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from mash_tui.errors import UserError
    from mash_tui.services.context import open_context
    from mash_tui.services.demo_data import DEMO_PASSWORD, DEMO_USERS, build_demo_store
    from mash_tui.services.homes import has_store

    home = home_of(args)
    if has_store(home):
        if args.if_missing:
            print(f"demo store already in {home}")
            return 0
        raise UserError(f"{home} already has a store; use an empty --home for the demo")
    if args.persons < 0:
        raise UserError("--persons: must be 0 or more")
    # Built beside the home and moved into place at the end, so a failed build leaves no half store
    # for `--if-missing` to mistake for a finished one.
    building = home.with_name(home.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    ctx = open_context(building)
    try:
        summary = build_demo_store(ctx, store_owner(), persons=args.persons)
    finally:
        ctx.store.dispose()
    if home.exists():
        for entry in building.iterdir():
            entry.rename(home / entry.name)
        building.rmdir()
    else:
        building.rename(home)
    print(f"demo store built in {home}: {summary.users} users, {summary.persons} known persons, "
          f"{summary.involvements} involvements, {summary.contacts} contacts")
    print(f"users (password '{DEMO_PASSWORD}'): " + ", ".join(f"{name} ({role})" for name, role, _, _ in DEMO_USERS))
    return 0
