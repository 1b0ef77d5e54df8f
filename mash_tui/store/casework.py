"""Tables of the front door's case work: drafts, contacts, queue items, ratings, decisions, clocks.

Contacts, ratings, decisions and breaches are insert-only; a correction is a new row. The mutable
parts (a draft's form, an item's state and holder, a clock's met time) carry a version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from mash_tui.store.tables import utc_column
from mash_tui.store.types import new_id


class ContactDraft(SQLModel, table=True):
    """The officer's working copy, autosaved while the caller is on the line."""

    __tablename__ = "contact_draft"

    id: str = Field(default_factory=new_id, primary_key=True)
    reference: str = Field(index=True, unique=True)
    author: str = Field(index=True)
    status: str = Field(default="open", index=True)
    form: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 1
    created_at: datetime = utc_column(nullable=False)
    updated_at: datetime = utc_column(nullable=False)


class ContactRecord(SQLModel, table=True):
    """A submitted contact, one row per version; a correction supersedes, never overwrites."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("reference", "version"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    reference: str = Field(index=True)
    version: int = 1
    supersedes_id: str | None = None
    author: str
    received_at: datetime = utc_column(nullable=False, index=True)
    submitted_at: datetime = utc_column(nullable=False)
    record: dict = Field(sa_column=Column(JSON, nullable=False))
    children: str = ""
    recommended_rag: str = "none"
    rules: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reasons: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    flags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    repeat_contact: bool = False


class WorkItem(SQLModel, table=True):
    """A contact's journey after the officer: in the queue, claimed, decided, closed."""

    __tablename__ = "work_item"

    id: str = Field(default_factory=new_id, primary_key=True)
    reference: str = Field(index=True, unique=True)
    contact_id: str | None = Field(default=None, foreign_key="contact.id")
    # An immediate-danger item enters the queue from the draft, before the form is finished.
    draft_id: str | None = None
    state: str = Field(index=True)
    rag: str = "none"
    rag_rated_at: datetime | None = utc_column(nullable=True)
    claimed_by: str | None = Field(default=None, index=True)
    claimed_at: datetime | None = utc_column(nullable=True)
    children: str = ""
    note: str | None = None
    outcome: str | None = None
    immediate_danger: bool = False
    version: int = 1
    created_at: datetime = utc_column(nullable=False)
    updated_at: datetime = utc_column(nullable=False)


class Rating(SQLModel, table=True):
    __tablename__ = "rating"

    id: str = Field(default_factory=new_id, primary_key=True)
    item_id: str = Field(foreign_key="work_item.id", index=True)
    rag: str
    kind: str
    reason: str | None = None
    rated_by: str
    rated_at: datetime = utc_column(nullable=False)


class Decision(SQLModel, table=True):
    __tablename__ = "decision"

    id: str = Field(default_factory=new_id, primary_key=True)
    item_id: str = Field(foreign_key="work_item.id", index=True)
    rag: str
    outcome: str
    flags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str | None = None
    decided_by: str
    decided_at: datetime = utc_column(nullable=False)


class ItemClock(SQLModel, table=True):
    """One timescale on one item. A restarted RAG clock is a new row; the old one is superseded."""

    __tablename__ = "item_clock"

    id: str = Field(default_factory=new_id, primary_key=True)
    item_id: str = Field(foreign_key="work_item.id", index=True)
    clock: str
    started_at: datetime = utc_column(nullable=False)
    due_at: datetime = utc_column(nullable=False, index=True)
    met_at: datetime | None = utc_column(nullable=True)
    superseded_at: datetime | None = utc_column(nullable=True)
    breached_at: datetime | None = utc_column(nullable=True)
    label: str | None = None


class Breach(SQLModel, table=True):
    """Recorded once when a clock first passes its due time unmet; never removed."""

    __tablename__ = "breach"

    id: str = Field(default_factory=new_id, primary_key=True)
    clock_id: str = Field(foreign_key="item_clock.id", unique=True)
    item_id: str = Field(foreign_key="work_item.id", index=True)
    reference: str = Field(index=True)
    clock: str
    due_at: datetime = utc_column(nullable=False)
    recorded_at: datetime = utc_column(nullable=False)


class ItemEvent(SQLModel, table=True):
    """The item's own history in words: escalations, claims, releases, step-ups, notes."""

    __tablename__ = "item_event"

    id: str = Field(default_factory=new_id, primary_key=True)
    item_id: str = Field(foreign_key="work_item.id", index=True)
    kind: str
    actor: str
    occurred_at: datetime = utc_column(nullable=False)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class MatchDecision(SQLModel, table=True):
    """An officer's confirmation or rejection of a suggested prior-involvement match."""

    __tablename__ = "match_decision"

    id: str = Field(default_factory=new_id, primary_key=True)
    reference: str = Field(index=True)
    person_role: str
    person_index: int
    candidate_id: str
    decision: str
    score: float
    decided_by: str
    decided_at: datetime = utc_column(nullable=False)
