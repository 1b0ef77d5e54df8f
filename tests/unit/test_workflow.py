"""The item state machine (`domain/workflow.py`) and the services that enforce it.

The domain part is pure: every (state, action) pair, and random action sequences through a
hypothesis state machine. The service part checks the same rules hold where they matter: a
refused action changes nothing in the store, and a role that may not decide is refused and audited.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mash_tui.domain.codes import CLOSING_OUTCOMES, DECISION_OUTCOMES, RagLevel
from mash_tui.domain.workflow import (
    HELD_STATES,
    OUTCOME_STATES,
    STATE_LABELS,
    ItemAction,
    ItemState,
    TransitionRefused,
    check_allowed,
    decision_meets_rag_clock,
    officer_may_close,
    state_after,
    state_after_decision,
)

STATES = list(ItemState)
ACTIONS = list(ItemAction)
TERMINAL = {ItemState.DECIDED, ItemState.CLOSED, ItemState.PASSED_TO_ALLOCATED_WORKER}


def _attempt(state: ItemState, action: ItemAction, outcome: str | None = None) -> ItemState | None:
    try:
        return state_after(state, action, outcome)
    except TransitionRefused:
        return None


# -- the table, pair by pair --------------------------------------------------------------------------


def test_every_state_has_a_label() -> None:
    assert set(STATE_LABELS) == set(ItemState)


@pytest.mark.parametrize("state", STATES)
def test_claim_only_from_the_queue(state: ItemState) -> None:
    expected = ItemState.CLAIMED if state is ItemState.ESCALATED else None
    assert _attempt(state, ItemAction.CLAIM) == expected


@pytest.mark.parametrize("state", STATES)
def test_release_returns_a_held_item_to_the_queue(state: ItemState) -> None:
    expected = ItemState.ESCALATED if state in HELD_STATES else None
    assert _attempt(state, ItemAction.RELEASE) == expected


@pytest.mark.parametrize("state", STATES)
def test_step_up_only_from_early_help(state: ItemState) -> None:
    expected = ItemState.ESCALATED if state is ItemState.EARLY_HELP else None
    assert _attempt(state, ItemAction.STEP_UP) == expected


@pytest.mark.parametrize("state", STATES)
def test_rerate_keeps_the_state_of_a_held_item(state: ItemState) -> None:
    expected = state if state in HELD_STATES else None
    assert _attempt(state, ItemAction.RERATE) == expected


@pytest.mark.parametrize("state", STATES)
def test_reassign_takes_a_waiting_item_into_someones_hands(state: ItemState) -> None:
    if state is ItemState.ESCALATED:
        assert _attempt(state, ItemAction.REASSIGN) is ItemState.CLAIMED
    elif state in HELD_STATES:
        assert _attempt(state, ItemAction.REASSIGN) is state
    else:
        assert _attempt(state, ItemAction.REASSIGN) is None


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        ("strategy_discussion", ItemState.DECIDED),
        ("mash_information_gathering", ItemState.INFORMATION_GATHERING),
        ("assessment", ItemState.DECIDED),
        ("early_help", ItemState.EARLY_HELP),
        ("advice_and_information", ItemState.CLOSED),
        ("no_further_action", ItemState.CLOSED),
        ("pass_to_allocated_worker", ItemState.PASSED_TO_ALLOCATED_WORKER),
    ],
)
def test_each_outcome_has_its_state(outcome: str, state: ItemState) -> None:
    assert state_after_decision(outcome) is state
    assert state_after(ItemState.CLAIMED, ItemAction.DECIDE, outcome) is state


def test_every_outcome_of_the_census_is_mapped() -> None:
    assert {state_after_decision(outcome) for outcome in DECISION_OUTCOMES} <= set(ItemState)


def test_every_outcome_but_information_gathering_is_one_to_tell_the_referrer() -> None:
    """DOMAIN.md step 9: feedback is given once the item has an outcome; gathering is not one yet."""
    told = {outcome for outcome in DECISION_OUTCOMES if state_after_decision(outcome) in OUTCOME_STATES}
    assert told == set(DECISION_OUTCOMES) - {"mash_information_gathering"}
    assert not OUTCOME_STATES & (HELD_STATES | {ItemState.ESCALATED})


def test_a_decision_needs_the_item_claimed() -> None:
    with pytest.raises(TransitionRefused, match="claim the item before recording a decision"):
        check_allowed(ItemState.ESCALATED, ItemAction.DECIDE)


def test_refusal_names_the_state_in_words() -> None:
    with pytest.raises(TransitionRefused, match=r"only an early-help item can be stepped up \(this item is decided\)"):
        state_after(ItemState.DECIDED, ItemAction.STEP_UP)


@pytest.mark.parametrize("rag", list(RagLevel))
def test_an_officer_closes_only_below_green(rag: RagLevel) -> None:
    assert officer_may_close(rag) is (rag is RagLevel.NONE)


def test_red_clock_is_met_only_by_a_strategy_discussion() -> None:
    met = {outcome for outcome in DECISION_OUTCOMES if decision_meets_rag_clock(RagLevel.RED, outcome)}
    assert met == {"strategy_discussion"}
    assert not decision_meets_rag_clock(RagLevel.AMBER, "mash_information_gathering")
    assert all(decision_meets_rag_clock(RagLevel.GREEN, outcome) for outcome in CLOSING_OUTCOMES)


# -- properties -----------------------------------------------------------------------------------------

outcomes = st.sampled_from([*DECISION_OUTCOMES, None])


@given(st.sampled_from(STATES), st.sampled_from(ACTIONS), outcomes)
@settings(max_examples=200)
def test_every_move_is_refused_or_lands_on_a_known_state(state: ItemState, action: ItemAction,
                                                         outcome: str | None) -> None:
    try:
        check_allowed(state, action)
    except TransitionRefused:
        with pytest.raises(TransitionRefused):
            state_after(state, action, outcome)
        return
    assert state_after(state, action, outcome) in set(ItemState)


@given(st.sampled_from(sorted(TERMINAL)), st.sampled_from(ACTIONS), outcomes)
def test_nothing_moves_a_finished_item(state: ItemState, action: ItemAction, outcome: str | None) -> None:
    assert _attempt(state, action, outcome) is None


class ItemLife(RuleBasedStateMachine):
    """Random sequences of actions on one item, with who holds it, as the services keep it."""

    def __init__(self) -> None:
        super().__init__()
        self.state = ItemState.ESCALATED
        self.holder: str | None = None
        self.visited = {self.state}

    def _try(self, action: ItemAction, outcome: str | None = None) -> ItemState | None:
        before = self.state
        after = _attempt(before, action, outcome)
        if after is None:
            # A refused action leaves everything as it was.
            assert self.state is before
        return after

    @rule(person=st.sampled_from(["dan", "dee"]))
    def claim(self, person: str) -> None:
        after = self._try(ItemAction.CLAIM)
        if after is not None:
            assert self.holder is None
            self.state, self.holder = after, person

    @rule()
    def release(self) -> None:
        after = self._try(ItemAction.RELEASE)
        if after is not None:
            assert self.holder is not None
            self.state, self.holder = after, None

    @rule(person=st.sampled_from(["dan", "dee"]))
    def reassign(self, person: str) -> None:
        after = self._try(ItemAction.REASSIGN)
        if after is not None:
            self.state, self.holder = after, person

    @rule()
    def rerate(self) -> None:
        before = self.state
        after = self._try(ItemAction.RERATE)
        if after is not None:
            assert after is before

    @rule(outcome=st.sampled_from(DECISION_OUTCOMES))
    def decide(self, outcome: str) -> None:
        before = self.state
        after = self._try(ItemAction.DECIDE, outcome)
        if after is not None:
            assert before in HELD_STATES and self.holder is not None
            self.state = after
            if after not in HELD_STATES:
                self.holder = None

    @rule()
    def step_up(self) -> None:
        before = self.state
        after = self._try(ItemAction.STEP_UP)
        if after is not None:
            assert before is ItemState.EARLY_HELP
            self.state, self.holder = after, None
        else:
            assert before is not ItemState.EARLY_HELP

    @precondition(lambda self: self.state in TERMINAL)
    @rule(action=st.sampled_from(ACTIONS), outcome=outcomes)
    def finished_items_stay_finished(self, action: ItemAction, outcome: str | None) -> None:
        assert self._try(action, outcome) is None

    @invariant()
    def state_is_defined(self) -> None:
        assert isinstance(self.state, ItemState)
        self.visited.add(self.state)

    @invariant()
    def held_exactly_when_claimed(self) -> None:
        assert (self.holder is not None) == (self.state in HELD_STATES)


ItemLife.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestItemLife = ItemLife.TestCase


# -- through the services -------------------------------------------------------------------------------


def _amber_reference(ctx, officer) -> str:  # noqa: ANN001
    from mash_tui.services import contacts
    from tests.unit.contact_records import minimal_record

    form = minimal_record()
    form["concerns"]["categories"] = ["16A"]
    draft = contacts.start_draft(ctx, officer, form)
    return contacts.submit_draft(ctx, officer, draft.id).reference


def _audited(ctx, action: str) -> list:  # noqa: ANN001
    from sqlmodel import select

    from mash_tui.store.tables import AuditEvent

    with ctx.store.reading() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_an_officer_deciding_is_refused_and_audited(ctx, users) -> None:  # noqa: ANN001
    from mash_tui.errors import PermissionRefused
    from mash_tui.services import queue

    officer = users["olivia"]
    reference = _amber_reference(ctx, officer)
    queue.escalate(ctx, officer, reference)
    before = queue.item_view(ctx, reference)
    with pytest.raises(PermissionRefused, match="officer may not record decisions"):
        queue.decide(ctx, officer, reference, rag="AMBER", outcome="mash_information_gathering")
    assert queue.item_view(ctx, reference) == before
    refusals = _audited(ctx, "permission.refused")
    assert [(event.actor, event.subject_ref, event.details["action"]) for event in refusals] == [
        ("olivia", reference, "item.decide")
    ]


def test_refused_moves_change_nothing(ctx, users) -> None:  # noqa: ANN001
    from mash_tui.services import queue

    officer, dm = users["olivia"], users["dan"]
    reference = _amber_reference(ctx, officer)
    queue.escalate(ctx, officer, reference)
    waiting = queue.item_view(ctx, reference)
    with pytest.raises(queue.ItemRefused, match="claim the item before recording a decision"):
        queue.decide(ctx, dm, reference, rag="AMBER", outcome="assessment")
    with pytest.raises(queue.ItemRefused, match="only a claimed item can be released"):
        queue.release(ctx, dm, reference)
    with pytest.raises(queue.ItemRefused, match="only an early-help item can be stepped up"):
        queue.step_up(ctx, dm, reference, "new information")
    with pytest.raises(queue.ItemRefused, match="already left the officer's hands"):
        queue.escalate(ctx, officer, reference)
    assert queue.item_view(ctx, reference) == waiting


def test_a_changed_rating_needs_a_reason_and_restarts_its_clock(ctx, users, clock) -> None:  # noqa: ANN001
    from datetime import timedelta

    from mash_tui.services import queue

    officer, dm = users["olivia"], users["dan"]
    reference = _amber_reference(ctx, officer)
    queue.escalate(ctx, officer, reference)
    queue.claim(ctx, dm, reference)
    queue.decide(ctx, dm, reference, rag="AMBER", outcome="mash_information_gathering")
    clock.advance(timedelta(hours=2))
    with pytest.raises(queue.ItemRefused, match="needs a reason"):
        queue.rerate(ctx, dm, reference, "RED", "")
    rerated = queue.rerate(ctx, dm, reference, "RED", "police report a weapon in the house")
    red = [each for each in rerated.clocks if each.clock == "red"]
    assert [each.started_at for each in red] == [clock.now()]
    assert not [each for each in rerated.clocks if each.clock == "amber"]
    assert rerated.rag == "RED" and rerated.state == "information_gathering"


def test_step_up_returns_an_early_help_item_to_the_queue_with_its_history(ctx, users) -> None:  # noqa: ANN001
    from mash_tui.services import queue

    officer, dm = users["olivia"], users["dan"]
    reference = _amber_reference(ctx, officer)
    queue.escalate(ctx, officer, reference)
    queue.claim(ctx, dm, reference)
    queue.decide(ctx, dm, reference, rag="GREEN", outcome="early_help", reason="attendance only")
    with pytest.raises(queue.ItemRefused, match="reason"):
        queue.step_up(ctx, dm, reference, "  ")
    stepped = queue.step_up(ctx, dm, reference, "school reports new bruising")
    assert stepped.state == "escalated" and stepped.claimed_by is None
    kinds = [event["kind"] for event in queue.item_history(ctx, dm, reference)]
    assert kinds == ["escalated", "claimed", "rerated", "decided", "stepped_up"]


def test_supervisor_reassigns_and_the_holder_is_told(ctx, users) -> None:  # noqa: ANN001
    from mash_tui.domain.roles import Actor
    from mash_tui.services import queue
    from mash_tui.services.users import add_user
    from tests.conftest import OWNER, PASSWORD

    add_user(ctx, OWNER, username="dee", role="decision_maker", password=PASSWORD, display_name="Dee Decider")
    officer, dm, supervisor = users["olivia"], users["dan"], users["sue"]
    reference = _amber_reference(ctx, officer)
    queue.escalate(ctx, officer, reference)
    queue.claim(ctx, dm, reference)
    assert queue.decision_makers(ctx, supervisor) == [("dan", "Dan Decider"), ("dee", "Dee Decider")]
    with pytest.raises(queue.ItemRefused, match="not a decision maker"):
        queue.reassign(ctx, supervisor, reference, "olivia")
    moved = queue.reassign(ctx, supervisor, reference, "dee")
    assert moved.claimed_by == "dee"
    with pytest.raises(queue.ItemRefused, match="already held by dee"):
        queue.claim(ctx, dm, reference)
    with pytest.raises(queue.ItemRefused, match="held by dee"):
        queue.decide(ctx, dm, reference, rag="AMBER", outcome="assessment")
    assert queue.decide(ctx, Actor("dee", "decision_maker"), reference, rag="AMBER",
                        outcome="assessment").state == "decided"


class ItemThroughServices(RuleBasedStateMachine):
    """Random actions by random people on one real item: the store agrees with the state machine.

    The model predicts, from the domain rules alone, whether each action is allowed; the services
    must agree, and a refused action must leave the item exactly as it was (version included).
    """

    PEOPLE = ("dan", "dee")
    ROLES = {"olivia": "officer", "dan": "decision_maker", "dee": "decision_maker", "sue": "supervisor"}
    _template: Path | None = None

    @classmethod
    def _template_home(cls) -> Path:
        """One store with the users in it, copied for each example: hashing passwords is slow on purpose."""
        if cls._template is None:
            import atexit
            import shutil
            import tempfile

            from mash_tui.services.context import open_context
            from mash_tui.services.users import add_user
            from tests.conftest import OWNER, PASSWORD

            directory = Path(tempfile.mkdtemp())
            atexit.register(shutil.rmtree, directory, True)
            ctx = open_context(directory / "home")
            for name, role in cls.ROLES.items():
                add_user(ctx, OWNER, username=name, role=role, password=PASSWORD)
            ctx.store.dispose()
            cls._template = directory / "home"
        return cls._template

    def __init__(self) -> None:
        super().__init__()
        import shutil
        import tempfile
        from datetime import UTC, datetime

        from mash_tui.clock import FrozenClock
        from mash_tui.domain.roles import Actor
        from mash_tui.services import queue
        from mash_tui.services.context import open_context

        self.queue = queue
        self.directory = tempfile.TemporaryDirectory()
        home = Path(self.directory.name) / "home"
        shutil.copytree(self._template_home(), home)
        self.ctx = open_context(home, clock=FrozenClock(datetime(2026, 11, 24, 10, 15, tzinfo=UTC)))
        self.actors = {name: Actor(name, role) for name, role in self.ROLES.items()}
        self.reference = _amber_reference(self.ctx, self.actors["olivia"])
        queue.escalate(self.ctx, self.actors["olivia"], self.reference)
        self.state = ItemState.ESCALATED
        self.holder: str | None = None
        self.rag = "AMBER"

    def teardown(self) -> None:
        self.ctx.store.dispose()
        self.directory.cleanup()

    def _check(self, allowed: bool, call) -> object | None:  # noqa: ANN001
        from mash_tui.errors import UserError

        before = self.queue.item_view(self.ctx, self.reference)
        try:
            result = call()
        except UserError:
            assert not allowed, "the service refused a move the state machine allows"
            assert self.queue.item_view(self.ctx, self.reference) == before
            return None
        assert allowed, "the service allowed a move the state machine refuses"
        return result

    def _held_by(self, person: str) -> bool:
        return self.state in HELD_STATES and self.holder == person

    @rule(person=st.sampled_from(PEOPLE))
    def claim(self, person: str) -> None:
        allowed = self.state is ItemState.ESCALATED
        if self._check(allowed, lambda: self.queue.claim(self.ctx, self.actors[person], self.reference)):
            self.state, self.holder = ItemState.CLAIMED, person

    @rule(person=st.sampled_from(PEOPLE))
    def take_next(self, person: str) -> None:
        allowed = self.state is ItemState.ESCALATED
        if self._check(allowed, lambda: self.queue.claim_next(self.ctx, self.actors[person])):
            self.state, self.holder = ItemState.CLAIMED, person

    @rule(person=st.sampled_from(PEOPLE))
    def release(self, person: str) -> None:
        if self._check(self._held_by(person), lambda: self.queue.release(self.ctx, self.actors[person],
                                                                          self.reference)):
            self.state, self.holder = ItemState.ESCALATED, None

    @rule(person=st.sampled_from(PEOPLE))
    def reassign(self, person: str) -> None:
        allowed = self.state in HELD_STATES | {ItemState.ESCALATED}
        if self._check(allowed, lambda: self.queue.reassign(self.ctx, self.actors["sue"], self.reference, person)):
            self.state = state_after(self.state, ItemAction.REASSIGN)
            self.holder = person

    @rule(person=st.sampled_from(PEOPLE), rag=st.sampled_from(["RED", "AMBER", "GREEN"]),
          reason=st.sampled_from(["", "new information"]))
    def rerate(self, person: str, rag: str, reason: str) -> None:
        allowed = self._held_by(person) and (rag == self.rag or bool(reason))
        if self._check(allowed, lambda: self.queue.rerate(self.ctx, self.actors[person], self.reference, rag,
                                                          reason)):
            self.rag = rag

    @rule(person=st.sampled_from(PEOPLE), rag=st.sampled_from(["RED", "AMBER", "GREEN"]),
          outcome=st.sampled_from(DECISION_OUTCOMES), reason=st.sampled_from(["", "seen the school's notes"]))
    def decide(self, person: str, rag: str, outcome: str, reason: str) -> None:
        allowed = self._held_by(person) and (rag == self.rag or bool(reason))
        decided = self._check(allowed, lambda: self.queue.decide(self.ctx, self.actors[person], self.reference,
                                                                 rag=rag, outcome=outcome, reason=reason or None))
        if decided:
            self.state, self.rag = state_after_decision(outcome), rag
            if self.state not in HELD_STATES:
                self.holder = None

    @rule(person=st.sampled_from(PEOPLE), reason=st.sampled_from(["", "new referral from police"]))
    def step_up(self, person: str, reason: str) -> None:
        allowed = self.state is ItemState.EARLY_HELP and bool(reason)
        if self._check(allowed, lambda: self.queue.step_up(self.ctx, self.actors[person], self.reference, reason)):
            self.state, self.holder = ItemState.ESCALATED, None

    @invariant()
    def store_agrees_with_the_model(self) -> None:
        item = self.queue.item_view(self.ctx, self.reference)
        assert ItemState(item.state) is self.state
        assert item.claimed_by == self.holder
        assert item.rag == self.rag


ItemThroughServices.TestCase.settings = settings(max_examples=20, stateful_step_count=15, deadline=None)
TestItemThroughServices = ItemThroughServices.TestCase
