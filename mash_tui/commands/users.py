"""`mash users add|list`."""

from __future__ import annotations

import argparse
import getpass
import sys

from mash_tui.cli import print_json
from mash_tui.commands.common import add_acting_argument, context_of, store_owner
from mash_tui.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    users = subparsers.add_parser("users", help="add and list users")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a user (password from a prompt or --password-stdin)")
    add.add_argument("name", help="user name (lower case)")
    add.add_argument("--role", required=True, help="officer, decision_maker, supervisor, partner or admin")
    add.add_argument("--agency", help="the partner's agency (partners only)")
    add.add_argument("--display-name", help="the name people see (default: the user name)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--as", dest="as_user", metavar="ADMIN",
                     help="the administrator adding the user (password from $MASH_PASSWORD or a prompt); "
                          "needed once the store has an administrator")
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="list users (administrators and supervisors)")
    listing.add_argument("--json", action="store_true")
    add_acting_argument(listing)
    listing.set_defaults(handler=_list)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError("no password: use --password-stdin or run from a terminal")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise UserError("the two passwords differ")
    return first


def _add(args: argparse.Namespace) -> int:
    from mash_tui.services.users import add_user, validate_new_user

    password = _password(args)
    # Checked before the store is opened so bad input writes nothing, not even an empty store.
    validate_new_user(args.name, args.role, args.agency, password)
    ctx = context_of(args)
    user = add_user(
        ctx,
        _who_adds(args, ctx),
        username=args.name,
        role=args.role,
        agency=args.agency,
        password=password,
        display_name=args.display_name,
    )
    print(f"added {user.username} ({user.role}{', ' + user.agency if user.agency else ''})")
    return 0


def _who_adds(args: argparse.Namespace, ctx):  # noqa: ANN001, ANN202 - Context -> Actor
    """An administrator, once there is one; before that the store's owner sets the hub up.

    With a shared database the users are fetched first, so a new machine cannot add users
    hub-wide as its owner on a hub that already has administrators.
    """
    from mash_tui.commands.common import acting_user
    from mash_tui.services.authz import require
    from mash_tui.services.users import has_administrator

    if args.as_user:
        actor = acting_user(args, ctx)
        require(ctx, actor, "user.manage")
        return actor
    if ctx.shared_url:
        from mash_tui.sync.errors import SharedDatabaseUnavailable
        from mash_tui.sync.round import sync_store

        try:
            sync_store(ctx, store_owner().username)
        except SharedDatabaseUnavailable:
            pass
    if has_administrator(ctx):
        raise UserError("this hub has an administrator: add users with --as ADMIN")
    return store_owner()


def _list(args: argparse.Namespace) -> int:
    from mash_tui.commands.common import acting_user
    from mash_tui.services.users import list_users_as

    ctx = context_of(args)
    users = list_users_as(ctx, acting_user(args, ctx))
    if args.json:
        for user in users:
            print_json(
                {
                    "username": user.username,
                    "display_name": user.display_name,
                    "role": user.role,
                    "agency": user.agency,
                    "active": user.active,
                }
            )
        return 0
    for user in users:
        agency = f" [{user.agency}]" if user.agency else ""
        print(f"{user.username:<20} {user.role:<15}{agency} {user.display_name}")
    return 0
