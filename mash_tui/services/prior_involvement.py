"""Prior-involvement checks: load what children's services know, and find who a person may be.

DOMAIN.md sections 1 (step 3) and 7. Imports are reference-data loads by the store's owner: one
transaction holding every row and one audit event with the counts. Lookups read the matching
index and score the candidates it gives (`mash_tui.domain.matching`); they check no role, so the
screen that offers them checks `check.run` first.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from mash_tui.clock import Clock
from mash_tui.domain import routing
from mash_tui.domain.matching import Band, PersonDetails, load_name_tables, rank_candidates
from mash_tui.domain.policy import MatchingPolicy, Policy
from mash_tui.domain.roles import Actor
from mash_tui.domain.routing import Involvement, RoutingProposal
from mash_tui.store import known_persons
from mash_tui.store.db import Store
from mash_tui.store.known_persons import (
    DEFAULT_MAX_FIELD_CHARS,
    InvolvementImport,
    PersonImport,
    StoredRecord,
)
from mash_tui.store.unit_of_work import unit_of_work

ProgressCallback = Callable[[int, int], None]
_Counts = TypeVar("_Counts", PersonImport, InvolvementImport)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A record the query may be, with why.

    `person_id` is the case system's id, or `contact:REF:ROLE:N` for a person on an earlier contact
    (then `contact_ref` is REF). `person` holds the record's details as stored, for display.
    """

    person_id: str
    source: str
    score: float
    band: Band | None
    reasons: tuple[str, ...]
    person: PersonDetails
    contact_ref: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"person_id": self.person_id, "score": self.score, "band": self.band, "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class TimedLookup:
    candidates: list[Candidate]
    elapsed_ms: float
    """The lookup alone: keys, index, reading candidates and scoring them."""


def _matching(policy: MatchingPolicy | Policy) -> MatchingPolicy:
    return policy.matching if isinstance(policy, Policy) else policy


def _checkpoint(store: Store) -> None:
    # A bulk load leaves a write-ahead log as large as the data; fold it in and give the space back.
    connection = store.raw_connection()
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _load_in_one_transaction(
    store: Store,
    actor: Actor,
    clock: Clock,
    load: Callable[[sqlite3.Connection], _Counts],
    action: str,
    entity: str,
    path: Path,
) -> _Counts:
    with unit_of_work(store, actor, clock) as uow:
        connection = uow.session.connection().connection.dbapi_connection
        counts = load(connection)
        details = {"file": path.name, **asdict(counts)}
        uow.audit(action, entity, details=details)
    _checkpoint(store)
    return counts


def import_persons(
    store: Store,
    path: Path,
    actor: Actor,
    clock: Clock,
    *,
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS,
    on_progress: ProgressCallback | None = None,
) -> PersonImport:
    """Load a persons CSV, all or nothing; re-imported people replace their earlier row.

    Raises `known_persons.ReferenceDataError` (a UserError naming line and column) on a bad row,
    leaving the store as it was.
    """
    return _load_in_one_transaction(
        store,
        actor,
        clock,
        lambda connection: known_persons.load_persons(
            connection, path, max_field_chars=max_field_chars, on_progress=on_progress
        ),
        "persons.import",
        "known_person",
        path,
    )


def import_involvements(
    store: Store,
    path: Path,
    actor: Actor,
    clock: Clock,
    *,
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS,
    on_progress: ProgressCallback | None = None,
) -> InvolvementImport:
    """Load an involvements CSV, all or nothing; a person's rows replace their earlier ones."""
    return _load_in_one_transaction(
        store,
        actor,
        clock,
        lambda connection: known_persons.load_involvements(
            connection, path, max_field_chars=max_field_chars, on_progress=on_progress
        ),
        "involvements.import",
        "involvement",
        path,
    )


def _candidate(stored: StoredRecord, score: float, band: Band | None, reasons: tuple[str, ...]) -> Candidate:
    return Candidate(
        person_id=stored.record.record_id,
        source=stored.source,
        score=score,
        band=band,
        reasons=reasons,
        person=stored.record.person,
        contact_ref=stored.contact_ref,
    )


def _lookup_on(connection: sqlite3.Connection, query: PersonDetails, policy: MatchingPolicy) -> list[Candidate]:
    connection.execute("BEGIN")
    try:
        stored = known_persons.candidate_records(connection, query)
    finally:
        connection.execute("COMMIT")
    by_id = {item.record.record_id: item for item in stored}
    ranked = rank_candidates(query, [item.record for item in stored], policy, limit=policy.max_candidates)
    return [_candidate(by_id[match.record.record_id], match.score, match.band, match.reasons) for match in ranked]


def lookup(store: Store, query: PersonDetails, policy: MatchingPolicy | Policy) -> list[Candidate]:
    """The records `query` most likely is, best first: at most `max_candidates`, none below
    `possible`. Case-system people and people on earlier contacts are searched together."""
    connection = store.raw_connection()
    try:
        return _lookup_on(connection, query, _matching(policy))
    finally:
        connection.close()


def lookup_many(
    store: Store,
    queries: Iterable[PersonDetails],
    policy: MatchingPolicy | Policy,
) -> Iterator[TimedLookup]:
    """One timed answer per query, in order, over one connection."""
    matching = _matching(policy)
    load_name_tables()
    connection = store.raw_connection()
    try:
        for query in queries:
            started = time.perf_counter()
            candidates = _lookup_on(connection, query, matching)
            elapsed_ms = (time.perf_counter() - started) * 1000
            yield TimedLookup(candidates, elapsed_ms)
    finally:
        connection.close()


def involvements_of(store: Store, person_ids: Iterable[str]) -> dict[str, list[Involvement]]:
    """Each case-system person's involvements (open first, then newest); contact ids get none."""
    wanted = [person_id for person_id in person_ids if not person_id.startswith("contact:")]
    connection = store.raw_connection()
    try:
        return known_persons.involvements_of(connection, wanted)
    finally:
        connection.close()


def routing_proposal(
    involvements: Iterable[Involvement],
    received_at: datetime | date,
    closed_within_days: int,
) -> RoutingProposal | None:
    """The allocated worker to route a contact to, from its confirmed matches' involvements.

    See `mash_tui.domain.routing.routing_proposal` for the rule.
    """
    return routing.routing_proposal(involvements, received_at, closed_within_days)
