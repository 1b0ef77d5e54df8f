"""The supervisor pane live: ticks turn rows to breached, polls record each breach once and keep the
table in step with the store by key, and the keys filter and sort."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.widgets import Static

from mash_tui.domain.timescales import ClockState
from mash_tui.screens.supervisor import SupervisorScreen
from mash_tui.services import queue
from mash_tui.services.clocks import list_breaches
from mash_tui.widgets.clock_cells import LiveTable
from tests.ui.test_supervisor_snapshots import build_board, open_pane, pane_app, settle


def _table(screen: SupervisorScreen) -> LiveTable:
    return screen.query_one("#supervisor-table", LiveTable)


def _cell(screen: SupervisorScreen, reference: str, column: str) -> Text:
    row = next(row for row in screen._rows.values() if row.item.reference == reference)
    return _table(screen).get_cell(row.key, column)


def _shown_references(screen: SupervisorScreen) -> list[str]:
    table = _table(screen)
    return [str(table.get_row_at(index)[0]) for index in range(table.row_count)]


def _count(screen: SupervisorScreen, widget_id: str) -> str:
    return str(screen.query_one(f"#{widget_id}", Static).render())


def _breaches_of(ctx, users, reference: str) -> list[dict]:  # noqa: ANN001
    return [breach for breach in list_breaches(ctx, users["sue"]) if breach["reference"] == reference]


async def _poll(pilot, screen: SupervisorScreen) -> None:  # noqa: ANN001
    await pilot.press("f5")
    await settle(pilot)
    assert not screen._polling


async def test_a_row_turns_to_breached_on_the_tick_and_the_breach_is_recorded_once(ctx, users, clock) -> None:
    board = build_board(ctx, users, clock)
    app = pane_app(ctx, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_pane(pilot, users["sue"])
        near = _cell(screen, board.near, "left")
        assert near.plain == "! 5m 00s"
        assert near.style == f"bold {app.get_css_variables()['near-breach']}"
        assert _count(screen, "count-near") == "Near breach 1"
        assert _count(screen, "count-breached") == "Breached 1"
        # The first poll recorded the breach already due; the near one has none yet.
        assert len(_breaches_of(ctx, users, board.breached)) == 1
        assert _breaches_of(ctx, users, board.near) == []

        clock.advance(timedelta(minutes=5, seconds=1))
        app.clock_signal.publish(app.clock.now())
        await pilot.pause()
        breached = _cell(screen, board.near, "left")
        assert breached.plain == "overdue 1s"
        assert breached.style == f"bold {app.get_css_variables()['breach']}"
        assert _count(screen, "count-breached") == "Breached 2"
        assert _count(screen, "count-near") == "Near breach 0"

        for _ in range(3):
            await _poll(pilot, screen)
            clock.advance(timedelta(seconds=1))
            app.tick()
            await pilot.pause()
        recorded = _breaches_of(ctx, users, board.near)
        assert [(breach["clock"], breach["state"]) for breach in recorded] == [("red", "open")]
        assert len(_breaches_of(ctx, users, board.breached)) == 1
        assert _cell(screen, board.near, "left").plain == "overdue 4s"


async def test_countdowns_follow_the_clock_second_by_second(ctx, users, clock) -> None:
    board = build_board(ctx, users, clock)
    app = pane_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot, users["sue"])
        seen = []
        for _ in range(3):
            clock.advance(timedelta(seconds=1))
            app.tick()
            await pilot.pause()
            seen.append(_cell(screen, board.near, "left").plain)
        assert seen == ["! 4m 59s", "! 4m 58s", "! 4m 57s"]
        # Time left rounds down: a second after exactly 23 hours it reads 22h 59m, for a minute.
        assert _cell(screen, board.amber, "left").plain == "22h 59m"


async def test_new_changed_and_closed_items_reach_the_table_without_a_reload(ctx, users, clock) -> None:
    board = build_board(ctx, users, clock)
    app = pane_app(ctx, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_pane(pilot, users["sue"])
        assert _shown_references(screen) == [board.breached, board.near, board.amber, board.green]
        table = _table(screen)
        assert table.row_count == 4

        queue.claim(ctx, users["dan"], board.breached)
        queue.claim(ctx, users["dan"], board.amber)
        queue.decide(ctx, users["dan"], board.amber, rag="AMBER", outcome="early_help")
        from mash_tui.services import contacts

        draft = contacts.start_draft(ctx, users["olivia"], {})
        newcomer = queue.raise_immediate_danger(ctx, users["olivia"], draft.id, children="Eve Newcomer").reference

        await _poll(pilot, screen)
        assert _shown_references(screen) == [board.breached, board.near, newcomer, board.green]
        assert _cell(screen, board.breached, "holder").plain == "dan"
        assert _cell(screen, board.breached, "state").plain == "claimed"
        assert _cell(screen, newcomer, "left").plain == "4h 00m"
        assert _count(screen, "count-open") == "Open 4"
        assert _count(screen, "count-unclaimed-red") == "Unclaimed RED 2"


async def test_filters_and_sort_keys(ctx, users, clock) -> None:
    board = build_board(ctx, users, clock)
    app = pane_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(pilot, users["sue"])
        await pilot.press("r")
        assert _shown_references(screen) == [board.breached, board.near]
        await pilot.press("r")
        assert _shown_references(screen) == [board.amber]
        await pilot.press("x")
        await pilot.press("h")  # holder: unclaimed
        assert _shown_references(screen) == [board.breached, board.near, board.amber]
        await pilot.press("h")  # holder: dan
        assert _shown_references(screen) == [board.green]
        assert "Holder: dan" in str(screen.query_one("#supervisor-filters", Static).render())
        await pilot.press("x", "s", "s")  # state: claimed
        assert _shown_references(screen) == [board.green]
        await pilot.press("x", "o")  # sort: RAG, then time left
        assert _shown_references(screen) == [board.breached, board.near, board.amber, board.green]
        await pilot.press("o")  # sort: reference
        assert _shown_references(screen) == sorted([board.breached, board.near, board.amber, board.green])
        # Filtered-out rows still count and still tick.
        await pilot.press("o", "r", "r", "r")  # sort back to time left; GREEN only
        clock.advance(timedelta(minutes=5, seconds=1))
        app.tick()
        await pilot.pause()
        assert _count(screen, "count-breached") == "Breached 2"
        await pilot.press("x")
        assert _cell(screen, board.near, "left").plain == "overdue 1s"


async def test_rows_scrolled_into_view_are_up_to_date(ctx, users, clock) -> None:
    """Off-screen rows are not repainted each tick; they are brought up to date as they scroll in."""
    board = build_board(ctx, users, clock)
    app = pane_app(ctx, clock)
    async with app.run_test(size=(80, 12)) as pilot:
        screen = await open_pane(pilot, users["sue"])
        from mash_tui.services import contacts

        for number in range(12):
            draft = contacts.start_draft(ctx, users["olivia"], {})
            queue.raise_immediate_danger(ctx, users["olivia"], draft.id, children=f"Child {number}")
        await _poll(pilot, screen)
        table = _table(screen)
        assert table.row_count == 16
        last = next(row for row in screen._rows.values() if row.item.reference == board.green)
        assert table.get_row_index(last.key) == 15
        clock.advance(timedelta(minutes=1))
        app.tick()
        await pilot.pause()
        assert last.countdown.text == "23h 49m"
        assert last.table_text == "23h 50m", "an off-screen row is not repainted on the tick"
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert _cell(screen, board.green, "left").plain == "23h 49m"


async def test_breached_row_states_match_the_services(ctx, users, clock) -> None:
    board = build_board(ctx, users, clock)
    app = pane_app(ctx, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_pane(pilot, users["sue"])
        states = {row.item.reference: row.countdown.state for row in screen._rows.values()}
        assert states == {
            board.breached: ClockState.BREACHED,
            board.near: ClockState.NEAR_BREACH,
            board.amber: ClockState.OK,
            board.green: ClockState.OK,
        }
