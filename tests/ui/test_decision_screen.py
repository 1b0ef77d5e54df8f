"""The decision screen: snapshots, and deciding, re-rating, stepping up and refusals by keyboard."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from mash_tui.screens.decision import DecisionPrompt, DecisionScreen
from mash_tui.screens.modals import ChoicePrompt, ReasonPrompt
from mash_tui.screens.queue import QueueScreen
from tests.ui.test_queue_helpers import desk_app, escalated, open_as, record, settle, steady_references
from tests.ui.conftest import SNAPSHOT_SIZES

__all__ = ["steady_references"]
pytestmark = pytest.mark.usefixtures("steady_references")


def _text(pilot, selector: str) -> str:  # noqa: ANN001
    return str(pilot.app.screen.query_one(selector, Static).render())


def _offered(app) -> set[str]:  # noqa: ANN001
    return {active.binding.id for active in app.active_bindings.values() if active.enabled}


def _steady(app) -> None:  # noqa: ANN001
    for field in app.screen.query(Input):
        field.cursor_blink = False


@pytest.fixture
def amber_claimed(ctx, users) -> str:  # noqa: ANN001
    from mash_tui.services import queue

    reference = escalated(ctx, users["olivia"], record(["16A"], first="Ada", last="O'Brien [/b]"),
                          note="school [b]worried[/b]")
    queue.claim(ctx, users["dan"], reference)
    return reference


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_decision_snapshot(snap_compare, ctx, clock, users, amber_claimed, size: tuple[int, int]) -> None:  # noqa: ANN001
    async def run_before(pilot) -> None:  # noqa: ANN001
        await open_as(pilot, users["dan"], DecisionScreen(users["dan"], amber_claimed))
        assert "claimed" in _text(pilot, "#decision-headline")

    assert snap_compare(desk_app(ctx, clock), terminal_size=size, run_before=run_before)


async def test_take_next_override_amber_to_red_and_record_a_strategy_discussion(ctx, clock, users) -> None:  # noqa: ANN001
    from mash_tui.services import queue

    reference = escalated(ctx, users["olivia"], record(["16A"]))
    dm = users["dan"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, dm, QueueScreen(dm))
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen) and app.screen.reference == reference
        assert "held by dan" in _text(pilot, "#decision-headline")

        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DecisionPrompt)
        _steady(app)
        await pilot.press("enter")  # the highlight starts on RED, the first rating
        await pilot.press("tab", "enter")  # open the outcomes
        await pilot.press("down", "enter")  # strategy discussion, the first
        await pilot.press("tab", "tab", "tab", "tab", "tab")  # past the four flags
        await pilot.press("enter")  # no reason for the change: refused in the dialog
        await pilot.pause()
        assert isinstance(app.screen, DecisionPrompt)
        assert "needs a reason" in str(app.screen.query_one(".modal-error", Static).render())
        await pilot.press(*"bruising seen by school nurse", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen)
        assert "Decided: Strategy discussion (RED)" in _text(pilot, "#decision-message")
        assert "decided" in _text(pilot, "#decision-headline")

    item = queue.item_view(ctx, reference)
    assert (item.state, item.rag, item.outcome) == ("decided", "RED", "strategy_discussion")
    decided = queue.item_history(ctx, dm, reference)[-1]
    assert decided["kind"] == "decided"
    assert decided["details"]["reason"] == "bruising seen by school nurse"


async def test_an_officer_trying_to_decide_is_refused_and_audited(ctx, clock, users, amber_claimed) -> None:  # noqa: ANN001
    from sqlmodel import select

    from mash_tui.store.tables import AuditEvent

    officer = users["olivia"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, officer, DecisionScreen(officer, amber_claimed))
        assert not _offered(app) & {"decision_decide", "decision_claim", "decision_rerate", "decision_step_up"}
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen)
        assert "Refused: a user with the role officer may not record decisions" in _text(pilot, "#decision-message")
    with ctx.store.reading() as session:
        refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.refused")).all()
    assert [(event.actor, event.subject_ref, event.details["action"]) for event in refusals] == [
        ("olivia", amber_claimed, "item.decide")
    ]


async def test_deciding_an_item_held_by_someone_else_is_refused_with_the_holder(ctx, clock, users) -> None:  # noqa: ANN001
    from mash_tui.domain.roles import Actor
    from mash_tui.services import queue
    from mash_tui.services.users import add_user
    from tests.conftest import OWNER, PASSWORD

    add_user(ctx, OWNER, username="dee", role="decision_maker", password=PASSWORD, display_name="Dee Decider")
    reference = escalated(ctx, users["olivia"], record(["16A"]))
    queue.claim(ctx, Actor("dee", "decision_maker"), reference)
    dm = users["dan"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, dm, DecisionScreen(dm, reference))
        await pilot.press("d")
        await settle(pilot)
        _steady(app)
        await pilot.press("tab", "enter", "down", "down", "down", "enter")  # AMBER kept; assessment
        app.screen.query_one("#decision-reason", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "Refused" in _text(pilot, "#decision-message")
        assert "held by dee" in _text(pilot, "#decision-message")
    assert queue.item_view(ctx, reference).state == "claimed"


async def test_rerate_restarts_the_rag_clock(ctx, clock, users, amber_claimed) -> None:  # noqa: ANN001
    from datetime import timedelta

    from mash_tui.services import queue

    dm = users["dan"]
    queue.decide(ctx, dm, amber_claimed, rag="AMBER", outcome="mash_information_gathering")
    clock.advance(timedelta(hours=1))
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, dm, DecisionScreen(dm, amber_claimed))
        assert "decision_rerate" in _offered(app)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        _steady(app)
        await pilot.press("enter")  # RED, the first rating
        app.screen.query_one(Input).focus()
        await pilot.press(*"police report a weapon", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen)
        assert "Re-rated RED." in _text(pilot, "#decision-message")
    item = queue.item_view(ctx, amber_claimed)
    assert item.rag == "RED"
    assert [each.started_at for each in item.clocks if each.clock == "red"] == [clock.now()]


async def test_step_up_an_early_help_item(ctx, clock, users, amber_claimed) -> None:  # noqa: ANN001
    from mash_tui.services import queue

    dm = users["dan"]
    queue.decide(ctx, dm, amber_claimed, rag="GREEN", outcome="early_help", reason="attendance only")
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, dm, DecisionScreen(dm, amber_claimed))
        assert "decision_step_up" in _offered(app)
        assert "decision_decide" not in _offered(app)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ReasonPrompt)
        _steady(app)
        await pilot.press(*"school reports new bruising", "enter")
        await settle(pilot)
        assert "Stepped up" in _text(pilot, "#decision-message")
        assert "in queue" in _text(pilot, "#decision-headline")
        assert "stepped up" in _text(pilot, "#decision-history")
    assert queue.item_view(ctx, amber_claimed).state == "escalated"


async def test_the_contact_history_and_clocks_are_shown_as_typed(ctx, clock, users, amber_claimed) -> None:  # noqa: ANN001
    dm = users["dan"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_as(pilot, dm, DecisionScreen(dm, amber_claimed))
        contact = _text(pilot, "#decision-contact")
        assert "Ada O'Brien [/b]" in contact
        assert "Priya Shah" in contact and "16A Neglect" in contact
        assert "Synthetic narrative about Ada." in contact
        history = _text(pilot, "#decision-history")
        assert "escalated" in history and "note: school [b]worried[/b]" in history and "claimed" in history
        clocks = [str(widget.render()) for widget in app.screen.query("ClockCountdown")]
        assert any("22h 57m" in line and "decision" in line for line in clocks)
        assert any("1d 0h  due Wed 25 Nov 10:15  MASH information gathering" in line for line in clocks)


# -- telling the referrer the outcome -----------------------------------------------------------------


def test_decision_snapshot_with_feedback_recorded(snap_compare, ctx, clock, users, amber_claimed) -> None:  # noqa: ANN001
    from datetime import timedelta

    from mash_tui.services import queue
    from mash_tui.services.feedback import record_feedback

    queue.decide(ctx, users["dan"], amber_claimed, rag="AMBER", outcome="assessment")
    clock.advance(timedelta(minutes=17))
    record_feedback(ctx, users["olivia"], amber_claimed, how="phone", note="Priya [b]told[/b]")

    async def run_before(pilot) -> None:  # noqa: ANN001
        await open_as(pilot, users["dan"], DecisionScreen(users["dan"], amber_claimed))
        assert "Referrer told: by phone Tue 24 Nov 10:32 by olivia" in _text(pilot, "#decision-feedback")

    assert snap_compare(desk_app(ctx, clock), terminal_size=(80, 24), run_before=run_before)


async def test_feedback_is_offered_only_once_there_is_an_outcome(ctx, clock, users, amber_claimed) -> None:  # noqa: ANN001
    dm = users["dan"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, dm, DecisionScreen(dm, amber_claimed))
        assert "decision_feedback" not in _offered(app)
        assert not app.screen.query_one("#decision-feedback", Static).display
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen)


async def test_a_supervisor_sees_whether_the_referrer_was_told_but_does_not_record_it(ctx, clock, users,  # noqa: ANN001
                                                                                     amber_claimed) -> None:
    from mash_tui.services import queue

    queue.decide(ctx, users["dan"], amber_claimed, rag="GREEN", outcome="early_help", reason="attendance only")
    supervisor = users["sue"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, supervisor, DecisionScreen(supervisor, amber_claimed))
        assert "decision_feedback" not in _offered(app)
        assert _text(pilot, "#decision-feedback") == "Referrer not yet told the outcome · they asked to be told"


async def test_record_feedback_by_keyboard_and_see_when_it_was_given(ctx, clock, users, amber_claimed) -> None:  # noqa: ANN001
    from datetime import timedelta

    from mash_tui.screens.feedback import FeedbackPrompt
    from mash_tui.services import queue

    officer = users["olivia"]
    queue.decide(ctx, users["dan"], amber_claimed, rag="AMBER", outcome="assessment")
    clock.advance(timedelta(minutes=17))
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, officer, DecisionScreen(officer, amber_claimed))
        assert "decision_feedback" in _offered(app)
        assert _text(pilot, "#decision-feedback") == (
            "Referrer not yet told the outcome · they asked to be told · f records it")

        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FeedbackPrompt)
        assert "Priya Shah, Oakfield Primary" in str(app.screen.query_one(".modal-title", Static).render())
        _steady(app)
        await pilot.press("down", "enter")  # email, the second way
        await pilot.press("tab", *"Priya [b]rang[/b] back", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen)
        assert _text(pilot, "#decision-message") == "Feedback recorded: by email, 10:32"
        assert _text(pilot, "#decision-feedback") == "Referrer told: by email Tue 24 Nov 10:32 by olivia"
        history = _text(pilot, "#decision-history")
        assert "referrer told the outcome" in history and "note: Priya [b]rang[/b] back" in history

        # Told again, by letter: both are kept and the line counts them.
        await pilot.press("f")
        await settle(pilot)
        _steady(app)
        await pilot.press("down", "down", "enter", "tab", "enter")
        await settle(pilot)
        assert _text(pilot, "#decision-feedback") == "Referrer told: by letter Tue 24 Nov 10:32 by olivia (2 times)"

        # Escape leaves without recording.
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen)

    item = queue.item_view(ctx, amber_claimed)
    assert [(given.how, given.note) for given in item.feedback] == [
        ("email", "Priya [b]rang[/b] back"), ("letter", None)]


async def test_d_on_an_unclaimed_item_is_not_offered_and_says_to_claim_first(ctx, clock, users) -> None:  # noqa: ANN001
    """What the screen offers follows the workflow's rule: a decision needs the item held."""
    reference = escalated(ctx, users["olivia"], record(["16A"]))
    dm = users["dan"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, dm, DecisionScreen(dm, reference))
        assert "decision_decide" not in _offered(app)
        assert "decision_claim" in _offered(app)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen)
        assert "Refused: claim the item before recording a decision" in _text(pilot, "#decision-message")
