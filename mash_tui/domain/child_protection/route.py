"""The child protection route as a state machine (DOMAIN.md section 10).

A RED decision with outcome `strategy_discussion` opens a route. The strategy discussion may
start a section 47 enquiry; an enquiry that finds significant harm makes an initial child
protection conference (ICPC) due 15 working days after the last discussion. A conference is
booked, held, and — only when quorate — decides a plan or none; an inquorate one is re-diarised
with its reason kept. A plan puts the child on the register, with review conferences due 3 months
after the ICPC and then every 6 months, until a review ends the plan or the child transfers.

Each step is a pure function from one `Route` to the next; a step the route's stage does not allow
raises `RouteRefused` and changes nothing. Every step appends to `history`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from mash_tui.domain.child_protection.booking import Slot
from mash_tui.domain.child_protection.quorum import QuorumResult, missing_agencies, quorum
from mash_tui.domain.policy import ClockPolicy, ConferencePolicy
from mash_tui.domain.timescales import WorkingCalendar

StrategyDecision = Literal["s47_single_agency", "s47_joint", "no_s47_assessment", "no_further_action"]
STRATEGY_DECISIONS: tuple[StrategyDecision, ...] = (
    "s47_single_agency", "s47_joint", "no_s47_assessment", "no_further_action")
PlanCategory = Literal["neglect", "physical", "emotional", "sexual", "multiple"]
PLAN_CATEGORIES: tuple[PlanCategory, ...] = ("neglect", "physical", "emotional", "sexual", "multiple")
ConferenceKind = Literal["icpc", "review"]


class RouteRefused(ValueError):
    """A step this route's stage does not allow; the route is unchanged."""


class Stage(enum.StrEnum):
    STRATEGY_DUE = "strategy_due"
    ENQUIRY = "enquiry"  # section 47 enquiry under way
    CONFERENCE_DUE = "conference_due"  # to be booked
    CONFERENCE_BOOKED = "conference_booked"
    INQUORATE = "inquorate"  # held without a quorum: must be re-diarised
    AWAITING_OUTCOME = "awaiting_outcome"  # held, quorate
    CLOSED = "closed"


@dataclass(frozen=True)
class RouteRules:
    """What the route needs from the policy: the calendar, its clocks and the conference rules."""

    calendar: WorkingCalendar
    clocks: Mapping[str, ClockPolicy]
    conferences: ConferencePolicy

    def due(self, clock: str, start: datetime) -> datetime:
        return self.calendar.due_at(self.clocks[clock], start)


@dataclass(frozen=True)
class Step:
    """One entry of the route's history, for the chronology."""

    at: datetime
    what: str
    details: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Route:
    stage: Stage
    due: datetime | None  # the running clock's due: strategy discussion or conference
    conference_kind: ConferenceKind | None = None
    last_strategy_at: datetime | None = None
    strategy_count: int = 0
    booking: Slot | None = None
    quorate: bool | None = None  # of the last conference held; None before one is held
    on_register: bool = False
    plan: PlanCategory | None = None
    icpc_held_at: datetime | None = None
    last_held_at: datetime | None = None  # of the last conference held
    closed_reason: str | None = None
    history: tuple[Step, ...] = field(default=())

    # -- helpers ------------------------------------------------------------------------------

    def _require(self, *stages: Stage, doing: str) -> None:
        if self.stage not in stages:
            allowed = " or ".join(stage.value for stage in stages)
            raise RouteRefused(f"cannot {doing} at stage {self.stage.value}; only at {allowed}")

    def _then(self, step: Step, **changes: object) -> Route:
        return replace(self, history=(*self.history, step), **changes)


def open_route(decided_at: datetime, rules: RouteRules) -> Route:
    """A RED decision with outcome `strategy_discussion`: the discussion is due within 1 working day."""
    return Route(
        stage=Stage.STRATEGY_DUE,
        due=rules.due("strategy", decided_at),
        history=(Step(decided_at, "strategy discussion due"),),
    )


@dataclass(frozen=True)
class StrategyRecord:
    held_at: datetime
    attended: frozenset[str]
    decision: StrategyDecision
    missing: tuple[str, ...]  # required agencies that were not there
    minutes_due: datetime


def record_strategy(
    route: Route, held_at: datetime, attended: Iterable[str], decision: StrategyDecision, rules: RouteRules
) -> tuple[Route, StrategyRecord]:
    """A strategy discussion held. Another may follow during the enquiry; the ICPC is then due
    from the last one. A decision without a section 47 enquiry closes the route."""
    route._require(Stage.STRATEGY_DUE, Stage.ENQUIRY, doing="record a strategy discussion")
    if decision not in STRATEGY_DECISIONS:
        raise RouteRefused(f"unknown strategy decision {decision!r}")
    attended = frozenset(attended)
    record = StrategyRecord(held_at, attended, decision,
                            missing_agencies(attended, rules.conferences.strategy_required),
                            rules.due("strategy_minutes", held_at))
    step = Step(held_at, "strategy discussion held",
                (("decision", decision), ("attended", tuple(sorted(attended))), ("missing", record.missing)))
    common = {"last_strategy_at": held_at, "strategy_count": route.strategy_count + 1}
    if decision in ("s47_single_agency", "s47_joint"):
        return route._then(step, stage=Stage.ENQUIRY, due=None, **common), record
    return route._then(step, stage=Stage.CLOSED, due=None, closed_reason=f"strategy discussion: {decision}",
                       **common), record


