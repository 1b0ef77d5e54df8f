"""`mash server init|grant`, `mash sync --once` and `mash conflicts`: the shared database from the command line."""

from __future__ import annotations

import argparse
import sys

from mash_tui.cli import print_json
from mash_tui.commands.common import add_acting_argument, context_of, settings_of, store_owner
from mash_tui.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    server = subparsers.add_parser("server", help="the shared PostgreSQL database")
    server_actions = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    init = server_actions.add_parser("init", help="create or migrate the shared schema (safe to run twice)")
    init.add_argument("--url", help="postgresql://USER@HOST:PORT/DATABASE (default: --shared or $MASH_SHARED_DB)")
    init.set_defaults(handler=_server_init)
    grant = server_actions.add_parser(
        "grant", help="let a database login sync as a hub or a partner agency's machine (safe to run twice)")
    grant.add_argument("--url", help="postgresql://USER@HOST:PORT/DATABASE as a user who may create roles "
                                     "(default: --shared or $MASH_SHARED_DB)")
    grant.add_argument("--login", required=True, metavar="NAME",
                       help="the PostgreSQL login the machine connects as (created if missing)")
    kind = grant.add_mutually_exclusive_group(required=True)
    kind.add_argument("--hub", action="store_true", help="hub staff: users, case work and reference data")
    kind.add_argument("--partner", metavar="AGENCY", help="a partner agency: users and that agency's requests")
    grant.add_argument("--password-env", metavar="VAR",
                       help="set the login's password from this environment variable (never on the command line)")
    grant.set_defaults(handler=_server_grant)
    audit_verify = server_actions.add_parser(
        "audit-verify", help="check the shared database's own audit chain (owner); exit 1 naming the first bad event")
    audit_verify.add_argument("--url", help="postgresql://OWNER@HOST:PORT/DATABASE (default: --shared or $MASH_SHARED_DB)")
    audit_verify.add_argument("--json", action="store_true")
    audit_verify.set_defaults(handler=_server_audit_verify)

    sync = subparsers.add_parser("sync", help="send waiting changes to the shared database and fetch others'")
    sync.add_argument("--once", action="store_true", required=True, help="push and pull once, then exit")
    sync.add_argument("--as", dest="as_user", metavar="USER",
                      help="sync what this user may see (default: users only, as the store's owner)")
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(handler=_sync_once)

    conflicts = subparsers.add_parser("conflicts", help="edits the shared database kept side by side")
    add_acting_argument(conflicts)
    conflicts.add_argument("--json", action="store_true")
    conflicts.add_argument("--all", action="store_true", help="resolved ones too")
    conflict_actions = conflicts.add_subparsers(dest="conflicts_command", metavar="ACTION")
    resolve = conflict_actions.add_parser("resolve", help="keep one of the two values")
    resolve.add_argument("conflict_id", type=int)
    resolve.add_argument("--keep", choices=("server", "client"), required=True)
    resolve.set_defaults(handler=_resolve)
    conflicts.set_defaults(handler=_conflicts)


def _shared_url(args: argparse.Namespace) -> str:
    from mash_tui.sync.round import NO_SHARED_DATABASE

    url = args.url or settings_of(args).shared_url
    if not url:
        raise UserError(NO_SHARED_DATABASE)
    return url


def _server_init(args: argparse.Namespace) -> int:
    from mash_tui.sync.admin import init_shared_database

    before, after = init_shared_database(_shared_url(args))
    if before == after:
        print(f"shared database already at {after}")
    elif before is None:
        print(f"shared database created at {after}")
    else:
        print(f"shared database migrated from {before} to {after}")
    return 0


def _server_grant(args: argparse.Namespace) -> int:
    from mash_tui.config import environment_value
    from mash_tui.sync.admin import grant_shared_login

    password = None
    if args.password_env is not None:
        password = environment_value(args.password_env)
        if password is None:
            raise UserError(f"--password-env: ${args.password_env} is not set")
    granted = grant_shared_login(_shared_url(args), settings_of(args), args.login, partner_agency=args.partner,
                                 password=password)
    print(granted.describe())
    return 0


def _server_audit_verify(args: argparse.Namespace) -> int:
    from mash_tui.printable import printable
    from mash_tui.sync.round import verify_server_trail

    result = verify_server_trail(_shared_url(args), settings_of(args))
    if args.json:
        print_json({"ok": result.ok, "events": result.events, "head_hash": result.head_hash,
                    "first_broken": result.first_broken, "broken_id": result.broken_id, "reason": result.reason})
    elif result.ok:
        print(f"shared audit trail intact: {result.events} events, head hash {result.head_hash}")
    else:
        print(printable(f"shared audit trail BROKEN at event {result.first_broken}"
                        + (f" ({result.broken_id})" if result.broken_id else "") + f": {result.reason}"))
        print(f"  the {result.events} events before it are intact; the last has hash {result.head_hash}")
    return 0 if result.ok else 1


def _sync_once(args: argparse.Namespace) -> int:
    from mash_tui.sync.round import NO_SHARED_DATABASE, sync_once

    ctx = context_of(args)
    if not ctx.shared_url:
        raise UserError(NO_SHARED_DATABASE)
    report = sync_once(ctx, args.as_user, _password_for(args), fallback=store_owner())
    if args.json:
        print_json(report.as_json())
    else:
        print(report.summary())
    if report.rejected or report.rejections:
        # A refused change is undone here: a script must not take the round for a success.
        for _mutation_id, reason in report.rejections:
            print(f"mash: refused by the shared database: {reason}", file=sys.stderr)
        if not report.rejections:
            print(f"mash: the shared database refused {report.rejected} change(s)", file=sys.stderr)
        return 1
    return 0


def _password_for(args: argparse.Namespace) -> str | None:
    if args.as_user is None:
        return None
    from mash_tui.commands.common import read_password

    return read_password(args, f"Password for {args.as_user}: ")


def _conflicts(args: argparse.Namespace) -> int:
    from mash_tui.commands.common import acting_user
    from mash_tui.sync.conflicts import list_conflicts

    ctx = context_of(args)
    actor = acting_user(args, ctx)
    rows = list_conflicts(ctx, actor, include_resolved=args.all)
    if args.json:
        for row in rows:
            print_json(row.as_json())
        return 0
    if not rows:
        print("no open conflicts")
    for row in rows:
        print(f"#{row.id} {row.kind} {row.reference or row.entity_id}: kept {row.server_summary!r}, "
              f"also {row.client_summary!r} by {row.author} ({row.mutation_name})")
    return 0


def _resolve(args: argparse.Namespace) -> int:
    from mash_tui.commands.common import acting_user
    from mash_tui.sync.conflicts import resolve_conflict

    ctx = context_of(args)
    actor = acting_user(args, ctx)
    resolve_conflict(ctx, actor, args.conflict_id, keep=args.keep)
    print(f"conflict #{args.conflict_id} resolved: kept the {args.keep} value")
    return 0
