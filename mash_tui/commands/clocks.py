"""`mash queue` and `mash breaches`: every open item's clocks, and the breaches on record.

Both read case data, so both act as a signed-in user (`--as`) and are audited. Breaches due by
now are recorded before answering, so the answer never lags the clocks.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mash_tui.cli import print_json
from mash_tui.errors import UserError

if TYPE_CHECKING:
    from mash_tui.services.context import Context
    from mash_tui.services.views import ItemView


def register(subparsers: argparse._SubParsersAction) -> None:
    # Inside the functions, so building the parser loads nothing of the store.
    from mash_tui.commands.common import add_acting_argument

    queue = subparsers.add_parser(
        "queue",
        help="open items with their clocks",
        description="Every open item with its clocks and each clock's state now "
        "(ok, near_breach, breached, met, met_late).",
    )
    add_acting_argument(queue)
    queue.add_argument("--json", action="store_true", help="one JSON line per item")
    queue.set_defaults(handler=run_queue)

    breaches = subparsers.add_parser(
        "breaches",
        help="clocks that passed their due time unmet",
        description="Every recorded breach, met late or still open, oldest due first.",
    )
    add_acting_argument(breaches)
    breaches.add_argument("--since", metavar="ISO", help="only breaches recorded at or after this time (with offset)")
    breaches.add_argument("--json", action="store_true", help="one JSON line per breach")
    breaches.set_defaults(handler=run_breaches)


def parse_since(text: str) -> datetime:
    try:
        since = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--since {text!r} is not an ISO 8601 time (e.g. 2026-11-24T09:00:00+00:00)") from None
    if since.tzinfo is None or since.utcoffset() is None:
        raise UserError(f"--since {text!r} has no UTC offset; add one, such as +00:00 or Z")
    return since


def _item_json(ctx: Context, item: ItemView, now: datetime) -> dict[str, Any]:
    from mash_tui.services.clocks import clock_state

    data = item.as_json()
    for clock, shown in zip(item.clocks, data["clocks"], strict=True):
        shown["state"] = clock_state(ctx, clock, now).value
    return data


def run_queue(args: argparse.Namespace) -> int:
    from mash_tui.commands.common import acting_user, context_of
    from mash_tui.services.queue import open_items_now

    ctx = context_of(args)
    actor = acting_user(args, ctx)
    items = open_items_now(ctx, actor)
    now = ctx.clock.now()
    for item in items:
        data = _item_json(ctx, item, now)
        if args.json:
            print_json(data)
        else:
            states = ", ".join(f"{clock['clock']} {clock['state']}" for clock in data["clocks"]) or "no clocks"
            print(f"{item.reference}  {item.rag:<5}  {item.state:<26}  {item.claimed_by or '-':<12}  {states}")
    return 0


def run_breaches(args: argparse.Namespace) -> int:
    from mash_tui.commands.common import acting_user, context_of
    from mash_tui.services.clocks import list_breaches

    # Checked before the store is opened, so a typo costs nothing.
    since = parse_since(args.since) if args.since is not None else None
    ctx = context_of(args)
    actor = acting_user(args, ctx)
    for breach in list_breaches(ctx, actor, since=since, record_new=True):
        if args.json:
            print_json(breach)
        else:
            met = f"met {breach['met_at']}" if breach["met_at"] else breach["state"]
            print(f"{breach['reference']}  {breach['clock']:<13}  due {breach['due']}  {met}")
    return 0