def conclude_enquiry(route: Route, at: datetime, significant_harm: bool, rules: RouteRules) -> Route:
    """The section 47 enquiry's conclusion: significant harm makes the ICPC due."""
    route._require(Stage.ENQUIRY, doing="conclude the section 47 enquiry")
    if route.last_strategy_at is None:  # unreachable through these steps; kept as the rule itself
        raise RouteRefused("no ICPC without a strategy discussion")
    if not significant_harm:
        return route._then(Step(at, "section 47 concluded: no significant harm"), stage=Stage.CLOSED,
                           closed_reason="section 47: no significant harm")
    return route._then(Step(at, "section 47 concluded: significant harm; ICPC due"),
                       stage=Stage.CONFERENCE_DUE, conference_kind="icpc",
                       due=rules.due("icpc", route.last_strategy_at))


def book(route: Route, slot: Slot, at: datetime, rules: RouteRules) -> Route:
    """Book a slot for the due conference. The diary, not the route, refuses a slot taken by
    another route; a slot on a non-working day is refused here."""
    route._require(Stage.CONFERENCE_DUE, doing="book a conference")
    if not rules.calendar.is_working_day(slot.day):
        raise RouteRefused(f"{slot.day.isoformat()} is not a working day")
    return route._then(Step(at, f"{route.conference_kind} booked",
                            (("session", slot.session_id), ("chair", slot.chair_id), ("starts", slot.starts))),
                       stage=Stage.CONFERENCE_BOOKED, booking=slot)


def cancel_booking(route: Route, at: datetime, reason: str) -> Route:
    """Take the booking back (the caller releases the slot in the diary)."""
    route._require(Stage.CONFERENCE_BOOKED, doing="cancel a booking")
    _need_reason(reason)
    return route._then(Step(at, f"{route.conference_kind} booking cancelled", (("reason", reason),)),
                       stage=Stage.CONFERENCE_DUE, booking=None)


def hold(route: Route, held_at: datetime, attended: Iterable[str], rules: RouteRules) -> tuple[Route, QuorumResult]:
    """The booked conference held: its quorum decides whether a plan may be made."""
    route._require(Stage.CONFERENCE_BOOKED, doing="hold a conference")
    result = quorum(attended, rules.conferences.quorum)
    step = Step(held_at, f"{route.conference_kind} held, {'quorate' if result.quorate else 'inquorate'}",
                (("attended", tuple(sorted(set(attended)))), ("quorum", result.reasons)))
    changes: dict[str, object] = {"quorate": result.quorate, "last_held_at": held_at}
    if route.conference_kind == "icpc":
        changes["icpc_held_at"] = held_at
    stage = Stage.AWAITING_OUTCOME if result.quorate else Stage.INQUORATE
    return route._then(step, stage=stage, **changes), result


def rediarise(route: Route, at: datetime, reason: str) -> Route:
    """An inquorate conference goes back to be booked again; its due date does not move."""
    route._require(Stage.INQUORATE, doing="re-diarise a conference")
    _need_reason(reason)
    return route._then(Step(at, f"{route.conference_kind} re-diarised", (("reason", reason),)),
                       stage=Stage.CONFERENCE_DUE, booking=None)


def decide_outcome(route: Route, at: datetime, plan: PlanCategory | None, rules: RouteRules) -> Route:
    """A quorate conference's outcome: a plan under one category, or none.

    After an ICPC a plan adds the child to the register with the first review due 3 months after
    the ICPC; after a review a plan continues with the next review due 6 months after it; no plan
    ends the route and takes the child off the register.
    """
    route._require(Stage.AWAITING_OUTCOME, doing="decide a conference outcome")
    if not route.quorate:  # unreachable: only a quorate conference awaits an outcome
        raise RouteRefused("no plan without a quorate conference")
    if plan is not None and plan not in PLAN_CATEGORIES:
        raise RouteRefused(f"unknown plan category {plan!r}")
    kind = route.conference_kind
    held_at = route.last_held_at or at
    if plan is None:
        what = "no plan" if kind == "icpc" else "plan ended at review; off the register"
        return route._then(Step(at, what), stage=Stage.CLOSED, due=None, booking=None, plan=None,
                           on_register=False, closed_reason=f"{kind}: no plan")
    clock = "review" if kind == "icpc" else "later_review"
    what = f"plan ({plan}); on the register" if kind == "icpc" else f"plan continues ({plan})"
    return route._then(Step(at, what, (("plan", plan),)), stage=Stage.CONFERENCE_DUE, conference_kind="review",
                       due=rules.due(clock, held_at), booking=None, plan=plan, on_register=True)


def transfer(route: Route, at: datetime, reason: str) -> Route:
    """The child moves away: off the register, the route ends."""
    if not route.on_register:
        raise RouteRefused("only a child on the register can be transferred off it")
    _need_reason(reason)
    return route._then(Step(at, "transferred; off the register", (("reason", reason),)), stage=Stage.CLOSED,
                       due=None, booking=None, on_register=False, closed_reason=f"transfer: {reason}")


def reports_due(route: Route, rules: RouteRules) -> tuple[datetime, datetime] | None:
    """(agency reports in, shared with parents) for the booked conference."""
    if route.stage is not Stage.CONFERENCE_BOOKED or route.booking is None:
        return None
    starts = route.booking.starts
    return rules.due("reports_in", starts), rules.due("reports_to_parents", starts)


def after_conference_dues(held_at: datetime, rules: RouteRules) -> tuple[datetime, datetime]:
    """(conference summary distributed, minutes) for a conference held at `held_at`."""
    return rules.due("conference_summary", held_at), rules.due("conference_minutes", held_at)


def _need_reason(reason: str) -> None:
    if not reason.strip():
        raise RouteRefused("a reason is needed")
