"""The local store's foundation tables: users, the audit trail, the outbox and the client's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from mash_tui.store.types import UTCDateTime, new_id


def utc_column(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kwargs))


class AppUser(SQLModel, table=True):
    __tablename__ = "app_user"

    id: str = Field(default_factory=new_id, primary_key=True)
    username: str = Field(index=True, unique=True)
    display_name: str
    role: str
    agency: str | None = None
    password_hash: str
    active: bool = True
    failed_attempts: int = 0
    locked_until: datetime | None = utc_column(nullable=True)
    created_at: datetime = utc_column(nullable=False)


class AuditEvent(SQLModel, table=True):
    """Insert-only. `seq` orders the local trail; each event carries the hash of the one before."""

    __tablename__ = "audit_event"

    seq: int | None = Field(default=None, primary_key=True)
    id: str = Field(default_factory=new_id, unique=True)
    occurred_at: datetime = utc_column(nullable=False)
    actor: str
    role: str
    action: str = Field(index=True)
    entity: str
    entity_id: str | None = None
    subject_ref: str | None = Field(default=None, index=True)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str
    hash: str


class OutboxMutation(SQLModel, table=True):
    """A change waiting for (or already given to) the shared database."""

    __tablename__ = "outbox"

    mutation_id: str = Field(default_factory=new_id, primary_key=True)
    client_seq: int = Field(unique=True)
    name: str
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    client_time: datetime = utc_column(nullable=False)
    status: str = Field(default="pending", index=True)
    result: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    attempts: int = 0
    last_error: str | None = None


class ClientState(SQLModel, table=True):
    """This machine's identity and counters (one row)."""

    __tablename__ = "client_state"

    id: int = Field(default=1, primary_key=True)
    client_id: str = Field(default_factory=new_id)
    machine_prefix: str
    next_client_seq: int = 1
    next_reference_number: int = 1
    pull_cursor: int = 0
    last_sync_at: datetime | None = utc_column(nullable=True)
