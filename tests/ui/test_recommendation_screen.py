"""The officer's recommendation screen: snapshots, escalating, closing below GREEN, passing on."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from mash_tui.screens.modals import ChoicePrompt, ReasonPrompt
from mash_tui.screens.recommendation import RecommendationScreen
from tests.ui.test_queue_helpers import (
    confirm_match,
    desk_app,
    known_child_with_a_worker,
    open_as,
    record,
    settle,
    steady_references,
    submitted,
)
from tests.ui.conftest import SNAPSHOT_SIZES

__all__ = ["steady_references"]
pytestmark = pytest.mark.usefixtures("steady_references")


def _text(pilot, selector: str) -> str:  # noqa: ANN001
    return str(pilot.app.screen.query_one(selector, Static).render())


def _offered(app) -> set[str]:  # noqa: ANN001
    return {active.binding.id for active in app.active_bindings.values() if active.enabled}


@pytest.fixture
def repeat_with_a_worker(ctx, users, tmp_path) -> str:  # noqa: ANN001
    """A young-carer contact (GREEN) raised to AMBER as a repeat, about a child with an open case."""
    officer = users["olivia"]
    earlier = submitted(ctx, officer, record(["16A"]))
    reference = submitted(ctx, officer, record(["7A"], first="Ada", last="O'Brien [/b]", dash_score=15))
    known_child_with_a_worker(ctx, tmp_path)
    confirm_match(ctx, reference, f"contact:{earlier}:child:0")
    confirm_match(ctx, reference, "P-100")
    return reference


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_recommendation_snapshot(snap_compare, ctx, clock, users, repeat_with_a_worker,  # noqa: ANN001
                                 size: tuple[int, int]) -> None:
    async def run_before(pilot) -> None:  # noqa: ANN001
        officer = users["olivia"]
        await open_as(pilot, officer, RecommendationScreen(officer, repeat_with_a_worker))
        assert "Sam Social" in _text(pilot, "#rec-routing")

    assert snap_compare(desk_app(ctx, clock), terminal_size=size, run_before=run_before)


async def test_every_reason_the_raise_the_flags_and_the_routing_are_shown(ctx, clock, users,  # noqa: ANN001
                                                                         repeat_with_a_worker) -> None:
    officer = users["olivia"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, officer, RecommendationScreen(officer, repeat_with_a_worker))
        assert "AMBER" in str(app.screen.query_one("#rec-badge", Static).render())
        rules = _text(pilot, "#rec-rules")
        assert rules.startswith("G1  A concern is recorded that no higher rule covers")
        assert "2 contacts about this child within 7 days (rating raised one level)" in _text(pilot, "#rec-repeat")
        assert "MARAC referral" in _text(pilot, "#rec-flags")
        assert "Sam Social (Team North)" in _text(pilot, "#rec-routing")
        assert "O'Brien [/b]" in _text(pilot, "#rec-title")
        assert {"recommendation_escalate", "recommendation_pass"} <= _offered(app)
        assert "recommendation_close" not in _offered(app)


async def test_officer_escalates_with_a_note(ctx, clock, users) -> None:  # noqa: ANN001
    from mash_tui.services import queue

    officer = users["olivia"]
    reference = submitted(ctx, officer, record(["16A"]))
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, officer, RecommendationScreen(officer, reference))
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ReasonPrompt)
        app.screen.query_one(Input).cursor_blink = False
        await pilot.press(*"school [b]worried[/b]", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RecommendationScreen)
        assert f"{reference} escalated (AMBER, escalated)" in _text(pilot, "#rec-message")
        assert _text(pilot, "#rec-state").startswith("In queue")
        assert "recommendation_escalate" not in _offered(app)
    item = queue.item_view(ctx, reference)
    assert item.state == "escalated" and item.rag == "AMBER"
    history = queue.item_history(ctx, users["dan"], reference)
    assert history[0]["details"]["note"] == "school [b]worried[/b]"


async def test_an_officer_closes_a_contact_no_rule_rates(ctx, clock, users) -> None:  # noqa: ANN001
    from mash_tui.services import queue

    officer = users["olivia"]
    reference = submitted(ctx, officer, record([]))
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, officer, RecommendationScreen(officer, reference))
        assert "recommendation_close" in _offered(app)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        app.screen.query_one(Input).cursor_blink = False
        await pilot.press("down", "enter")  # from advice and information to no further action
        app.screen.query_one(Input).focus()
        await pilot.press(*"parent already has support", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RecommendationScreen)
    item = queue.item_view(ctx, reference)
    assert (item.state, item.outcome) == ("closed", "no_further_action")


async def test_the_close_dialog_wants_a_reason(ctx, clock, users) -> None:  # noqa: ANN001
    officer = users["olivia"]
    reference = submitted(ctx, officer, record([]))
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, officer, RecommendationScreen(officer, reference))
        await pilot.press("c")
        await settle(pilot)
        app.screen.query_one(Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePrompt)
        assert "A reason is needed." in str(app.screen.query_one(".modal-error", Static).render())


async def test_an_officer_cannot_close_green_or_above(ctx, clock, users) -> None:  # noqa: ANN001
    from mash_tui.services import queue

    officer = users["olivia"]
    reference = submitted(ctx, officer, record(["7A"]))
    with pytest.raises(queue.ItemRefused, match="rated GREEN: it must be escalated, not closed"):
        queue.close_contact(ctx, officer, reference, "advice_and_information", "signposted")
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, officer, RecommendationScreen(officer, reference))
        assert "recommendation_close" not in _offered(app)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, RecommendationScreen)
        assert f"{reference} is rated GREEN: an officer cannot close it" in _text(pilot, "#rec-message")
    with pytest.raises(queue.ItemRefused):
        queue.item_view(ctx, reference)


async def test_an_officer_passes_a_known_child_to_the_allocated_worker(ctx, clock, users,  # noqa: ANN001
                                                                      repeat_with_a_worker) -> None:
    from mash_tui.services import queue

    officer = users["olivia"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, officer, RecommendationScreen(officer, repeat_with_a_worker))
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ReasonPrompt)
        assert app.screen.query_one(Input).value.startswith("Route to the allocated worker")
        await pilot.press("enter")
        await settle(pilot)
        assert "passed to Sam Social" in _text(pilot, "#rec-message")
    item = queue.item_view(ctx, repeat_with_a_worker)
    assert (item.state, item.outcome) == ("passed_to_allocated_worker", "pass_to_allocated_worker")
    assert any(clock.clock == "decision" for clock in item.clocks)
