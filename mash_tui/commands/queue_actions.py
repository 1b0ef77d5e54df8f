"""`mash escalate|close|claim|release|reassign|rerate|decide|step-up|feedback`: the queue from the command line.

The same services as the screens, so the same refusals: each prints the item's new state (or
`ItemView.as_json()` with `--json`) and exits 2 with the reason when the action is refused.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mash_tui.cli import print_json
from mash_tui.commands.common import acting_user, add_acting_argument, context_of
from mash_tui.domain.codes import CLOSING_OUTCOMES, DECISION_OUTCOMES, FEEDBACK_METHODS, FLAGS, feedback_words
from mash_tui.errors import UserError

if TYPE_CHECKING:
    from mash_tui.services.views import ItemView

RATINGS = ("RED", "AMBER", "GREEN")


def register(subparsers: argparse._SubParsersAction) -> None:
    escalate = _command(subparsers, "escalate", "send a submitted contact to the decision makers' queue")
    escalate.add_argument("--note", help="a note for the decision maker")
    escalate.set_defaults(handler=_escalate)

    close = _command(subparsers, "close", "close a contact no rule rates GREEN or above, with advice or NFA")
    close.add_argument("--outcome", required=True, choices=CLOSING_OUTCOMES)
    close.add_argument("--reason", required=True, help="why it is closed")
    close.set_defaults(handler=_close)

    claim = subparsers.add_parser("claim", help="claim a queue item, or the most urgent waiting one with --next")
    claim.add_argument("reference", metavar="REF", nargs="?", help="the contact's reference")
    claim.add_argument("--next", action="store_true", help="take the most urgent unclaimed item")
    _common_options(claim)
    claim.set_defaults(handler=_claim)

    release = _command(subparsers, "release", "give a claimed item back to the queue")
    release.set_defaults(handler=_release)

    reassign = _command(subparsers, "reassign", "give an item to another decision maker (supervisors)")
    reassign.add_argument("--to", required=True, metavar="USER", dest="to_user", help="the decision maker")
    reassign.set_defaults(handler=_reassign)

    rerate = _command(subparsers, "rerate", "change a claimed item's rating; restarts its RAG clock")
    rerate.add_argument("--rag", required=True, choices=RATINGS)
    rerate.add_argument("--reason", required=True, help="why the rating changes")
    rerate.set_defaults(handler=_rerate)

    decide = _command(subparsers, "decide", "record the decision on a claimed item")
    decide.add_argument("--rag", required=True, choices=RATINGS, help="the rating confirmed or changed")
    decide.add_argument("--outcome", required=True, choices=DECISION_OUTCOMES)
    decide.add_argument("--flag", dest="flags", action="extend", nargs="+", default=[], choices=FLAGS,
                        metavar="FLAG", help=f"one or more of {', '.join(FLAGS)}; may be repeated")
    decide.add_argument("--reason", help="why (needed when the rating changes)")
    decide.set_defaults(handler=_decide)

    step_up = _command(subparsers, "step-up", "return an early-help item to the queue")
    step_up.add_argument("--reason", required=True, help="what new information suggests higher risk")
    step_up.set_defaults(handler=_step_up)

    confirmed = _command(subparsers, "confirmation-received",
                         "record that a professional's phone referral was confirmed in writing")
    confirmed.set_defaults(handler=_confirmation_received)

    feedback = _command(subparsers, "feedback", "record that the referrer was told the item's outcome")
    feedback.add_argument("--how", required=True, choices=FEEDBACK_METHODS,
                          help=f"how they were told: {', '.join(FEEDBACK_METHODS)}")
    feedback.add_argument("--note", help="what was said, or who took the call")
    feedback.set_defaults(handler=_feedback)


def _command(subparsers: argparse._SubParsersAction, name: str, what: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=what, description=f"{what[0].upper()}{what[1:]}.")
    parser.add_argument("reference", metavar="REF", help="the contact's reference (the queue item keeps it)")
    _common_options(parser)
    return parser


def _common_options(parser: argparse.ArgumentParser) -> None:
    add_acting_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the item as one JSON line")


def _run(args: argparse.Namespace, action: Any) -> int:
    from mash_tui.services import queue

    ctx = context_of(args)
    try:
        actor = acting_user(args, ctx)
        view = action(ctx, actor, queue)
    finally:
        ctx.store.dispose()
    _print_item(view, as_json=args.json)
    return 0


def _print_item(view: ItemView, *, as_json: bool) -> None:
    if as_json:
        print_json(view.as_json())
        return
    from mash_tui.clock import to_local

    holder = f"held by {view.claimed_by}" if view.claimed_by else "not held"
    outcome = f", outcome {view.outcome}" if view.outcome else ""
    print(f"{view.reference}: {view.state}, {view.rag}, {holder}{outcome} ({view.children})")
    for clock in sorted(view.clocks, key=lambda each: each.due_at):
        due = to_local(clock.due_at).strftime("%Y-%m-%d %H:%M %Z")
        status = "met" if clock.met_at else ("breached" if clock.breached_at else "running")
        print(f"  {clock.label}: due {due} ({status})")
    for given in view.feedback:
        told = to_local(given.at).strftime("%Y-%m-%d %H:%M %Z")
        print(f"  referrer told the outcome {feedback_words(given.how)} {told} by {given.by}")


def _escalate(args: argparse.Namespace) -> int:
    return _run(args, lambda ctx, actor, queue: queue.escalate(ctx, actor, args.reference, note=args.note))


def _close(args: argparse.Namespace) -> int:
    return _run(args, lambda ctx, actor, queue: queue.close_contact(ctx, actor, args.reference, args.outcome,
                                                                    args.reason))


def _claim(args: argparse.Namespace) -> int:
    if args.next and args.reference:
        raise UserError("claim: give a reference or --next, not both")
    if not args.next and not args.reference:
        raise UserError("claim: give the item's reference, or --next for the most urgent waiting item")
    if args.next:
        return _run(args, lambda ctx, actor, queue: queue.claim_next(ctx, actor))
    return _run(args, lambda ctx, actor, queue: queue.claim(ctx, actor, args.reference))


def _release(args: argparse.Namespace) -> int:
    return _run(args, lambda ctx, actor, queue: queue.release(ctx, actor, args.reference))


def _reassign(args: argparse.Namespace) -> int:
    return _run(args, lambda ctx, actor, queue: queue.reassign(ctx, actor, args.reference, args.to_user))


def _rerate(args: argparse.Namespace) -> int:
    return _run(args, lambda ctx, actor, queue: queue.rerate(ctx, actor, args.reference, args.rag, args.reason))


def _decide(args: argparse.Namespace) -> int:
    return _run(args, lambda ctx, actor, queue: queue.decide(ctx, actor, args.reference, rag=args.rag,
                                                             outcome=args.outcome, flags=args.flags,
                                                             reason=args.reason))


def _step_up(args: argparse.Namespace) -> int:
    return _run(args, lambda ctx, actor, queue: queue.step_up(ctx, actor, args.reference, args.reason))


def _confirmation_received(args: argparse.Namespace) -> int:
    return _run(args, lambda ctx, actor, queue: queue.record_written_confirmation(ctx, actor, args.reference))


def _feedback(args: argparse.Namespace) -> int:
    from mash_tui.services.feedback import record_feedback

    return _run(args, lambda ctx, actor, _queue: record_feedback(ctx, actor, args.reference, how=args.how,
                                                                 note=args.note))
