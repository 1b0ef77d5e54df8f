"""Queries on contacts and their drafts: a contact is read by its reference, one row per version."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from mash_tui.store.casework import ContactDraft, ContactRecord


def latest_contact(session: Session, reference: str) -> ContactRecord | None:
    """The version of the contact in force: a correction supersedes the versions before it."""
    return session.exec(
        select(ContactRecord).where(ContactRecord.reference == reference).order_by(col(ContactRecord.version).desc())
    ).first()


def contact_versions(session: Session, reference: str) -> list[ContactRecord]:
    """Every version of the contact, the first first."""
    return list(session.exec(
        select(ContactRecord).where(ContactRecord.reference == reference).order_by(col(ContactRecord.version))
    ).all())


def contacts_received(session: Session, *, since: datetime | None = None,
                      author: str | None = None) -> list[ContactRecord]:
    """Every version of the contacts received since `since` (or written by `author`), newest first."""
    query = select(ContactRecord).order_by(col(ContactRecord.received_at).desc(), col(ContactRecord.reference))
    if since is not None:
        query = query.where(ContactRecord.received_at >= since)
    if author is not None:
        query = query.where(ContactRecord.author == author)
    return list(session.exec(query).all())


def received_at(session: Session, reference: str) -> datetime | None:
    """When the contact of `reference` was received, or None without a submitted contact."""
    return session.exec(select(ContactRecord.received_at).where(ContactRecord.reference == reference)).first()


def first_received_at(session: Session, references: Iterable[str]) -> dict[str, datetime]:
    """When each of these contacts was first received (its first version's time)."""
    wanted = set(references)
    if not wanted:
        return {}
    return dict(session.exec(
        select(ContactRecord.reference, ContactRecord.received_at)
        .where(col(ContactRecord.reference).in_(wanted), ContactRecord.version == 1)
    ).all())


def reference_is_known(session: Session, reference: str) -> bool:
    """A submitted contact or a draft holds this reference."""
    known = session.exec(select(ContactRecord.id).where(ContactRecord.reference == reference)).first()
    return (known or session.exec(select(ContactDraft.id).where(ContactDraft.reference == reference)).first()) is not None


def draft_by_reference(session: Session, reference: str) -> ContactDraft | None:
    return session.exec(select(ContactDraft).where(ContactDraft.reference == reference)).first()


def open_drafts_of(session: Session, author: str) -> list[ContactDraft]:
    """The author's drafts still being written, the last touched first."""
    return list(session.exec(
        select(ContactDraft)
        .where(ContactDraft.author == author, ContactDraft.status == "open")
        .order_by(col(ContactDraft.updated_at).desc())
    ).all())
