"""The escalation queue: snapshots, and keyboard flows for claiming, taking next and reassigning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Static

from mash_tui.screens.decision import DecisionScreen
from mash_tui.screens.modals import ChooseUserPrompt
from mash_tui.screens.queue import QueueScreen
from mash_tui.widgets.item_table import ItemTable
from tests.ui.test_queue_helpers import desk_app, escalated, open_as, record, settle, steady_references
from tests.ui.conftest import SNAPSHOT_SIZES

__all__ = ["steady_references"]
# Before `users`: the store's machine prefix is fixed by the first write.
pytestmark = pytest.mark.usefixtures("steady_references")


@pytest.fixture
def three_items(ctx, users) -> dict[str, str]:  # noqa: ANN001
    from mash_tui.services import queue

    officer = users["olivia"]
    amber = escalated(ctx, officer, record(["16A"]), note="school worried")
    red = escalated(ctx, officer, record(["19C"], first="Bea", last="O'Brien [/b]"))
    green = escalated(ctx, officer, record(["7A"], first="[red]Cal", last="Ng"))
    queue.claim(ctx, users["dan"], amber)
    return {"RED": red, "AMBER": amber, "GREEN": green}


def _table(pilot) -> ItemTable:  # noqa: ANN001
    return pilot.app.screen.query_one(ItemTable)


def _cell(pilot, reference: str, column: str) -> str:  # noqa: ANN001
    return _table(pilot).get_cell(reference, column).plain


def _message(pilot) -> str:  # noqa: ANN001
    return str(pilot.app.screen.query_one("#queue-message", Static).render())


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_queue_snapshot(snap_compare, ctx, clock, users, three_items, size: tuple[int, int]) -> None:  # noqa: ANN001
    async def run_before(pilot) -> None:  # noqa: ANN001
        await open_as(pilot, users["dan"], QueueScreen(users["dan"]))
        assert _table(pilot).row_count == 3

    assert snap_compare(desk_app(ctx, clock), terminal_size=size, run_before=run_before)


async def test_red_first_then_least_time_left(ctx, clock, users, three_items) -> None:  # noqa: ANN001
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, users["dan"], QueueScreen(users["dan"]))
        table = _table(pilot)
        order = [table.coordinate_to_cell_key((row, 0)).row_key.value for row in range(table.row_count)]
        assert order == [three_items["RED"], three_items["AMBER"], three_items["GREEN"]]
        assert _cell(pilot, three_items["RED"], "rag").strip() == "RED"
        assert _cell(pilot, three_items["RED"], "children") == "Bea O'Brien [/b]"
        assert _cell(pilot, three_items["GREEN"], "children") == "[red]Cal Ng"
        assert _cell(pilot, three_items["AMBER"], "holder") == "dan"
        assert _cell(pilot, three_items["RED"], "time_left") == "4h 00m"


async def test_take_next_claims_the_most_urgent_unclaimed_item(ctx, clock, users, three_items) -> None:  # noqa: ANN001
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, users["dan"], QueueScreen(users["dan"]))
        await pilot.press("n")
        await settle(pilot)
        red = three_items["RED"]
        assert _cell(pilot, red, "holder") == "dan"
        assert _cell(pilot, red, "state") == "claimed"
        assert _table(pilot).highlighted_reference == red
        assert f"Took {red} (RED)" in _message(pilot)


async def test_someone_else_claiming_is_told_who_holds_it(ctx, clock, users, three_items) -> None:  # noqa: ANN001
    from mash_tui.domain.roles import Actor
    from mash_tui.services.users import add_user
    from tests.conftest import OWNER, PASSWORD

    add_user(ctx, OWNER, username="dee", role="decision_maker", password=PASSWORD, display_name="Dee Decider")
    dee = Actor("dee", "decision_maker", None, "Dee Decider")
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, dee, QueueScreen(dee))
        await pilot.press("down")  # the AMBER item, held by dan
        assert _table(pilot).highlighted_reference == three_items["AMBER"]
        await pilot.press("c")
        await settle(pilot)
        assert f"{three_items['AMBER']} is already held by dan" in _message(pilot)
        assert _cell(pilot, three_items["AMBER"], "holder") == "dan"


async def test_supervisor_reassigns_through_the_choose_user_dialog(ctx, clock, users, three_items) -> None:  # noqa: ANN001
    from mash_tui.services.users import add_user
    from tests.conftest import OWNER, PASSWORD

    add_user(ctx, OWNER, username="dee", role="decision_maker", password=PASSWORD, display_name="Dee Decider")
    supervisor = users["sue"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, supervisor, QueueScreen(supervisor))
        await pilot.press("down")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ChooseUserPrompt)
        await pilot.press("down", "enter")  # dan is first, dee second
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert _cell(pilot, three_items["AMBER"], "holder") == "dee"
        assert f"{three_items['AMBER']} is now held by dee" in _message(pilot)


async def test_officers_see_the_queue_read_only(ctx, clock, users, three_items) -> None:  # noqa: ANN001
    officer = users["olivia"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, officer, QueueScreen(officer))
        offered = {binding.binding.id for binding in app.active_bindings.values() if binding.enabled}
        assert {"queue_open", "queue_refresh"} <= offered
        assert not offered & {"queue_claim", "queue_release", "queue_take_next", "queue_reassign"}
        await pilot.press("c", "n")
        await settle(pilot)
        assert _cell(pilot, three_items["RED"], "holder") == "—"
        title = str(app.screen.query_one("#queue-title", Static).render())
        assert "read-only" in title


async def test_rows_update_in_place_and_time_left_follows_the_deadline(ctx, clock, users, three_items) -> None:  # noqa: ANN001
    from mash_tui.services import queue

    app = desk_app(ctx, clock)
    screen = QueueScreen(users["dan"])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, users["dan"], screen)
        table = screen.query_one(ItemTable)
        keys_before = list(table.rows)
        queue.release(ctx, users["dan"], three_items["AMBER"])
        await pilot.press("r")
        await settle(pilot)
        assert list(table.rows) == keys_before
        assert table.get_cell(three_items["AMBER"], "holder").plain == "—"

        # Hours pass with nobody at the keyboard (the desk locks itself): the countdown still
        # follows the deadline.
        clock.advance(timedelta(hours=3, minutes=30))
        app.tick()
        await pilot.pause()
        assert table.get_cell(three_items["RED"], "time_left").plain == "30m 00s"
        clock.advance(timedelta(hours=1))
        app.tick()
        await pilot.pause()
        overdue = table.get_cell(three_items["RED"], "time_left")
        assert overdue.plain == "overdue 30m 00s"
        assert str(overdue.style).startswith("bold")


async def test_enter_opens_the_decision_screen(ctx, clock, users, three_items) -> None:  # noqa: ANN001
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, users["dan"], QueueScreen(users["dan"]))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen)
        assert app.screen.reference == three_items["RED"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_a_decision_makers_home_is_the_queue(ctx, clock, users) -> None:  # noqa: ANN001
    from mash_tui.screens.home import home_screen_for

    assert isinstance(home_screen_for(users["dan"]), QueueScreen)
