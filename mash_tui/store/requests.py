"""Tables of information gathering: requests to partner agencies, their answers, MASH discussions.

A request's lifecycle (sent, seen, answered, withdrawn, chased) is mutable state with a version; what
the agency said is insert-only, and a correction is a new answer that supersedes the old one. What a
request shares with the agency is copied onto it when sent, so the partner never reads the contact.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, select

from mash_tui.store.tables import utc_column
from mash_tui.store.types import new_id


class InformationRequest(SQLModel, table=True):
    __tablename__ = "information_request"

    id: str = Field(default_factory=new_id, primary_key=True)
    # The human handle partners quote on the phone ("R-KX7P-00042").
    request_ref: str = Field(index=True, unique=True)
    item_id: str = Field(foreign_key="work_item.id", index=True)
    reference: str = Field(index=True)
    agency: str = Field(index=True)
    question: str | None = None
    summary: str
    # The children and adults exactly as this request shares them (no phone numbers, no referrer).
    people: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rag: str
    clock_id: str = Field(foreign_key="item_clock.id")
    due_at: datetime = utc_column(nullable=False, index=True)
    sent_by: str
    sent_at: datetime = utc_column(nullable=False)
    state: str = Field(default="sent", index=True)
    seen_by: str | None = None
    seen_at: datetime | None = utc_column(nullable=True)
    answered_by: str | None = None
    answered_at: datetime | None = utc_column(nullable=True)
    withdrawn_by: str | None = None
    withdrawn_at: datetime | None = utc_column(nullable=True)
    withdrawn_reason: str | None = None
    chase_count: int = 0
    last_chased_at: datetime | None = utc_column(nullable=True)
    version: int = 1


class RequestAnswer(SQLModel, table=True):
    """What the agency found, per person, and in its own words. Insert-only."""

    __tablename__ = "request_answer"

    id: str = Field(default_factory=new_id, primary_key=True)
    request_id: str = Field(foreign_key="information_request.id", index=True)
    agency: str
    # One object per shared person: person, known, summary, current_risks, agency_contact.
    findings: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    free_text: str | None = None
    supersedes_id: str | None = None
    answered_by: str
    answered_at: datetime = utc_column(nullable=False)


class MashDiscussion(SQLModel, table=True):
    """The MASH discussion that closes information gathering on an item. Insert-only."""

    __tablename__ = "mash_discussion"

    id: str = Field(default_factory=new_id, primary_key=True)
    item_id: str = Field(foreign_key="work_item.id", index=True)
    reference: str = Field(index=True)
    participants: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: str
    agreed_actions: str | None = None
    recorded_by: str
    recorded_at: datetime = utc_column(nullable=False)


# -- queries ----------------------------------------------------------------------------------------

# SQLite refuses statements with too many bound values: long id lists are read in chunks.
_CHUNK = 500


def answers_to(session: Session, request_ids: list[str]) -> list[RequestAnswer]:
    """Every answer to these requests, each request's oldest first (uuid7 ids order one instant)."""
    found: list[RequestAnswer] = []
    for start in range(0, len(request_ids), _CHUNK):
        chunk = request_ids[start:start + _CHUNK]
        found += session.exec(
            select(RequestAnswer).where(col(RequestAnswer.request_id).in_(chunk))
            .order_by(col(RequestAnswer.answered_at), col(RequestAnswer.id))
        ).all()
    return found


def request_by_ref(session: Session, request_ref: str) -> InformationRequest | None:
    return session.exec(select(InformationRequest).where(InformationRequest.request_ref == request_ref)).first()


def agencies_asked(session: Session, item_id: str, states: Collection[str]) -> set[str]:
    """The agencies with a request on the item in one of `states`."""
    return set(session.exec(
        select(InformationRequest.agency).where(InformationRequest.item_id == item_id,
                                                col(InformationRequest.state).in_(list(states)))
    ).all())


def requests_on_item(session: Session, item_id: str) -> list[InformationRequest]:
    """The item's requests in the order they were sent."""
    return list(session.exec(
        select(InformationRequest).where(InformationRequest.item_id == item_id)
        .order_by(col(InformationRequest.sent_at), col(InformationRequest.request_ref))
    ).all())


def discussions_on_item(session: Session, item_id: str) -> list[MashDiscussion]:
    """The item's MASH discussions, the first first."""
    return list(session.exec(
        select(MashDiscussion).where(MashDiscussion.item_id == item_id).order_by(col(MashDiscussion.recorded_at))
    ).all())


def requests_to_agency(session: Session, agency: str, *, states: Collection[str] | None = None) -> list[InformationRequest]:
    """The agency's requests (only those in `states`, if given), in no set order."""
    query = select(InformationRequest).where(InformationRequest.agency == agency)
    if states is not None:
        query = query.where(col(InformationRequest.state).in_(list(states)))
    return list(session.exec(query).all())
