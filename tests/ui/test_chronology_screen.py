"""An item's chronology on screen: snapshots at both sizes, and what a partner is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from mash_tui.screens.chronology import ChronologyScreen
from mash_tui.services import queue, requests
from mash_tui.services.clocks import record_breaches
from tests.requests_setup import claimed_item, desk, neglect_record, show, steady_prefix
from tests.ui.conftest import SNAPSHOT_SIZES


def _eventful_item(ctx, users, clock) -> str:  # noqa: ANN001
    """Received, escalated, claimed, asked, answered, re-rated, decided, and one clock breached."""
    steady_prefix(ctx)
    dan, pat = users["dan"], users["pat"]
    reference = claimed_item(ctx, users, neglect_record(first_name="Ada", last_name="O'Brien [/b]"))
    clock.advance(timedelta(minutes=20))
    sent = requests.send_requests(ctx, dan, reference, {"police": "Any call-outs?", "health": None})
    clock.advance(timedelta(hours=1))
    requests.open_request(ctx, pat, sent[0].request_ref)
    clock.advance(timedelta(minutes=15))
    requests.answer_request(ctx, pat, sent[0].request_ref,
                            findings=[{"person": "adult:0", "known": True, "summary": "Assault on a partner, 2025"},
                                      {"person": "child:0", "known": False}])
    clock.advance(timedelta(minutes=30))
    queue.rerate(ctx, dan, reference, "RED", "Police hold a recent assault by the mother's partner")
    clock.advance(timedelta(days=1))
    record_breaches(ctx, users["sue"])
    queue.decide(ctx, dan, reference, rag="RED", outcome="strategy_discussion")
    return reference


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_chronology_snapshot(snap_compare, ctx, users, clock, size: tuple[int, int]) -> None:  # noqa: ANN001
    reference = _eventful_item(ctx, users, clock)

    async def run_before(pilot: Pilot) -> None:
        await show(pilot, users["dan"], ChronologyScreen(users["dan"], reference))
        table = pilot.app.screen.query_one("#chronology-table", DataTable)
        assert table.row_count >= 12
        await pilot.press("down", "down", "down")

    assert snap_compare(desk(ctx, clock), terminal_size=size, run_before=run_before)


async def test_the_chronology_is_in_time_order_and_shows_names_as_typed(ctx, users, clock) -> None:
    reference = _eventful_item(ctx, users, clock)
    app = desk(ctx, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await show(pilot, users["sue"], ChronologyScreen(users["sue"], reference))
        screen = app.screen
        assert isinstance(screen, ChronologyScreen)
        kinds = [entry.kind for entry in screen.entries]
        assert kinds[0] == "contact_received"
        assert kinds.index("request_sent") < kinds.index("request_seen") < kinds.index("request_answered")
        assert kinds.index("request_answered") < kinds.index("rating_rerate") < kinds.index("decision")
        assert "breach" in kinds
        assert "about Ada O'Brien [/b]" in screen.entries[0].summary
        assert any(entry.summary == "Breach: the Health information request clock ran out" for entry in screen.entries)
        table = screen.query_one("#chronology-table", DataTable)
        await pilot.press("l")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1
        detail = screen.query_one("#chronology-detail", Static).render().plain
        assert screen.entries[-1].summary in detail


async def test_a_partner_is_refused_the_chronology(ctx, users, clock) -> None:
    reference = claimed_item(ctx, users)
    app = desk(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, users["pat"], ChronologyScreen(users["pat"], reference))
        screen = app.screen
        assert screen.query_one("#chronology-table", DataTable).row_count == 0
        assert "may not" in screen.query_one("#chronology-detail", Static).render().plain
