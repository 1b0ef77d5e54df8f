"""Queries on the outbox: what this machine has queued for the shared database, and what became of it."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from mash_tui.store.tables import OutboxMutation


def last_client_seq(session: Session) -> int:
    """The number of the last change queued here (0 before the first)."""
    return int(session.exec(select(func.coalesce(func.max(OutboxMutation.client_seq), 0))).one())


def pending_actors_after(session: Session, client_seq: int) -> list[str | None]:
    """Who made each change queued after `client_seq` that still waits to be sent, in queue order."""
    return list(session.exec(
        select(func.json_extract(OutboxMutation.payload, "$.actor"))
        .where(OutboxMutation.client_seq > client_seq, OutboxMutation.status == "pending")
        .order_by(col(OutboxMutation.client_seq))
    ).all())


def rejections_after(session: Session, client_seq: int) -> list[str | None]:
    """The shared database's reason for refusing each change queued after `client_seq`, in queue order."""
    return list(session.exec(
        select(OutboxMutation.last_error)
        .where(OutboxMutation.client_seq > client_seq, OutboxMutation.status == "rejected")
        .order_by(col(OutboxMutation.client_seq))
    ).all())
