"""Sync as a user sees it: claims only requested while offline, and the server's refusals told to their author.

These tests start no PostgreSQL. The shared database is configured but unreachable, so every change
stays waiting in the outbox, as it does on a desk that is offline. A refusal is the outbox row put
into the state the server's answer leaves it in (`_refused_by_the_server`); the push that writes
that state against a real server is covered in tests/sync.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from textual.widgets import DataTable, Input, Static

from mash_tui.app import MashApp
from mash_tui.config import Settings
from mash_tui.screens.decision import DecisionScreen
from mash_tui.screens.home import HomeScreen
from mash_tui.screens.queue import QueueScreen
from mash_tui.screens.sync import SyncScreen
from mash_tui.sync.status import SyncState, sync_label
from mash_tui.widgets.item_table import ItemTable
from tests.conftest import PASSWORD
from tests.ui.test_queue_helpers import desk_app, escalated, open_as, record, settle, steady_references
from tests.ui.conftest import SNAPSHOT_SIZES

__all__ = ["steady_references"]
# Before `users`: the store's machine prefix is fixed by the first write.
pytestmark = pytest.mark.usefixtures("steady_references")

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/none"
OFFLINE_REASON = "shared database unreachable: connection refused"


@pytest.fixture
def offline(home) -> Settings:  # noqa: ANN001
    """The app's settings: its store is configured with a shared database that never answers."""
    return Settings(home=home, shared_url=UNREACHABLE)


def offline_app(ctx, clock, settings: Settings) -> MashApp:  # noqa: ANN001
    return MashApp(settings=settings, clock=clock, policy=ctx.policy, ticking=False)


def _refused_by_the_server(ctx, reference: str, mutation: str, reason: str) -> None:  # noqa: ANN001
    """The outbox row of `mutation` on `reference`, as the server's refusal leaves it: rejected, with why.

    Stands in for a push against PostgreSQL, which the UI tests do not start; the push itself
    records exactly these two fields (sync.push._acknowledge).
    """
    from sqlmodel import select

    from mash_tui.store.tables import OutboxMutation

    with ctx.store.writing() as session:
        rows = session.exec(select(OutboxMutation).where(OutboxMutation.name == mutation)).all()
        row = next(row for row in rows if row.payload.get("reference") == reference)
        row.status = "rejected"
        row.last_error = reason
        session.add(row)


def _synced_at(ctx, when) -> None:  # noqa: ANN001
    """The last good sync, as a round with the server records it."""
    from mash_tui.store.unit_of_work import client_state

    with ctx.store.writing() as session:
        state = client_state(session)
        state.last_sync_at = when
        session.add(state)


def _offline_state(app) -> SyncState:  # noqa: ANN001
    """What the sync loop reports while the shared database does not answer."""
    from mash_tui.sync.status import sync_status

    status = sync_status(app.context_when_ready())
    return SyncState(False, status.waiting, status.last_sync_at, OFFLINE_REASON, status.rejected)


def _show(app, state: SyncState) -> None:  # noqa: ANN001
    app.show_sync_state(state, sync_label(state))


def _text(pilot, selector: str) -> str:  # noqa: ANN001
    return str(pilot.app.screen.query_one(selector, Static).render())


def _holder(pilot, reference: str) -> str:  # noqa: ANN001
    return pilot.app.screen.query_one(ItemTable).get_cell(reference, "holder").plain


@pytest.fixture
def refused_claim(ctx, clock, users) -> str:  # noqa: ANN001
    """Dan claimed an item offline; when the desk came back, Dee already held it."""
    from mash_tui.services import queue

    reference = escalated(ctx, users["olivia"], record(["16A"]), note="school worried")
    queue.claim(ctx, users["dan"], reference)
    _refused_by_the_server(ctx, reference, "claim_item.v1", f"{reference} is already held by dee")
    _synced_at(ctx, clock.now() - timedelta(minutes=10))
    return reference


# -- snapshots ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_sync_screen_snapshot(snap_compare, ctx, clock, users, offline, refused_claim,  # noqa: ANN001
                              size: tuple[int, int]) -> None:
    async def run_before(pilot) -> None:  # noqa: ANN001
        await open_as(pilot, users["dan"], QueueScreen(users["dan"]))
        _show(pilot.app, _offline_state(pilot.app))
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SyncScreen)
        assert pilot.app.screen.query_one("#sync-refusals", DataTable).row_count == 1

    assert snap_compare(offline_app(ctx, clock, offline), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_queue_with_a_requested_claim_snapshot(snap_compare, ctx, clock, users, offline,  # noqa: ANN001
                                               size: tuple[int, int]) -> None:
    from mash_tui.services import queue

    amber = escalated(ctx, users["olivia"], record(["16A"]), note="school worried")
    escalated(ctx, users["olivia"], record(["7A"], first="Cal", last="Ng"))
    queue.claim(ctx, users["dan"], amber)

    async def run_before(pilot) -> None:  # noqa: ANN001
        await open_as(pilot, users["dan"], QueueScreen(users["dan"]))
        _show(pilot.app, _offline_state(pilot.app))
        await pilot.pause()
        assert _holder(pilot, amber) == "dan (req.)"

    assert snap_compare(offline_app(ctx, clock, offline), terminal_size=size, run_before=run_before)


# -- keyboard flows -------------------------------------------------------------------------------


async def test_f2_opens_the_sync_screen_and_escape_closes_it(ctx, clock, users, offline, refused_claim) -> None:  # noqa: ANN001
    app = offline_app(ctx, clock, offline)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, users["dan"], QueueScreen(users["dan"]))
        _show(app, _offline_state(app))
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        summary = _text(pilot, "#sync-summary")
        assert "○ offline" in summary and OFFLINE_REASON in summary
        assert "Tue 24 Nov 2026 10:05 (London)" in summary
        assert "1 of your changes" in summary
        table = app.screen.query_one("#sync-refusals", DataTable)
        assert [cell.plain for cell in table.get_row_at(0)] == [
            "claim item", "24 Nov 10:15", f"{refused_claim} is already held by dee"]
        assert f"{refused_claim} is already held by dee" in _text(pilot, "#sync-detail")
        await pilot.press("f2")  # already here: nothing stacks
        await settle(pilot)
        assert len(app.screen_stack) == 3
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_the_palette_opens_the_sync_screen_for_every_role(ctx, clock, users) -> None:  # noqa: ANN001
    from mash_tui.screens.registry import screens_for

    assert all("sync" in {entry.id for entry in screens_for(actor)} for actor in users.values())
    officer = users["olivia"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, officer, HomeScreen(officer))
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Open: Sync")
        await pilot.pause(0.3)  # the palette searches its providers in a worker of its own
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        # No shared database: nothing can be pending, and the screen says why.
        summary = _text(pilot, "#sync-summary")
        assert "no shared database" in summary and "to be sent once a shared database is set up" in summary
        assert "Nothing of yours has been refused" in _text(pilot, "#sync-detail")


