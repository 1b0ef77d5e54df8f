"""`mash request send|list|open|answer|chase|withdraw|discussion` and `mash chronology`.

The same services as the screens, with the same refusals: a partner acting here sees and answers
only their own agency's requests. `--json` prints JSON lines, one object per request or entry.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mash_tui.cli import print_json
from mash_tui.commands.common import acting_user, add_acting_argument, context_of
from mash_tui.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    chronology = subparsers.add_parser("chronology", help="an item's chronology, oldest first")
    chronology.add_argument("reference", metavar="REF")
    chronology.add_argument("--json", action="store_true", help="one JSON object per entry, one per line")
    add_acting_argument(chronology)
    chronology.set_defaults(handler=_chronology)

    request = subparsers.add_parser("request", help="information requests to partner agencies")
    actions = request.add_subparsers(dest="request_command", metavar="ACTION", required=True)

    send = actions.add_parser("send", help="ask partner agencies about a claimed item")
    send.add_argument("reference", metavar="REF")
    send.add_argument("--agency", action="append", default=[], metavar="A",
                      help="an agency to ask (repeat for more): police, health, education, housing, probation, "
                           "substance_misuse, adult_social_care, early_help")
    send.add_argument("--defaults", action="store_true", help="ask the default agencies for the item's rating")
    send.add_argument("--question", action="append", default=[], metavar="Q",
                      help="AGENCY=QUESTION for one agency, or a question for every agency without its own")
    send.add_argument("--summary", help="the summary shared with the agencies (default: from the contact)")
    send.add_argument("--json", action="store_true")
    add_acting_argument(send)
    send.set_defaults(handler=_send)

    listing = actions.add_parser("list", help="a partner's own requests, or every request on an item")
    listing.add_argument("--item", metavar="REF", help="every request on this item (decision makers, supervisors)")
    listing.add_argument("--open", action="store_true", help="only requests still waiting for an answer")
    listing.add_argument("--json", action="store_true")
    add_acting_argument(listing)
    listing.set_defaults(handler=_list)

    opening = actions.add_parser("open", help="read one of your agency's requests (marks it seen)")
    opening.add_argument("request", metavar="ID")
    opening.add_argument("--json", action="store_true")
    add_acting_argument(opening)
    opening.set_defaults(handler=_open)

    answer = actions.add_parser("answer", help="answer one of your agency's requests")
    answer.add_argument("request", metavar="ID")
    answer.add_argument("--finding", action="append", default=[], metavar="JSON",
                        help='one person\'s finding: {"person": "child:0", "known": true, "summary": "...", '
                             '"current_risks": "...", "agency_contact": "..."}')
    answer.add_argument("--findings", metavar="FILE", help="a JSON array of findings ('-' for standard input)")
    answer.add_argument("--none-known", action="store_true",
                        help="every shared person without a finding is not known to the agency")
    answer.add_argument("--text", help="the answer in your own words")
    answer.add_argument("--correct", action="store_true", help="correct the answer already given (supersedes it)")
    answer.add_argument("--json", action="store_true")
    add_acting_argument(answer)
    answer.set_defaults(handler=_answer)

    chase = actions.add_parser("chase", help="chase an unanswered request")
    chase.add_argument("request", metavar="ID")
    chase.add_argument("--note")
    add_acting_argument(chase)
    chase.set_defaults(handler=_chase)

    withdraw = actions.add_parser("withdraw", help="withdraw a request that is no longer needed")
    withdraw.add_argument("request", metavar="ID")
    withdraw.add_argument("--reason", required=True)
    add_acting_argument(withdraw)
    withdraw.set_defaults(handler=_withdraw)

    discussion = actions.add_parser("discussion", help="record the MASH discussion that closes information gathering")
    discussion.add_argument("reference", metavar="REF")
    discussion.add_argument("--participant", action="append", default=[], required=True, metavar="NAME")
    discussion.add_argument("--summary", required=True)
    discussion.add_argument("--actions", help="the agreed actions")
    add_acting_argument(discussion)
    discussion.set_defaults(handler=_discussion)


def _chronology(args: argparse.Namespace) -> int:
    from mash_tui.clock import to_local
    from mash_tui.services.chronology import chronology

    ctx = context_of(args)
    entries = chronology(ctx, acting_user(args, ctx), args.reference)
    for entry in entries:
        if args.json:
            print_json(entry.as_json())
        else:
            print(f"{to_local(entry.at):%a %d %b %Y %H:%M}  {entry.actor:<14} {entry.summary}")
    return 0


def _questions(agencies: list[str], given: list[str]) -> dict[str, str | None]:
    from mash_tui.domain.codes import AGENCIES

    own: dict[str, str] = {}
    every: str | None = None
    for question in given:
        agency, separator, text = question.partition("=")
        if separator and agency.strip() in AGENCIES:
            own[agency.strip()] = text.strip()
        else:
            every = question.strip()
    for agency in own:
        if agency not in agencies:
            raise UserError(f"--question {agency}=...: {agency} is not among the --agency values")
    return {agency: own.get(agency, every) or None for agency in agencies}


def _send(args: argparse.Namespace) -> int:
    from mash_tui.services import requests

    ctx = context_of(args)
    actor = acting_user(args, ctx)
    agencies = list(dict.fromkeys(args.agency))
    if args.defaults:
        draft = requests.request_draft(ctx, actor, args.reference)
        agencies += [agency for agency in draft.defaults if agency not in agencies]
    if not agencies:
        raise UserError("--agency: name at least one agency (or use --defaults)")
    sent = requests.send_requests(ctx, actor, args.reference, _questions(agencies, args.question),
                                  summary=args.summary)
    _print_requests(sent, args.json)
    return 0


def _print_requests(views: list[Any], as_json: bool) -> None:
    from mash_tui.clock import to_local

    for view in views:
        if as_json:
            print_json(view.as_json())
        else:
            print(f"{view.request_ref}  {view.reference}  {view.agency:<17} {view.state:<9} "
                  f"due {to_local(view.due_at):%a %d %b %H:%M}")


def _list(args: argparse.Namespace) -> int:
    from mash_tui.services import requests

    ctx = context_of(args)
    actor = acting_user(args, ctx)
    if args.item:
        views = requests.information_gathering(ctx, actor, args.item).requests
        if args.open:
            views = [view for view in views if view.is_open]
    elif actor.role != "partner":
        raise UserError("--item: name the item whose requests to list (a partner lists their own agency's)")
    else:
        views = requests.list_my_requests(ctx, actor, open_only=args.open)
    _print_requests(views, args.json)
    return 0


def _open(args: argparse.Namespace) -> int:
    from mash_tui.services import requests

    ctx = context_of(args)
    view = requests.open_request(ctx, acting_user(args, ctx), args.request)
    if args.json:
        print_json(view.as_json())
        return 0
    _print_requests([view], False)
    if view.question:
        print(f"Question: {view.question}")
    print(f"Summary: {view.summary}")
    for person in view.people:
        print(f"  {person.key:<8} {person.name}: {person.description}")
    return 0


def _read_findings(args: argparse.Namespace) -> list[dict[str, Any]]:
    findings: list[Any] = []
    for position, raw in enumerate(args.finding):
        try:
            findings.append(json.loads(raw))
        except json.JSONDecodeError as error:
            raise UserError(f"--finding {position + 1}: not JSON ({error.msg})") from None
    if args.findings:
        try:
            text = sys.stdin.read() if args.findings == "-" else Path(args.findings).read_text(encoding="utf-8")
        except OSError as error:
            raise UserError(f"--findings: cannot read {args.findings} ({error.strerror})") from None
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as error:
            raise UserError(f"--findings: not JSON (line {error.lineno}: {error.msg})") from None
        if not isinstance(loaded, list):
            raise UserError("--findings: give a JSON array of findings")
        findings += loaded
    return findings


def _answer(args: argparse.Namespace) -> int:
    from mash_tui.services import requests

    findings = _read_findings(args)
    ctx = context_of(args)
    actor = acting_user(args, ctx)
    if args.none_known:
        given = {finding.get("person") for finding in findings if isinstance(finding, dict)}
        shared = requests.open_request(ctx, actor, args.request).people
        findings += [{"person": person.key, "known": False} for person in shared if person.key not in given]
    action = requests.correct_answer if args.correct else requests.answer_request
    view = action(ctx, actor, args.request, findings=findings, free_text=args.text)
    _print_requests([view], args.json)
    return 0


def _chase(args: argparse.Namespace) -> int:
    from mash_tui.services import requests

    ctx = context_of(args)
    view = requests.chase_request(ctx, acting_user(args, ctx), args.request, note=args.note)
    print(f"{view.request_ref} chased ({view.chase_count} so far)")
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    from mash_tui.services import requests

    ctx = context_of(args)
    view = requests.withdraw_request(ctx, acting_user(args, ctx), args.request, args.reason)
    print(f"{view.request_ref} withdrawn")
    return 0


def _discussion(args: argparse.Namespace) -> int:
    from mash_tui.services import requests

    ctx = context_of(args)
    requests.record_mash_discussion(ctx, acting_user(args, ctx), args.reference, participants=args.participant,
                                    summary=args.summary, agreed_actions=args.actions)
    print(f"MASH discussion recorded on {args.reference}")
    return 0
