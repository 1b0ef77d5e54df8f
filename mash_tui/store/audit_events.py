"""Queries on the audit trail as the services read it (the hash chain's own walk is in services.audit)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from mash_tui.store.tables import AuditEvent


def latest_events(session: Session, *, user: str | None = None, subject: str | None = None,
                  since: datetime | None = None, limit: int | None = None) -> list[AuditEvent]:
    """The events matching every filter given, the latest first (at most `limit` of them).

    `subject` matches the event's subject reference or the id of the row it touched.
    """
    query = select(AuditEvent)
    if user:
        query = query.where(AuditEvent.actor == user)
    if subject:
        query = query.where(or_(AuditEvent.subject_ref == subject, AuditEvent.entity_id == subject))
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    query = query.order_by(col(AuditEvent.seq).desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def events_about(session: Session, reference: str, actions: Collection[str]) -> list[AuditEvent]:
    """The events of these actions on one contact or item, in no set order."""
    return list(session.exec(
        select(AuditEvent).where(AuditEvent.subject_ref == reference, col(AuditEvent.action).in_(list(actions)))
    ).all())


def failed_sign_ins_since(session: Session, since: datetime) -> int:
    """Refused sign-ins on this store since `since` and since its last successful one, whoever they named."""
    last_success = session.exec(
        select(func.max(AuditEvent.seq)).where(AuditEvent.action == "login.succeeded")
    ).one()
    query = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login.failed", AuditEvent.occurred_at >= since)
    if last_success is not None:
        query = query.where(AuditEvent.seq > last_success)
    return int(session.exec(query).one())
