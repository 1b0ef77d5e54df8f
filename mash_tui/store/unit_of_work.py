"""One user action, one transaction: its domain rows, its audit event and its outbox mutation.

Either all of it reaches the disk or none of it does; a crash in between leaves nothing behind.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlmodel import Session, select

from mash_tui.clock import Clock
from mash_tui.domain.roles import Actor
from mash_tui.store.audit_chain import GENESIS_HASH, event_hash, event_mac, hashed_fields, store_key
from mash_tui.store.db import Store
from mash_tui.store.tables import AuditEvent, ClientState, OutboxMutation
from mash_tui.store.types import new_id

AUDIT_ONLY_MUTATION = "record_audit.v1"
_PREFIX_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def _new_machine_prefix() -> str:
    return "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(4))


def client_state(session: Session) -> ClientState:
    state = session.get(ClientState, 1)
    if state is None:
        state = ClientState(id=1, machine_prefix=_new_machine_prefix())
        session.add(state)
        session.flush()
    return state


class UnitOfWork:
    def __init__(self, session: Session, actor: Actor, now: datetime, *, home: Path | None = None) -> None:
        self.session = session
        self.home = home  # where the audit key lives; None writes no MACs (a bare session in a test)
        self.actor = actor
        self.now = now
        self.events: list[AuditEvent] = []
        self.mutations: list[OutboxMutation] = []
        # What the shared database needs to replay this unit: each row written, and for a row
        # read from the store the version it had when read (its base for conflict detection).
        self._written: dict[int, Any] = {}
        self._read_versions: dict[tuple[str, str], int] = {}
        event.listen(session, "loaded_as_persistent", self._remember_read_version)

    def _remember_read_version(self, _session: Session, row: Any) -> None:
        version = getattr(row, "version", None)
        if isinstance(version, int) and hasattr(row, "__tablename__"):
            self._read_versions.setdefault((row.__tablename__, str(getattr(row, "id", ""))), version)

    def add(self, *rows: Any) -> None:
        for row in rows:
            self.session.add(row)
            self._written.setdefault(id(row), row)

    def attach_row_images(self) -> None:
        """Give the unit's last mutation the image of every row written; called just before commit.

        A unit that only records events (a record viewed, a sign-in refused) still sends them: the
        shared trail must answer who viewed a child's record on any machine. It sends no rows:
        what such a unit writes is this machine's own bookkeeping.
        """
        if not self.mutations:
            if self.events:
                from mash_tui.store.sync_rows import audit_image

                self.mutate(AUDIT_ONLY_MUTATION, {
                    "actor": self.actor.username, "role": self.actor.role, "rows": [],
                    "audit": [audit_image(audit_event) for audit_event in self.events],
                })
            return
        from mash_tui.store.sync_rows import audit_image, kind_of, row_image

        self.session.flush()
        images = [
            row_image(row, self._read_versions.get((kind_of(row), str(row.id))))
            for row in self._written.values()
            if hasattr(row, "id")
        ]
        last = self.mutations[-1]
        last.payload = {
            **last.payload,
            "actor": self.actor.username,
            "role": self.actor.role,
            "rows": images,
            "audit": [audit_image(audit_event) for audit_event in self.events],
        }
        self.session.add(last)
        self.session.flush()

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: str | None = None,
        *,
        subject_ref: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        self.session.flush()
        prev_hash = self.session.execute(
            text("SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1")
        ).scalar_one_or_none() or GENESIS_HASH
        event_id = new_id()
        details = details or {}
        fields = hashed_fields(
            event_id=event_id,
            occurred_at=self.now,
            actor=self.actor.username,
            role=self.actor.role,
            action=action,
            entity=entity,
            entity_id=entity_id,
            subject_ref=subject_ref,
            details=details,
        )
        event = AuditEvent(
            id=event_id,
            occurred_at=self.now,
            actor=self.actor.username,
            role=self.actor.role,
            action=action,
            entity=entity,
            entity_id=entity_id,
            subject_ref=subject_ref,
            details=details,
            prev_hash=prev_hash,
            hash=event_hash(prev_hash, fields),
        )
        self.session.add(event)
        self.session.flush()
        if self.home is not None:
            self.session.execute(text("INSERT INTO audit_mac (seq, mac) VALUES (:seq, :mac)"),
                                 {"seq": event.seq, "mac": event_mac(store_key(self.home), event.seq, event.hash)})
        self.events.append(event)
        return event

    def mutate(self, name: str, payload: dict[str, Any]) -> OutboxMutation:
        """Queue a versioned mutation (`claim_item.v1`) for the shared database."""
        state = client_state(self.session)
        mutation = OutboxMutation(
            client_seq=state.next_client_seq,
            name=name,
            payload=payload,
            client_time=self.now,
        )
        state.next_client_seq += 1
        self.session.add_all([state, mutation])
        self.session.flush()
        self.mutations.append(mutation)
        return mutation

    def next_reference(self, kind: str = "C") -> str:
        """A human reference unique across the hub, offline too: machine prefix plus a counter."""
        state = client_state(self.session)
        number = state.next_reference_number
        state.next_reference_number += 1
        self.session.add(state)
        self.session.flush()
        return f"{kind}-{state.machine_prefix}-{number:05d}"


@contextmanager
def unit_of_work(store: Store, actor: Actor, clock: Clock) -> Iterator[UnitOfWork]:
    with store.writing() as session:
        uow = UnitOfWork(session, actor, clock.now(), home=store.home)
        yield uow
        uow.attach_row_images()
    if uow.mutations:
        for listener in list(mutation_listeners):
            listener(store)


# Called with the store after each committed unit that queued a mutation: the app's sync worker
# listens here to push at once instead of at its next poll.
mutation_listeners: list[Callable[[Store], None]] = []


def pending_mutations(session: Session) -> int:
    return len(session.exec(select(OutboxMutation.mutation_id).where(OutboxMutation.status == "pending")).all())
