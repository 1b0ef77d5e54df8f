"""Push: the outbox sent to the shared database, and its answers kept here.

Push sends pending mutations in client order, a batch per PostgreSQL transaction, then marks them
applied or rejected in one SQLite transaction. A crash between the two is harmless: the next push
sends them again and the server answers from its record of what it applied.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mash_tui.server.apply import Mutation, Outcome, apply_batch
from mash_tui.store.db import Store
from mash_tui.sync import faults
from mash_tui.sync.connection import Identity, deadline
from mash_tui.sync.errors import SyncUnavailable
from mash_tui.sync.rows import apply_rows, ordered, remove_refused_rows

if TYPE_CHECKING:
    import psycopg

PUSH_BATCH = 500


@dataclass
class PushReport:
    sent: int = 0
    applied: int = 0
    rejected: int = 0
    replayed: int = 0
    conflicts: int = 0
    rejections: list[tuple[str, str]] = field(default_factory=list)


def _pending(connection: sqlite3.Connection, limit: int) -> list[Mutation]:
    rows = connection.execute(
        "SELECT mutation_id, client_seq, name, payload FROM outbox WHERE status = 'pending' "
        "ORDER BY client_seq LIMIT ?",
        (limit,),
    ).fetchall()
    return [Mutation(mutation_id, client_seq, name, json.loads(payload)) for mutation_id, client_seq, name, payload in rows]


def pending_keys(connection: sqlite3.Connection) -> set[tuple[str, str]]:
    """The rows that local edits still waiting to be sent touch."""
    rows = connection.execute(
        "SELECT json_extract(r.value, '$.kind'), json_extract(r.value, '$.id') "
        "FROM outbox, json_each(outbox.payload, '$.rows') AS r WHERE outbox.status = 'pending'"
    ).fetchall()
    return {(kind, str(entity_id)) for kind, entity_id in rows}


def push(store: Store, connection: psycopg.Connection, identity: Identity, *, deadline_s: float,
         batch_size: int = PUSH_BATCH) -> PushReport:
    import psycopg

    report = PushReport()
    local = store.raw_connection()
    try:
        index = _PendingIndex(local)
        while True:
            batch = _pending(local, batch_size)
            if not batch:
                return report
            faults.fault_point("before-push")
            try:
                with deadline(connection, deadline_s):
                    outcomes = apply_batch(connection, identity.client_id, batch)
            except (psycopg.OperationalError, psycopg.errors.QueryCanceled) as error:
                _record_failure(local, batch, error)
                raise SyncUnavailable(str(error).strip().splitlines()[0] if str(error).strip() else "connection lost") \
                    from error
            faults.fault_point("after-server-commit")
            _acknowledge(local, outcomes, index)
            faults.fault_point("after-acknowledge")
            report.sent += len(batch)
            for outcome in outcomes:
                report.replayed += outcome.replayed
                report.conflicts += int(outcome.result.get("conflicts", 0))
                if outcome.status == "applied":
                    report.applied += 1
                else:
                    report.rejected += 1
                    report.rejections.append((outcome.mutation_id, outcome.reason or ""))
    finally:
        local.close()


def witness_head(store: Store, connection: psycopg.Connection, identity: Identity, *, deadline_s: float) -> int:
    """Have the shared database witness this store's audit chain head (sequence and hash); the seq sent.

    Sent after the outbox, so the head covers every event the push carried. Once witnessed, a head
    that later goes missing here (events cut from the end, or one rewritten and the chain after it
    recomputed) is named by `mash audit verify --shared URL`.
    """
    from mash_tui.server.audit_chain import record_witness, register_key
    from mash_tui.store.audit_chain import key_fingerprint, read_key

    local = store.raw_connection()
    try:
        head = local.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
        try:
            keyed_from = local.execute("SELECT keyed_from_seq FROM audit_key_start").fetchone()
        except sqlite3.OperationalError:
            keyed_from = None
    finally:
        local.close()
    if head is None:
        return 0
    key = read_key(store.home)
    with deadline(connection, deadline_s):
        if key is not None and keyed_from is not None:
            register_key(connection, identity.client_id, key.hex(), key_fingerprint(key), keyed_from[0])
        record_witness(connection, identity.client_id, head[0], head[1])
    return head[0]


def pending_batch(store: Store, limit: int = PUSH_BATCH) -> list[Mutation]:
    """The first waiting mutations, in the order they were made here."""
    local = store.raw_connection()
    try:
        return _pending(local, limit)
    finally:
        local.close()


def acknowledge(store: Store, outcomes: list[Outcome]) -> None:
    """Keep the shared database's answers, once its transaction has committed."""
    local = store.raw_connection()
    try:
        _acknowledge(local, outcomes)
    finally:
        local.close()


