"""Every item's clocks: starting them, meeting them, and recording each breach once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from mash_tui.domain.codes import CLOCK_LABELS
from mash_tui.domain.roles import Actor
from mash_tui.domain.timescales import ClockState, ClockWindow
from mash_tui.services.context import Context
from mash_tui.services.views import Board, BoardClock, BoardItem, ClockView
from mash_tui.store import clocks as stored_clocks
from mash_tui.store.casework import Breach, ItemClock, WorkItem
from mash_tui.store.clocks import live_clocks
from mash_tui.store.items import board_rows, items_fingerprint, references_of
from mash_tui.store.unit_of_work import UnitOfWork, unit_of_work


def start_clock(uow: UnitOfWork, ctx: Context, item: WorkItem, clock: str, started_at: datetime,
                label: str | None = None) -> ItemClock:
    due = ctx.calendar.due_at(ctx.policy.clocks[clock], started_at)
    row = ItemClock(item_id=item.id, clock=clock, started_at=started_at, due_at=due, label=label)
    uow.add(row)
    return row


def meet_clocks(uow: UnitOfWork, item_id: str, *names: str) -> None:
    for clock in live_clocks(uow.session, item_id, *names):
        _breach_if_overdue(uow, clock)
        clock.met_at = uow.now
        uow.add(clock)


def supersede_clocks(uow: UnitOfWork, item_id: str, *names: str) -> None:
    for clock in live_clocks(uow.session, item_id, *names):
        _breach_if_overdue(uow, clock)
        clock.superseded_at = uow.now
        uow.add(clock)


def end_clock(uow: UnitOfWork, clock_id: str, *, met: bool) -> None:
    """Meet (or supersede) one clock by id: an item runs one request clock per agency asked."""
    clock = uow.session.get(ItemClock, clock_id)
    if clock is None or clock.met_at is not None or clock.superseded_at is not None:
        return
    _breach_if_overdue(uow, clock)
    if met:
        clock.met_at = uow.now
    else:
        clock.superseded_at = uow.now
    uow.add(clock)


def _breach_if_overdue(uow: UnitOfWork, clock: ItemClock) -> None:
    # A clock met or restarted after its due time, before any breach sweep ran, still breached:
    # without this its breach would never be recorded.
    if clock.breached_at is None and uow.now > clock.due_at:
        item = uow.session.get(WorkItem, clock.item_id)
        assert item is not None
        _record_breach(uow, clock, item)


def meet_answered_request_clocks(ctx: Context, actor: Actor) -> int:
    """Meet each request clock whose request a partner answered on its own machine, at the answer's time.

    A partner's machine holds the request but never the queue item's clocks, so its answer arrives
    here by sync with the clock still running. Any case worker's machine meets it; the first
    `met_at` to reach the shared database stays, so two machines doing it agree.
    """
    with ctx.store.reading() as session:
        answered = stored_clocks.running_clocks_answered(session)
    if not answered:
        return 0
    met: list[str] = []
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        for clock_id, answered_at in answered:
            clock = uow.session.get(ItemClock, clock_id)
            if clock is None or clock.met_at is not None or clock.superseded_at is not None:
                continue
            item = uow.session.get(WorkItem, clock.item_id)
            if item is None:
                continue
            if clock.breached_at is None and answered_at > clock.due_at:
                _record_breach(uow, clock, item)
            clock.met_at = answered_at
            uow.add(clock)
            item.version += 1
            uow.add(item)
            met.append(clock_id)
        if met:
            uow.mutate("meet_answered_request_clocks.v1", {"clocks": met})
    return len(met)


def record_breaches(ctx: Context, actor: Actor) -> list[ClockView]:
    """Record, once each, the clocks that have passed their due time unmet; returns the new ones."""
    meet_answered_request_clocks(ctx, actor)
    now = ctx.clock.now()
    with ctx.store.reading() as session:
        overdue = stored_clocks.overdue_unrecorded(session, now)
    if not overdue:
        return []
    recorded = []
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        for clock_id in overdue:
            clock = uow.session.get(ItemClock, clock_id)
            if clock is None or clock.breached_at is not None or clock.met_at is not None:
                continue
            item = uow.session.get(WorkItem, clock.item_id)
            assert item is not None
            _record_breach(uow, clock, item)
            recorded.append(_view(clock, item.reference))
    return recorded


def _record_breach(uow: UnitOfWork, clock: ItemClock, item: WorkItem) -> None:
    clock.breached_at = uow.now
    uow.add(clock)
    breach = Breach(clock_id=clock.id, item_id=item.id, reference=item.reference, clock=clock.clock,
                    due_at=clock.due_at, recorded_at=uow.now)
    uow.add(breach)
    uow.audit("clock.breached", "item_clock", clock.id, subject_ref=item.reference,
              details={"clock": clock.clock, "due_at": clock.due_at.isoformat()})
    uow.mutate("record_breach.v1", {"id": breach.id, "clock_id": clock.id, "item_id": item.id,
                                    "clock": clock.clock, "due_at": clock.due_at.isoformat()})


def _view(clock: ItemClock, reference: str) -> ClockView:
    return ClockView(clock.id, clock.item_id, reference, clock.clock, clock.label or CLOCK_LABELS[clock.clock],
                     clock.started_at, clock.due_at, clock.met_at, clock.breached_at)


def clocks_of_items(session: Session, item_ids: list[str]) -> dict[str, list[ClockView]]:
    """The live and met clocks of each item (superseded ones are history, not clocks)."""
    result: dict[str, list[ClockView]] = {item_id: [] for item_id in item_ids}
    if not item_ids:
        return result
    references = references_of(session, item_ids)
    for clock in stored_clocks.current_clocks_of(session, item_ids):
        result[clock.item_id].append(_view(clock, references[clock.item_id]))
    return result


def most_urgent(clocks: list[ClockView]) -> ClockView | None:
    live = [clock for clock in clocks if clock.met_at is None]
    return min(live, key=lambda clock: clock.due_at, default=None)


def clock_state(ctx: Context, clock: ClockView, now: datetime) -> ClockState:
    return ClockWindow.of(clock.started_at, clock.due_at, ctx.policy.near_breach).state(now, met_at=clock.met_at)


# Supervisors (and administrators) watch every clock; decision makers answer for the breaches.
_BREACH_READERS = ("clocks.view", "item.decide")


def list_breaches(ctx: Context, actor: Actor, *, since: datetime | None = None,
                  record_new: bool = False) -> list[dict]:
    """Every recorded breach (met late, still open or superseded), oldest due first; the read is audited.

    With `record_new`, breaches due by now are recorded first, so the answer is up to date.
    """
    from mash_tui.domain.roles import may
    from mash_tui.services.authz import require

    if not any(may(actor.role, action) for action in _BREACH_READERS):
        require(ctx, actor, "clocks.view")
    if record_new:
        record_breaches(ctx, actor)
    with ctx.store.reading() as session:
        rows = stored_clocks.breaches_with_clocks(session, since=since)
        breaches = [
            {
                "reference": breach.reference,
                "clock": breach.clock,
                "due": breach.due_at.isoformat(),
                "recorded_at": breach.recorded_at.isoformat(),
                "met_at": clock.met_at.isoformat() if clock.met_at else None,
                "state": "met_late" if clock.met_at else ("superseded" if clock.superseded_at else "open"),
            }
            for breach, clock in rows
        ]
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        uow.audit("breaches.view", "breach", None,
                  details={"since": since.isoformat() if since else None, "breaches": len(breaches)})
    return breaches


# -- the supervisor pane's poll -----------------------------------------------------------------


def clock_board(ctx: Context, actor: Actor, *, known: tuple[int, int] | None = None,
                audited: bool = False) -> Board:
    """Every open item with its running clocks, in two lean queries; `items` is None if `known` still holds.

    `audited` records the read: the pane audits when it opens, not on every poll.
    """
    from mash_tui.domain.workflow import OPEN_STATES
    from mash_tui.services.authz import require

    require(ctx, actor, "clocks.view")
    open_states = [state.value for state in OPEN_STATES]
    with ctx.store.reading() as session:
        fingerprint = items_fingerprint(session)
        if fingerprint == known:
            return Board(fingerprint, None)
        items = board_rows(session, open_states)
        running: dict[str, list[BoardClock]] = {}
        clock_rows = stored_clocks.running_clock_rows(session, open_states)
        for item_id, clock, label, started_at, due_at in clock_rows:
            running.setdefault(item_id, []).append(
                BoardClock(clock, label or CLOCK_LABELS.get(clock, clock), started_at, due_at))
    board = [
        BoardItem(item_id, reference, state, rag, children, claimed_by, tuple(running.get(item_id, ())))
        for item_id, reference, state, rag, children, claimed_by in items
    ]
    if audited:
        with unit_of_work(ctx.store, actor, ctx.clock) as uow:
            uow.audit("clocks.view", "work_item", None, details={"open_items": len(board)})
    return Board(fingerprint, board)
