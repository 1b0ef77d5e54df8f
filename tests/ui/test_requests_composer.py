"""The decision maker's request composer and an item's requests: snapshots and keyboard flows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, SelectionList, Static

from mash_tui.screens.requests import ItemRequestsScreen, RequestComposerScreen
from mash_tui.services import requests
from tests.requests_setup import claimed_item, desk, neglect_record, settle, show, steady_prefix
from tests.ui.conftest import SNAPSHOT_SIZES


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_composer_snapshot(snap_compare, ctx, users, clock, size: tuple[int, int]) -> None:  # noqa: ANN001
    steady_prefix(ctx)
    reference = claimed_item(ctx, users, neglect_record(first_name="Ada", last_name="O'Brien [/b]"))
    requests.send_requests(ctx, users["dan"], reference, {"police": None})

    async def run_before(pilot: Pilot) -> None:
        await show(pilot, users["dan"], RequestComposerScreen(users["dan"], reference))
        assert isinstance(pilot.app.screen, RequestComposerScreen)
        assert pilot.app.screen.chosen() == ["health", "education"]

    assert snap_compare(desk(ctx, clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_item_requests_snapshot(snap_compare, ctx, users, clock, size: tuple[int, int]) -> None:  # noqa: ANN001
    steady_prefix(ctx)
    reference = claimed_item(ctx, users)
    sent = requests.send_requests(ctx, users["dan"], reference, {"police": "Any call-outs this year?", "health": None})
    clock.advance(timedelta(hours=2))
    requests.answer_request(ctx, users["pat"], sent[0].request_ref, free_text="[red]Nothing[/red] more to add",
                            findings=[{"person": "adult:0", "known": True, "summary": "Two call-outs in 2026",
                                       "current_risks": "Verbal arguments", "agency_contact": "PC Lee, PPU"},
                                      {"person": "child:0", "known": False}])
    clock.advance(timedelta(hours=23))

    async def run_before(pilot: Pilot) -> None:
        await show(pilot, users["dan"], ItemRequestsScreen(users["dan"], reference))
        table = pilot.app.screen.query_one("#item-requests-table", DataTable)
        assert table.row_count == 2
        # The health request is now overdue; the police answer is what the pane below shows.
        assert "OVERDUE" in str(table.get_row_at(1)[1])

    assert snap_compare(desk(ctx, clock), terminal_size=size, run_before=run_before)


async def test_a_decision_maker_sends_two_requests_from_the_keyboard(ctx, users, clock) -> None:
    reference = claimed_item(ctx, users)
    dan = users["dan"]
    app = desk(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, dan, ItemRequestsScreen(dan, reference))
        await pilot.press("n")
        await settle(pilot)
        composer = app.screen
        assert isinstance(composer, RequestComposerScreen)
        assert composer.chosen() == ["police", "health", "education"]
        # Police is highlighted first: ask it a question of its own.
        await pilot.press("tab")
        assert isinstance(app.focused, Input)
        await pilot.press(*"Any call-outs to the address?", "enter")
        assert isinstance(app.focused, SelectionList)
        # Untick education (third on the list).
        await pilot.press("down", "down", "space")
        assert composer.chosen() == ["police", "health"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ItemRequestsScreen)
        table = app.screen.query_one("#item-requests-table", DataTable)
        assert table.row_count == 2
    gathering = requests.information_gathering(ctx, dan, reference)
    assert [(view.agency, view.question) for view in gathering.requests] == [
        ("police", "Any call-outs to the address?"), ("health", None)]


async def test_chase_withdraw_and_the_mash_discussion_from_the_keyboard(ctx, users, clock) -> None:
    from mash_tui.services import queue

    reference = claimed_item(ctx, users)
    dan = users["dan"]
    queue.decide(ctx, dan, reference, rag="AMBER", outcome="mash_information_gathering")
    requests.send_requests(ctx, dan, reference, {"police": None, "health": None})
    app = desk(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, dan, ItemRequestsScreen(dan, reference))
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"Phoned the desk", "enter")
        await settle(pilot)
        await pilot.press("down", "w")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        # A withdrawal needs a reason: the dialog stays until one is given.
        assert app.screen.query_one(".requests-dialog-error", Static).render().plain == "A reason is needed."
        await pilot.press(*"Answered by phone", "enter")
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("enter", *"Neglect confirmed by school", "enter", *"Single assessment", "enter")
        await settle(pilot)
        assert "MASH discussion" in app.screen.query_one("#item-requests-discussion", Static).render().plain
    gathering = requests.information_gathering(ctx, dan, reference)
    police, health = gathering.requests
    assert police.chase_count == 1 and police.state == "sent"
    assert health.state == "withdrawn" and health.withdrawn_reason == "Answered by phone"
    assert gathering.discussions[0].participants == ("Dan Decider",)
    assert gathering.discussions[0].agreed_actions == "Single assessment"
    amber = [view for view in queue.item_view(ctx, reference).clocks if view.clock == "amber"]
    assert amber[0].met_at == clock.now()


async def test_a_refusal_is_shown_not_raised(ctx, users, clock) -> None:
    reference = claimed_item(ctx, users)
    from mash_tui.services import queue

    queue.release(ctx, users["dan"], reference)
    app = desk(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, users["dan"], RequestComposerScreen(users["dan"], reference))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RequestComposerScreen)
        message = app.screen.query_one("#composer-message", Static).render().plain
        assert "claim it first" in message or "claim it before" in message
