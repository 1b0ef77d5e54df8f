"""Queries on queue items and their own history of events."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func
from sqlmodel import Session, col, select

from mash_tui.store.casework import Breach, Decision, ItemClock, ItemEvent, Rating, WorkItem

# SQLite refuses statements with too many bound values: long id lists are read in chunks.
CHUNK = 500


def item_by_reference(session: Session, reference: str) -> WorkItem | None:
    return session.exec(select(WorkItem).where(WorkItem.reference == reference)).first()


def items_in_states(session: Session, states: Collection[str]) -> list[WorkItem]:
    return list(session.exec(select(WorkItem).where(col(WorkItem.state).in_(list(states)))).all())


def references_of(session: Session, item_ids: list[str]) -> dict[str, str]:
    """Each item id's reference."""
    found: dict[str, str] = {}
    for start in range(0, len(item_ids), CHUNK):
        chunk = item_ids[start:start + CHUNK]
        found.update(session.exec(select(WorkItem.id, WorkItem.reference).where(col(WorkItem.id).in_(chunk))).all())
    return found


def items_fingerprint(session: Session) -> tuple[int, int]:
    """(how many items, the sum of their versions): changes whenever any item is added or changes."""
    count, versions = session.exec(select(func.count(), func.coalesce(func.sum(WorkItem.version), 0))).one()
    return int(count), int(versions)


def board_rows(session: Session, states: Collection[str]) -> list[tuple[str, str, str, str, str, str | None]]:
    """(id, reference, state, rag, children, claimed_by) of the items in `states`: the lean supervisor read."""
    return list(session.exec(
        select(WorkItem.id, WorkItem.reference, WorkItem.state, WorkItem.rag, WorkItem.children,
               WorkItem.claimed_by).where(col(WorkItem.state).in_(list(states)))
    ).all())


def events_of_item(session: Session, item_id: str) -> list[ItemEvent]:
    """The item's events, oldest first (uuid7 ids order two events of the same instant)."""
    return list(session.exec(
        select(ItemEvent).where(ItemEvent.item_id == item_id).order_by(col(ItemEvent.occurred_at), col(ItemEvent.id))
    ).all())


def events_of_kind(session: Session, item_ids: list[str], kind: str) -> list[ItemEvent]:
    """The events of one kind on these items, oldest first."""
    found: list[ItemEvent] = []
    for start in range(0, len(item_ids), CHUNK):
        chunk = item_ids[start:start + CHUNK]
        found += session.exec(
            select(ItemEvent).where(col(ItemEvent.item_id).in_(chunk), ItemEvent.kind == kind)
            .order_by(col(ItemEvent.occurred_at), col(ItemEvent.id))
        ).all()
    return found


def events_of_item_unordered(session: Session, item_id: str) -> list[ItemEvent]:
    """The item's events as the store holds them; the caller orders them."""
    return list(session.exec(select(ItemEvent).where(ItemEvent.item_id == item_id)).all())


def ratings_of_item(session: Session, item_id: str) -> list[Rating]:
    """The item's ratings, the first first: each re-rating reads against the one before."""
    return list(session.exec(
        select(Rating).where(Rating.item_id == item_id).order_by(col(Rating.rated_at), col(Rating.id))
    ).all())


def decisions_on_item(session: Session, item_id: str) -> list[Decision]:
    """The item's decisions, in no set order."""
    return list(session.exec(select(Decision).where(Decision.item_id == item_id)).all())


def breaches_of_item(session: Session, item_id: str) -> list[tuple[Breach, str | None]]:
    """The item's recorded breaches, each with its clock's own label (None: the clock's usual name)."""
    return list(session.exec(
        select(Breach, ItemClock.label).join(ItemClock, col(ItemClock.id) == Breach.clock_id)
        .where(Breach.item_id == item_id)
    ).all())
