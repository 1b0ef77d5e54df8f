"""The child protection route (DOMAIN.md section 10): examples, then a stateful test that tries
every step in any order on several routes sharing one diary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule

from mash_tui.config import default_policy
from mash_tui.domain.child_protection.booking import Diary, DoubleBooking, SessionIndex, first_free_slot, slot_of
from mash_tui.domain.child_protection.route import (
    PLAN_CATEGORIES,
    STRATEGY_DECISIONS,
    Route,
    RouteRefused,
    RouteRules,
    Stage,
    after_conference_dues,
    book,
    cancel_booking,
    conclude_enquiry,
    decide_outcome,
    hold,
    open_route,
    record_strategy,
    rediarise,
    reports_due,
    transfer,
)
from mash_tui.domain.timescales import WorkingCalendar

LONDON = ZoneInfo("Europe/London")
POLICY = default_policy()
RULES = RouteRules(WorkingCalendar.from_policy(POLICY), POLICY.clocks, POLICY.conferences)
SESSIONS = SessionIndex(POLICY.conferences.chairs)
QUORATE = {"social_care", "police", "health"}


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def to_icpc_due(decided_at: datetime = london(2026, 12, 17, 10, 0)) -> Route:
    route = open_route(decided_at, RULES)
    route, _ = record_strategy(route, decided_at + timedelta(hours=3), QUORATE, "s47_joint", RULES)
    return conclude_enquiry(route, decided_at + timedelta(days=5), True, RULES)


def test_a_red_decision_makes_the_strategy_discussion_due_in_one_working_day() -> None:
    route = open_route(london(2026, 12, 24, 15, 0), RULES)
    assert (route.stage, route.due) == (Stage.STRATEGY_DUE, utc(2026, 12, 29, 15, 0))


def test_the_strategy_discussion_records_missing_agencies_and_its_minutes_clock() -> None:
    route = open_route(london(2026, 12, 24, 9, 0), RULES)
    route, record = record_strategy(route, london(2026, 12, 24, 11, 0), {"social_care", "police"}, "s47_single_agency",
                                    RULES)
    assert route.stage is Stage.ENQUIRY
    assert record.missing == ("health",)
    assert record.minutes_due == utc(2026, 12, 29, 11, 0)


@pytest.mark.parametrize("decision", ["no_s47_assessment", "no_further_action"])
def test_no_section_47_closes_the_route(decision: str) -> None:
    route, _ = record_strategy(open_route(london(2026, 12, 1, 9), RULES), london(2026, 12, 1, 11), QUORATE, decision,
                               RULES)
    assert route.stage is Stage.CLOSED and route.closed_reason == f"strategy discussion: {decision}"


def test_the_icpc_is_due_15_working_days_after_the_last_strategy_discussion() -> None:
    route = open_route(london(2026, 12, 10, 9, 0), RULES)
    route, _ = record_strategy(route, london(2026, 12, 10, 14, 0), QUORATE, "s47_joint", RULES)
    route, _ = record_strategy(route, london(2026, 12, 17, 10, 0), QUORATE, "s47_joint", RULES)
    route = conclude_enquiry(route, london(2026, 12, 22, 12, 0), True, RULES)
    assert route.stage is Stage.CONFERENCE_DUE and route.conference_kind == "icpc"
    assert route.due == utc(2027, 1, 12, 10, 0)  # over Christmas and New Year's Day
    assert route.strategy_count == 2


def test_no_icpc_without_a_strategy_discussion() -> None:
    route = open_route(london(2026, 12, 1, 9), RULES)
    with pytest.raises(RouteRefused, match="conclude the section 47 enquiry at stage strategy_due"):
        conclude_enquiry(route, london(2026, 12, 2, 9), True, RULES)
    slot = slot_of(SESSIONS, "hale-tue-am", date(2026, 12, 8), RULES.calendar)
    with pytest.raises(RouteRefused, match="book a conference"):
        book(route, slot, london(2026, 12, 2, 9), RULES)


def test_the_whole_route_to_the_register_and_reviews() -> None:
    route = to_icpc_due()
    slot = first_free_slot(SESSIONS, Diary(), london(2026, 12, 29, 9, 0), route.due, RULES.calendar)
    assert (slot.session_id, slot.day) == ("hale-tue-am", date(2026, 12, 29))
    route = book(route, slot, london(2026, 12, 22, 12, 0), RULES)
    assert reports_due(route, RULES) == (utc(2026, 12, 22, 10, 0), utc(2026, 12, 23, 10, 0))
    route, result = hold(route, slot.starts, {"social_care", "police"}, RULES)
    assert (route.stage, route.quorate, result.quorate) == (Stage.INQUORATE, False, False)
    with pytest.raises(RouteRefused, match="decide a conference outcome at stage inquorate"):
        decide_outcome(route, slot.starts, "physical", RULES)
    route = rediarise(route, slot.starts + timedelta(hours=1), "Health could not attend; rebooked")
    assert route.stage is Stage.CONFERENCE_DUE and route.due == utc(2027, 1, 12, 13, 0)  # unchanged
    second = slot_of(SESSIONS, "hale-thu-pm", date(2027, 1, 7), RULES.calendar)
    route = book(route, second, london(2026, 12, 29, 12, 0), RULES)
    route, result = hold(route, second.starts, QUORATE | {"education"}, RULES)
    assert result.quorate and route.icpc_held_at == second.starts
    assert after_conference_dues(second.starts, RULES) == (utc(2027, 1, 8, 13, 30), utc(2027, 1, 28, 13, 30))
    route = decide_outcome(route, second.starts + timedelta(hours=2), "physical", RULES)
    assert route.on_register and route.plan == "physical"
    assert (route.stage, route.conference_kind, route.due) == (Stage.CONFERENCE_DUE, "review", utc(2027, 4, 7, 12, 30))
    review = slot_of(SESSIONS, "okafor-wed-pm", date(2027, 3, 31), RULES.calendar)
    route = book(route, review, london(2027, 3, 1, 9), RULES)
    route, _ = hold(route, review.starts, QUORATE, RULES)
    route = decide_outcome(route, review.starts, "multiple", RULES)
    assert route.due == utc(2027, 9, 30, 13, 0) and route.plan == "multiple"  # six months on, 14:00 BST
    route = transfer(route, london(2027, 5, 1, 9), "Moved to another authority")
    assert (route.stage, route.on_register) == (Stage.CLOSED, False)
    assert [step.what for step in route.history][:4] == [
        "strategy discussion due", "strategy discussion held", "section 47 concluded: significant harm; ICPC due",
        "icpc booked"]


def test_no_plan_ends_the_route_and_takes_the_child_off_the_register() -> None:
    route = to_icpc_due()
    slot = slot_of(SESSIONS, "hale-tue-am", date(2027, 1, 5), RULES.calendar)
    route, _ = hold(book(route, slot, london(2026, 12, 22), RULES), slot.starts, QUORATE, RULES)
    route = decide_outcome(route, slot.starts, None, RULES)
    assert (route.stage, route.on_register, route.closed_reason) == (Stage.CLOSED, False, "icpc: no plan")


def test_reasons_are_required() -> None:
    route = to_icpc_due()
    slot = slot_of(SESSIONS, "hale-tue-am", date(2027, 1, 5), RULES.calendar)
    booked = book(route, slot, london(2026, 12, 22), RULES)
    with pytest.raises(RouteRefused, match="reason"):
        cancel_booking(booked, london(2026, 12, 23), " ")
    assert cancel_booking(booked, london(2026, 12, 23), "Chair ill").stage is Stage.CONFERENCE_DUE


# -- the stateful test -------------------------------------------------------------------------

# Weighted towards the steps that go deeper, so most runs reach conferences, plans and reviews.
agencies = st.one_of(st.just(frozenset(QUORATE)),
                     st.sets(st.sampled_from(["social_care", "police", "health", "education", "housing"])))
decisions = st.sampled_from(["s47_joint", "s47_single_agency", *STRATEGY_DECISIONS])
harms = st.sampled_from([True, True, True, False])


class ChildProtectionRoutes(RuleBasedStateMachine):
    """Several routes and one diary; every step tried at any time. A refused step must change
    nothing; an accepted one must keep the rules:
    - no plan without a quorate conference;
    - no ICPC (due, booked or held) without a strategy discussion that started an enquiry;
    - no slot booked twice, by one route or by two.
    """

    routes = Bundle("routes")

    @initialize(target=routes)
    def start(self):  # noqa: ANN201 - hypothesis' multiple()
        self.now = london(2026, 11, 2, 9, 0)
        self.diary = Diary()
        self.state: dict[int, Route] = {}
        self.booked_by: dict[tuple[str, date], int] = {}
        # The test's own record of what was accepted, to judge the route by, not by its history.
        self.s47_started: set[int] = set()
        self.attendance: dict[int, set[str]] = {}
        # Three children's routes opened by RED decisions an hour apart, all sharing the diary.
        for number in range(3):
            self.state[number] = open_route(self.tick(60), RULES)
        return multiple(*self.state)

    def tick(self, minutes: int) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def attempt(self, number: int, step) -> None:  # noqa: ANN001
        before = self.state[number]
        try:
            after = step(before)
        except RouteRefused:
            assert self.state[number] is before
            return
        self.state[number] = after

    @rule(number=routes, attended=agencies, decision=decisions,
          minutes=st.integers(0, 600))
    def strategy_discussion(self, number: int, attended: set, decision: str, minutes: int) -> None:
        at = self.tick(minutes)
        before = self.state[number]
        self.attempt(number, lambda route: record_strategy(route, at, attended, decision, RULES)[0])
        if self.state[number] is not before and decision.startswith("s47"):
            self.s47_started.add(number)

    @rule(number=routes, harm=harms, minutes=st.integers(0, 6000))
    def conclude(self, number: int, harm: bool, minutes: int) -> None:
        at = self.tick(minutes)
        before = self.state[number]
        self.attempt(number, lambda route: conclude_enquiry(route, at, harm, RULES))
        if self.state[number] is not before and harm:
            assert number in self.s47_started, "an ICPC due without a strategy discussion starting an enquiry"

    @rule(number=routes, minutes=st.integers(0, 600))
    def book_first_free(self, number: int, minutes: int) -> None:
        at = self.tick(minutes)
        route = self.state[number]
        if route.stage is not Stage.CONFERENCE_DUE:
            with pytest.raises(RouteRefused):
                book(route, slot_of(SESSIONS, "hale-tue-am", date(2026, 11, 3), RULES.calendar), at, RULES)
            return
        slot = first_free_slot(SESSIONS, self.diary, at, route.due + timedelta(days=60), RULES.calendar)
        if slot is None:
            return
        self.diary = self.diary.book(slot)
        self.booked_by[slot.key] = number
        self.state[number] = book(route, slot, at, RULES)
        assert number in self.s47_started, "a conference booked without a strategy discussion"
        event(f"booked a {route.conference_kind}")

    @rule(number=routes, other=routes, minutes=st.integers(0, 60))
    def try_to_take_a_booked_slot(self, number: int, other: int, minutes: int) -> None:
        """Another route's booked slot: the diary refuses it before the route sees it."""
        taken = self.state[other].booking
        if taken is None:
            return
        with pytest.raises(DoubleBooking):
            self.diary.book(taken)
        self.tick(minutes)

    @rule(number=routes, reason=st.sampled_from(["", "Chair ill"]), minutes=st.integers(0, 600))
    def cancel(self, number: int, reason: str, minutes: int) -> None:
        at = self.tick(minutes)
        booking = self.state[number].booking

        def step(route: Route) -> Route:
            cancelled = cancel_booking(route, at, reason)
            self.diary = self.diary.release(booking)
            del self.booked_by[booking.key]
            return cancelled

        self.attempt(number, step)

    @rule(number=routes, attended=agencies, minutes=st.integers(0, 6000))
    def hold_conference(self, number: int, attended: set, minutes: int) -> None:
        at = self.tick(minutes)
        before = self.state[number]
        self.attempt(number, lambda route: hold(route, at, attended, RULES)[0])
        if self.state[number] is not before:
            self.attendance[number] = set(attended)

    @rule(number=routes, reason=st.sampled_from(["", "Police did not attend"]), minutes=st.integers(0, 600))
    def rediarise_inquorate(self, number: int, reason: str, minutes: int) -> None:
        at = self.tick(minutes)
        self.attempt(number, lambda route: rediarise(route, at, reason))

    @rule(number=routes, plan=st.none() | st.sampled_from(PLAN_CATEGORIES), minutes=st.integers(0, 600))
    def outcome(self, number: int, plan: str | None, minutes: int) -> None:
        at = self.tick(minutes)
        before = self.state[number]
        self.attempt(number, lambda route: decide_outcome(route, at, plan, RULES))
        if self.state[number] is not before:
            # Quorum judged here from the attendance recorded, not by the route's own word.
            present = self.attendance.get(number, set())
            others = present - {"social_care"}
            assert "social_care" in present and len(others) >= 2 and others & {"police", "health"}, (
                f"an outcome after a conference attended by {sorted(present)}")
            event(f"outcome {'plan' if plan else 'no plan'} after a {before.conference_kind}")

    @rule(number=routes, minutes=st.integers(0, 600))
    def transfer_out(self, number: int, minutes: int) -> None:
        at = self.tick(minutes)
        self.attempt(number, lambda route: transfer(route, at, "Moved away"))

    @rule(number=routes, attended=agencies, plan=st.none() | st.sampled_from(PLAN_CATEGORIES))
    def advance(self, number: int, attended: frozenset, plan: str | None) -> None:
        """The route's natural next step, through the rules above, so runs reach plans and reviews."""
        stage = self.state[number].stage
        if stage is Stage.STRATEGY_DUE:
            self.strategy_discussion(number, set(attended), "s47_joint", 60)
        elif stage is Stage.ENQUIRY:
            self.conclude(number, True, 60)
        elif stage is Stage.CONFERENCE_DUE:
            self.book_first_free(number, 60)
        elif stage is Stage.CONFERENCE_BOOKED:
            self.hold_conference(number, set(attended), 600)
        elif stage is Stage.INQUORATE:
            self.rediarise_inquorate(number, "Not quorate", 60)
        elif stage is Stage.AWAITING_OUTCOME:
            self.outcome(number, plan, 60)

    @invariant()
    def a_plan_only_after_a_quorate_conference(self) -> None:
        for route in getattr(self, "state", {}).values():
            if route.plan is not None or route.on_register:
                plans = [index for index, step in enumerate(route.history) if step.what.startswith("plan")]
                assert plans
                before_first_plan = route.history[: plans[0]]
                assert before_first_plan[-1].what == "icpc held, quorate"

    @invariant()
    def no_icpc_without_a_strategy_discussion(self) -> None:
        for route in getattr(self, "state", {}).values():
            whats = [step.what for step in route.history]
            if any(what.startswith("icpc") or "ICPC due" in what for what in whats):
                first_icpc = next(i for i, what in enumerate(whats) if what.startswith("icpc") or "ICPC due" in what)
                assert "strategy discussion held" in whats[:first_icpc]
                assert route.last_strategy_at is not None

    @invariant()
    def no_slot_is_booked_twice(self) -> None:
        state = getattr(self, "state", {})
        held = [route.booking.key for route in state.values()
                if route.booking is not None and route.stage is Stage.CONFERENCE_BOOKED]
        assert len(held) == len(set(held))
        assert set(held) <= self.diary.booked

    @invariant()
    def a_closed_route_runs_no_clock(self) -> None:
        for route in getattr(self, "state", {}).values():
            if route.stage is Stage.CLOSED:
                assert route.due is None or route.on_register is False
                assert not route.on_register


ChildProtectionRoutes.TestCase.settings = settings(max_examples=100, stateful_step_count=60, deadline=None)
TestChildProtectionRoutes = ChildProtectionRoutes.TestCase
