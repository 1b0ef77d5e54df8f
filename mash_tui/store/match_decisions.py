"""Queries on the officer's match decisions: appended, oldest first, so the latest word on each counts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from mash_tui.store.casework import MatchDecision


def decisions_on_contact(session: Session, reference: str) -> list[MatchDecision]:
    """The decisions on one contact's people, in the order they were made."""
    return list(session.exec(
        select(MatchDecision)
        .where(MatchDecision.reference == reference)
        # uuid7 ids sort by creation: two decisions stamped in the same instant keep their order.
        .order_by(col(MatchDecision.decided_at), col(MatchDecision.id))
    ).all())


def decisions_on_candidates(session: Session, candidate_ids: Iterable[str]) -> list[MatchDecision]:
    """The decisions, on any contact, about these candidates, in the order they were made."""
    return list(session.exec(
        select(MatchDecision).where(col(MatchDecision.candidate_id).in_(list(candidate_ids)))
        .order_by(col(MatchDecision.decided_at), col(MatchDecision.id))
    ).all())


def references_deciding_on(session: Session, candidate_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(contact reference, decision) of every decision about these candidates, in no set order."""
    return list(session.exec(
        select(MatchDecision.reference, MatchDecision.decision)
        .where(col(MatchDecision.candidate_id).in_(list(candidate_ids)))
    ).all())


def decisions_on_contact_unordered(session: Session, reference: str) -> list[MatchDecision]:
    """The decisions on one contact's people as the store holds them; the caller orders them."""
    return list(session.exec(select(MatchDecision).where(MatchDecision.reference == reference)).all())
