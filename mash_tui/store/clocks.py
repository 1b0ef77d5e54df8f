"""Queries on items' clocks and their recorded breaches."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, select

from mash_tui.store.casework import Breach, ItemClock, WorkItem
from mash_tui.store.items import CHUNK


def live_clocks(session: Session, item_id: str, *names: str) -> list[ItemClock]:
    """The item's clocks still running (of these names, if given): neither met nor superseded."""
    query = select(ItemClock).where(
        ItemClock.item_id == item_id, col(ItemClock.met_at).is_(None), col(ItemClock.superseded_at).is_(None)
    )
    if names:
        query = query.where(col(ItemClock.clock).in_(names))
    return list(session.exec(query).all())


def running_clocks_answered(session: Session) -> list[tuple[str, datetime]]:
    """(clock id, answered at) of each running request clock whose request has been answered."""
    from mash_tui.store.requests import InformationRequest

    return list(session.exec(
        select(ItemClock.id, InformationRequest.answered_at)
        .join(InformationRequest, col(InformationRequest.clock_id) == ItemClock.id)
        .where(col(ItemClock.met_at).is_(None), col(ItemClock.superseded_at).is_(None),
               col(InformationRequest.answered_at).is_not(None))
    ).all())


def overdue_unrecorded(session: Session, now: datetime) -> list[str]:
    """Ids of the running clocks past their due time whose breach is not yet recorded."""
    return list(session.exec(
        select(ItemClock.id).where(
            col(ItemClock.met_at).is_(None),
            col(ItemClock.superseded_at).is_(None),
            col(ItemClock.breached_at).is_(None),
            ItemClock.due_at < now,
        )
    ).all())


def current_clocks_of(session: Session, item_ids: list[str]) -> list[ItemClock]:
    """The live and met clocks of these items; superseded ones are history, not clocks."""
    found: list[ItemClock] = []
    for start in range(0, len(item_ids), CHUNK):
        chunk = item_ids[start:start + CHUNK]
        found += session.exec(
            select(ItemClock).where(col(ItemClock.item_id).in_(chunk), col(ItemClock.superseded_at).is_(None))
        ).all()
    return found


def breaches_with_clocks(session: Session, *, since: datetime | None = None) -> list[tuple[Breach, ItemClock]]:
    """Every recorded breach (since `since`, if given) with its clock, the earliest due first."""
    query = select(Breach, ItemClock).join(ItemClock, col(ItemClock.id) == Breach.clock_id)
    if since is not None:
        query = query.where(Breach.recorded_at >= since)
    return list(session.exec(query.order_by(col(Breach.due_at), col(Breach.reference), col(Breach.clock))).all())


def running_clock_rows(session: Session,
                       states: Collection[str]) -> list[tuple[str, str, str | None, datetime, datetime]]:
    """(item id, clock, label, started, due) of the running clocks on items in `states`: the lean board read."""
    return list(session.exec(
        select(ItemClock.item_id, ItemClock.clock, ItemClock.label, ItemClock.started_at, ItemClock.due_at)
        .join(WorkItem, col(WorkItem.id) == ItemClock.item_id)
        .where(col(WorkItem.state).in_(list(states)), col(ItemClock.met_at).is_(None),
               col(ItemClock.superseded_at).is_(None))
    ).all())