def _record_failure(local: sqlite3.Connection, batch: list[Mutation], error: BaseException) -> None:
    message = (str(error).strip().splitlines() or [type(error).__name__])[0][:500]
    try:
        local.execute("BEGIN IMMEDIATE")
        local.executemany(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE mutation_id = ? AND status = 'pending'",
            [(message, mutation.mutation_id) for mutation in batch],
        )
        local.execute("COMMIT")
    except sqlite3.Error:
        if local.in_transaction:
            local.execute("ROLLBACK")


class _PendingIndex:
    """Which rows the waiting mutations touch, read once per push rather than once per batch.

    Mutations queued while the push runs (past `high_seq`) are read at each acknowledgement.
    """

    def __init__(self, local: sqlite3.Connection) -> None:
        self.high_seq = local.execute("SELECT coalesce(max(client_seq), 0) FROM outbox").fetchone()[0]
        self.keys = self._read(local, "o.client_seq <= ?", self.high_seq)

    @staticmethod
    def _read(local: sqlite3.Connection, condition: str, seq: int) -> dict[str, set[tuple[str, str]]]:
        found: dict[str, set[tuple[str, str]]] = {}
        rows = local.execute(
            "SELECT o.mutation_id, json_extract(r.value, '$.kind'), json_extract(r.value, '$.id') "
            f"FROM outbox AS o, json_each(o.payload, '$.rows') AS r WHERE o.status = 'pending' AND {condition}",
            (seq,),
        ).fetchall()
        for mutation_id, kind, entity_id in rows:
            found.setdefault(mutation_id, set()).add((kind, str(entity_id)))
        return found

    def still_pending(self, local: sqlite3.Connection, acknowledged: list[str]) -> set[tuple[str, str]]:
        for mutation_id in acknowledged:
            self.keys.pop(mutation_id, None)
        newer = self._read(local, "o.client_seq > ?", self.high_seq)
        return set().union(*self.keys.values(), *newer.values())


def _acknowledge(local: sqlite3.Connection, outcomes: list[Outcome], index: _PendingIndex | None = None) -> None:
    """Mark each mutation with the server's outcome, and keep the server's copy of the rows it touched."""
    local.execute("PRAGMA foreign_keys = OFF")
    local.execute("BEGIN IMMEDIATE")
    try:
        local.executemany(
            "UPDATE outbox SET status = ?, result = ?, attempts = attempts + 1, last_error = ? "
            "WHERE mutation_id = ? AND status = 'pending'",
            [
                (outcome.status, json.dumps({**outcome.result, "rows": outcome.rows} if outcome.status == "rejected"
                                            else outcome.result),
                 outcome.reason, outcome.mutation_id)
                for outcome in outcomes
            ],
        )
        for outcome in outcomes:
            if outcome.status == "rejected":
                remove_refused_rows(local, _images_of(local, outcome.mutation_id))
        acknowledged = [outcome.mutation_id for outcome in outcomes]
        still_pending = index.still_pending(local, acknowledged) if index else pending_keys(local)
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for outcome in outcomes:
            for row in outcome.rows:
                latest[(row["kind"], row["id"])] = row
        apply_rows(local, ordered(list(latest.values())), skip=still_pending)
        local.execute("COMMIT")
    except BaseException:
        local.execute("ROLLBACK")
        raise
    finally:
        local.execute("PRAGMA foreign_keys = ON")


def _images_of(local: sqlite3.Connection, mutation_id: str) -> list[dict[str, Any]]:
    row = local.execute("SELECT payload FROM outbox WHERE mutation_id = ?", (mutation_id,)).fetchone()
    return list(json.loads(row[0]).get("rows") or []) if row else []
