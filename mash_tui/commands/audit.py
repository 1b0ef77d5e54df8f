"""`mash audit show` (who did what, who looked at what) and `mash audit verify` (is the trail intact).

`show` acts as a signed-in supervisor or administrator and is itself audited. `verify` is for
whoever owns the store's files: it only reads, exits 0 when the chain is intact and 1 with the
first broken link when it is not.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING

from mash_tui.cli import print_json
from mash_tui.commands.common import acting_user, add_acting_argument, context_of, home_of
from mash_tui.errors import UserError

if TYPE_CHECKING:
    from pathlib import Path

    from mash_tui.services.audit import WitnessCheck
    from mash_tui.services.views import AuditEntry, VerifyResult

EXIT_BROKEN = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    audit = subparsers.add_parser("audit", help="read and verify the audit trail")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    show = actions.add_parser(
        "show",
        help="audit events: who did or looked at what, and when",
        description="Audit events matching every filter given, oldest first. Reading the trail is "
        "itself recorded in it.",
    )
    show.add_argument("--user", metavar="U", help="only events by this user name")
    show.add_argument("--subject", metavar="REF", help="only events about this reference (contact, item) or row id")
    show.add_argument("--since", metavar="ISO", help="only events at or after this time (ISO 8601 with offset)")
    show.add_argument("--limit", type=int, default=None, metavar="N", help="only the latest N events")
    show.add_argument("--json", action="store_true", help="one JSON line per event")
    add_acting_argument(show)
    show.set_defaults(handler=run_show)

    verify = actions.add_parser(
        "verify",
        help="check the audit trail's hash chain (store owner)",
        description="Walk the hash chain of the local audit trail in order and report the first broken "
        "link: an edited, deleted or reordered event. With a shared database (--shared URL or "
        "$MASH_SHARED_DB), also check every chain head the shared database witnessed for this machine "
        "at its syncs, and say how many events came after the last one. Exit 0 when intact, 1 when broken.",
    )
    verify.add_argument("--json", action="store_true", help="the result as one JSON object")
    verify.set_defaults(handler=run_verify)


def run_show(args: argparse.Namespace) -> int:
    from mash_tui.services.audit import show_audit

    since = _parse_since(args.since) if args.since else None
    if args.limit is not None and args.limit < 1:
        raise UserError("--limit: give a whole number of 1 or more")
    ctx = context_of(args)
    actor = acting_user(args, ctx)
    entries = show_audit(ctx, actor, user=args.user, subject=args.subject, since=since, limit=args.limit)
    for entry in entries:
        if args.json:
            print_json(entry.as_json())
        else:
            print(_line(entry))
    if not args.json and not entries:
        print("no audit events match")
    return 0


def _parse_since(text: str) -> datetime:
    try:
        since = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--since {text!r} is not an ISO 8601 time (e.g. 2026-11-24T09:00:00+00:00)") from None
    if since.utcoffset() is None:
        raise UserError(f"--since {text!r} has no UTC offset; add one, such as +00:00 or Z")
    return since


def _line(entry: AuditEntry) -> str:
    from mash_tui.clock import to_local
    from mash_tui.printable import printable

    when = to_local(entry.occurred_at).strftime("%Y-%m-%d %H:%M:%S %Z")
    subject = entry.subject_ref or entry.entity_id or "-"
    details = ", ".join(f"{key}={value}" for key, value in entry.details.items())
    return printable(
        f"{entry.seq:>8}  {when}  {entry.actor:<16} {entry.role:<15} {entry.action:<24} {subject}"
        + (f"  {details}" if details else "")
    )


def _events(count: int) -> str:
    return f"{count} event" if count == 1 else f"{count} events"


def run_verify(args: argparse.Namespace) -> int:
    from mash_tui.services.audit import AuditStoreUnreadable, verify_audit_file
    from mash_tui.services.homes import store_file

    path = store_file(home_of(args))
    try:
        result = verify_audit_file(path)
    except AuditStoreUnreadable as error:
        raise UserError(str(error)) from None
    witness = _witness_check(args, path)
    ok = result.ok and (witness is None or witness.ok)
    if args.json:
        print_json({**result.as_json(), "ok": ok, "chain_ok": result.ok,
                    "witnessed": witness.as_json() if witness else None})
        return 0 if ok else EXIT_BROKEN
    _print_chain(result)
    if witness is not None:
        _print_witness(witness)
    return 0 if ok else EXIT_BROKEN


def _witness_check(args: argparse.Namespace, path: Path) -> WitnessCheck | None:
    """None without a shared database: the local chain alone is checked, as before."""
    from mash_tui.commands.common import settings_of
    from mash_tui.services.audit import check_witnesses, store_client_id

    url = settings_of(args).shared_url
    if not url:
        return None
    from mash_tui.sync.round import witnessed_heads_of

    client_id = store_client_id(path)
    heads, key = witnessed_heads_of(url, settings_of(args), client_id) if client_id else ([], None)
    return check_witnesses(path, client_id, heads, registered_key=key)


def _print_witness(witness: WitnessCheck) -> None:
    from mash_tui.printable import printable

    if witness.ok:
        print(f"witnessed by the shared database: {witness.witnesses} chain heads, all present; "
              f"{witness.tail_words()}")
        return
    print(f"audit trail BROKEN against the shared database's witnesses ({len(witness.mismatches)} of "
          f"{witness.witnesses} chain heads differ{'; the audit key does not match' if witness.key_problem else ''}):")
    for mismatch in witness.mismatches:
        print(printable(f"  {mismatch.describe()}"))
    if witness.key_problem:
        print(f"  {witness.key_problem}")
    print(f"  {witness.tail_words()}")


def _print_chain(result: VerifyResult) -> None:
    if result.ok:
        print(f"audit trail intact: {_events(result.events)}, head hash {result.head_hash} "
              f"({result.elapsed_seconds:.2f} s)")
    else:
        from mash_tui.printable import printable

        print(printable(f"audit trail BROKEN at {result.first_broken}"))
        print(f"  the {_events(result.events)} before it are intact; the last has hash {result.head_hash}")
