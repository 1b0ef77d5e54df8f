"""Where a contact goes once its people are known: DOMAIN.md section 1, step 3.

- **Open case, or closed within the last N days** (*policy* `routing.closed_within_days`, 28): a
  confirmed match's involvement proposes the allocated worker, with their team and phone.
- **Repeat contacts** (*policy* `repeat_contacts`): two contacts about the same child within 7 days,
  or three within 12 months, counting the contact being looked at, are flagged.

Pure: the caller passes the involvements of the people the officer confirmed and the times of the
earlier contacts about the same child.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from mash_tui.domain.policy import RepeatContactPolicy

SERVICES = ("social_care", "early_help", "youth_offending", "cp_plan", "looked_after")
SERVICE_LABELS = {
    "social_care": "Social care",
    "early_help": "Early help",
    "youth_offending": "Youth offending",
    "cp_plan": "Child protection plan",
    "looked_after": "Child looked after",
}
STATUSES = ("open", "closed")
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True, slots=True)
class Involvement:
    """A person's involvement with a children's service, as the case system holds it."""

    person_id: str
    service: str
    status: str
    start_date: date | None = None
    end_date: date | None = None
    allocated_worker: str | None = None
    team: str | None = None
    phone: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class RoutingProposal:
    """Send the contact to the worker who already knows the child."""

    involvement: Involvement
    worker: str | None
    team: str | None
    phone: str | None
    reason: str


def _local_date(instant: datetime | date) -> date:
    if isinstance(instant, datetime):
        if instant.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")
        return instant.astimezone(LONDON).date()
    return instant


def _qualifies(involvement: Involvement, received_on: date, closed_within_days: int) -> bool:
    if involvement.is_open:
        return True
    # A closed involvement without an end date cannot be shown to be recent.
    if involvement.end_date is None:
        return False
    return received_on - timedelta(days=closed_within_days) <= involvement.end_date <= received_on


# A contact's own copy of a person (its candidate id starts so) was never known to the case
# system: confirming it links two contacts, and carries no involvement to route by.
CONTACT_COPY_PREFIX = "contact:"


def routes_by(candidate_id: str) -> bool:
    """Whether a confirmed match can route the contact: only people the case system knows do."""
    return not candidate_id.startswith(CONTACT_COPY_PREFIX)


def routing_by_confirmed(
    confirmed: Iterable[tuple[str, Iterable[Involvement]]],
    received_at: datetime | date,
    closed_within_days: int,
) -> RoutingProposal | None:
    """The routing proposal over confirmed matches, each `(candidate_id, its involvements)`."""
    involvements = [involvement for candidate_id, held in confirmed if routes_by(candidate_id) for involvement in held]
    return routing_proposal(involvements, received_at, closed_within_days)


def routing_proposal(
    involvements: Iterable[Involvement],
    received_at: datetime | date,
    closed_within_days: int,
) -> RoutingProposal | None:
    """The allocated worker to route to, from the involvements of confirmed matches; None if none.

    An involvement qualifies when it is open, or closed on a day no more than `closed_within_days`
    before the (Europe/London) day the contact was received, counting that day itself: with 28, a
    contact received on 29 March routes for an involvement closed on 1 March or later. Of several,
    an open one wins, then the most recently ended, then the most recently started.
    """
    received_on = _local_date(received_at)
    qualifying = [item for item in involvements if _qualifies(item, received_on, closed_within_days)]
    if not qualifying:
        return None
    chosen = min(qualifying, key=_sort_key)
    service = SERVICE_LABELS.get(chosen.service, chosen.service)
    if chosen.is_open:
        state = f"open {service.lower()} involvement"
    else:
        state = f"{service.lower()} involvement closed on {chosen.end_date.isoformat()}"  # type: ignore[union-attr]
    worker = chosen.allocated_worker or "no allocated worker recorded"
    team = f" ({chosen.team})" if chosen.team else ""
    return RoutingProposal(
        involvement=chosen,
        worker=chosen.allocated_worker,
        team=chosen.team,
        phone=chosen.phone,
        reason=f"Route to the allocated worker: {state}; {worker}{team}",
    )


def _sort_key(involvement: Involvement) -> tuple[int, int, int]:
    ended = involvement.end_date.toordinal() if involvement.end_date else 0
    started = involvement.start_date.toordinal() if involvement.start_date else 0
    return (0 if involvement.is_open else 1, -ended, -started)


def repeat_contact_finding(
    previous_contact_times: Iterable[datetime],
    received_at: datetime,
    policy: RepeatContactPolicy,
) -> str | None:
    """Why this contact is a repeat, or None.

    `previous_contact_times` are the other contacts about the same child, not this one. Counts the
    contact received at `received_at` plus every one of those received in the window that ends at `received_at`: the short window is
    `short_window_days` × 24 hours, the long one `long_window_months` calendar months, and a
    contact exactly at the window's start counts. With the defaults, a repeat is a second contact
    within 7 days or a third within 12 months. Contacts after `received_at` are ignored, so an
    older contact's flag does not change when newer ones arrive.
    """
    short_start = received_at - timedelta(days=policy.short_window_days)
    long_start = received_at - relativedelta(months=policy.long_window_months)
    earlier = [moment for moment in previous_contact_times if moment <= received_at]
    in_short = 1 + sum(1 for moment in earlier if moment >= short_start)
    in_long = 1 + sum(1 for moment in earlier if moment >= long_start)
    if in_short >= policy.short_window_count:
        return f"{in_short} contacts about this child within {policy.short_window_days} days"
    if in_long >= policy.long_window_count:
        return f"{in_long} contacts about this child within {policy.long_window_months} months"
    return None


def is_repeat_contact(
    previous_contact_times: Iterable[datetime],
    received_at: datetime,
    policy: RepeatContactPolicy,
) -> bool:
    """True when `repeat_contact_finding` finds a reason; see it for the exact counting."""
    return repeat_contact_finding(previous_contact_times, received_at, policy) is not None