async def test_only_the_authors_refusals_are_listed_and_text_stays_text(ctx, clock, users, offline) -> None:  # noqa: ANN001
    from mash_tui.services import queue

    mine = escalated(ctx, users["olivia"], record(["16A"]))
    queue.claim(ctx, users["dan"], mine)
    _refused_by_the_server(ctx, mine, "claim_item.v1", "[bold]held[/] by \x1b[31mdee")
    theirs = escalated(ctx, users["olivia"], record(["7A"], first="Cal", last="Ng"))
    _refused_by_the_server(ctx, theirs, "escalate.v1", "olivia's escalation was refused")
    app = offline_app(ctx, clock, offline)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, users["dan"], SyncScreen(users["dan"]))
        table = app.screen.query_one("#sync-refusals", DataTable)
        assert table.row_count == 1
        assert table.get_row_at(0)[2].plain == "[bold]held[/] by \u241b[31mdee"
        assert "[bold]held[/] by" in _text(pilot, "#sync-detail")


async def test_an_offline_claim_stays_requested_and_a_decision_waits_for_it(ctx, clock, users, offline) -> None:  # noqa: ANN001
    from mash_tui.services import queue

    reference = escalated(ctx, users["olivia"], record(["16A"]))
    dm = users["dan"]
    app = offline_app(ctx, clock, offline)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, dm, QueueScreen(dm))
        assert _holder(pilot, reference) == "—"
        await pilot.press("c")
        await settle(pilot)
        assert _holder(pilot, reference) == "dan (req.)"
        assert f"Claim of {reference} requested" in _text(pilot, "#queue-message")
        detail = _text(pilot, "#queue-detail")
        assert "claim requested" in detail and "a decision waits until it is accepted" in detail

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen)
        await pilot.press("d")
        await settle(pilot)
        for field in app.screen.query(Input):
            field.cursor_blink = False
        await pilot.press("tab", "enter", "down", "down", "down", "enter")  # AMBER kept; assessment
        app.screen.query_one("#decision-reason", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "your claim is requested, not yet accepted" in _text(pilot, "#decision-message")
    item = queue.item_view(ctx, reference)
    assert (item.state, item.claimed_by) == ("claimed", "dan")


async def test_without_a_shared_database_a_claim_applies_at_once(ctx, clock, users) -> None:  # noqa: ANN001
    reference = escalated(ctx, users["olivia"], record(["16A"]))
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, users["dan"], QueueScreen(users["dan"]))
        await pilot.press("c")
        await settle(pilot)
        assert _holder(pilot, reference) == "dan"
        assert f"You now hold {reference}." in _text(pilot, "#queue-message")
        assert "requested" not in _text(pilot, "#queue-detail")


async def test_a_refusal_arriving_with_sync_is_told_to_its_author_once(ctx, clock, users, offline) -> None:  # noqa: ANN001
    """The real sync loop runs (offline, retrying); the refusal recorded meanwhile is told once."""
    from mash_tui.services import queue

    reference = escalated(ctx, users["olivia"], record(["16A"]))
    queue.claim(ctx, users["dan"], reference)
    app = offline_app(ctx, clock, offline)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        pilot.app.screen.query_one("#username", Input).focus()
        await pilot.press(*"dan", "enter", *PASSWORD, "enter")
        await _until(pilot, lambda: app.last_sync_state is not None and not app.last_sync_state.online)
        assert _warnings(app) == []

        _refused_by_the_server(ctx, reference, "claim_item.v1", f"{reference} is already held by dee")
        app._sync_loop.poke()
        await _until(pilot, lambda: app.last_sync_state.rejected == 1 and _warnings(app))
        assert _warnings(app) == [f"The shared database refused your claim item: {reference} is already held by dee"]
        assert "1 refused" in app.sync_text

        told = app.last_sync_state
        app._sync_loop.poke()  # another offline round, with the same refusal on record
        await _until(pilot, lambda: app.last_sync_state is not told)
        assert len(_warnings(app)) == 1
        app._stop_sync()


def _warnings(app) -> list[str]:  # noqa: ANN001
    return [str(notice.message) for notice in app._notifications if notice.severity == "warning"]


async def _until(pilot, condition, seconds: float = 20.0) -> None:  # noqa: ANN001
    """The sync worker runs for the whole session, so wait on what it shows, not on workers finishing."""
    stop_at = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < stop_at, f"gave up waiting; header says {pilot.app.sync_text!r}"
        await pilot.pause(0.05)
