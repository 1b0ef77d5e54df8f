"""`mash due CLOCK START`: when a clock started at START runs out under the policy in force."""

from __future__ import annotations

import argparse
from datetime import datetime

from mash_tui.cli import print_json
from mash_tui.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "due",
        help="when a clock runs out",
        description=(
            "When a clock started at START runs out, using the shipped policy overridden by "
            "policy.toml in the home (--home or $MASH_HOME) when there is one."
        ),
    )
    parser.add_argument(
        "clock", metavar="CLOCK", help="a clock named in the policy's [clocks], such as decision or red"
    )
    parser.add_argument(
        "start", metavar="START", help="ISO 8601 time with a UTC offset, e.g. 2026-12-24T15:00:00+00:00"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_due)


_UNIT_NAMES = {
    "clock_hours": ("clock hour", "clock hours"),
    "working_days": ("working day", "working days"),
    "working_days_before": ("working day before", "working days before"),
    "close_of_working_day": ("working day, to its close", "working days, to the close of the last"),
    "calendar_months": ("calendar month", "calendar months"),
    "school_day_start": ("school day, by its start", "school days, by the start of the last"),
}


def _iso(instant: datetime) -> str:
    return instant.isoformat(timespec="microseconds" if instant.microsecond else "seconds")


def parse_start(text: str) -> datetime:
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"START {text!r} is not an ISO 8601 time (e.g. 2026-12-24T15:00:00+00:00)") from None
    if start.tzinfo is None or start.utcoffset() is None:
        raise UserError(f"START {text!r} has no UTC offset; add one, such as +00:00 or Z")
    return start


def run_due(args: argparse.Namespace) -> int:
    # Imported here so building the parser for other commands stays cheap.
    from mash_tui.commands.common import settings_of
    from mash_tui.config import PolicyError
    from mash_tui.domain.policy import CLOCK_NAMES
    from mash_tui.domain.timescales import WorkingCalendar

    if args.clock not in CLOCK_NAMES:
        raise UserError(f"unknown clock {args.clock!r}; clocks are {', '.join(CLOCK_NAMES)}")
    start = parse_start(args.start)
    try:
        policy = settings_of(args).load_policy()
    except PolicyError as error:
        raise UserError(str(error)) from None

    clock = policy.clocks[args.clock]
    try:
        calendar = WorkingCalendar.from_policy(policy)
    except ValueError as error:
        raise UserError(f"policy calendar: {error}") from None
    try:
        due = calendar.due_at(clock, start)
        due_local = calendar.to_local(due)
    except OverflowError:
        raise UserError(
            f"START {args.start!r} is too close to the ends of the calendar to work out a due time"
        ) from None
    except ValueError as error:
        # A school-day clock past the last term in the policy, or a calendar with no day left.
        raise UserError(f"{args.clock} from {args.start}: {error}") from None

    if args.json:
        print_json(
            {"clock": args.clock, "start": _iso(start), "due": _iso(due), "due_local": _iso(due_local)}
        )
    else:
        singular, plural = _UNIT_NAMES[clock.unit]
        unit = singular if clock.length == 1 else plural
        print(
            f"{args.clock} ({clock.length} {unit}) from {_iso(start)}: due "
            f"{due_local:%a %d %b %Y %H:%M} {due_local.tzname()} ({_iso(due)})"
        )
    return 0
