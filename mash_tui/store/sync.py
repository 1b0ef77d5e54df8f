"""The client's half of sync: push the outbox to the shared database, pull the change log back.

Push sends pending mutations in client order, a batch per PostgreSQL transaction, then marks them
applied or rejected in one SQLite transaction. A crash between the two is harmless: the next push
sends them again and the server answers from its record of what it applied.

Pull reads `seq > cursor` through the server's scope-checked function and writes the rows and the
new cursor in one SQLite transaction. Rows with local edits still waiting are left alone; they
settle when the push is acknowledged, which brings the server's copy back.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mash_tui.server.apply import Mutation, Outcome, apply_batch
from mash_tui.store.db import Store
from mash_tui.store.sync_apply import apply_rows, ordered, remove_refused_rows

if TYPE_CHECKING:
    import psycopg

PUSH_BATCH = 500
PULL_PAGE = 2000
# A blackholed network answers nothing: without a deadline a push would wait for ever.
STATEMENT_DEADLINE_S = float(os.environ.get("MASH_SYNC_DEADLINE_S", "10"))
FAULT_ENV = "MASH_SYNC_FAULT"


def fault_point(name: str) -> None:
    """Crash tests stop the process here, as a power cut would (`MASH_SYNC_FAULT=name`)."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


class SyncUnavailable(Exception):
    """The shared database cannot be reached or dropped the connection; try again later."""


@dataclass
class PushReport:
    sent: int = 0
    applied: int = 0
    rejected: int = 0
    replayed: int = 0
    conflicts: int = 0
    rejections: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class PullReport:
    received: int = 0
    written: int = 0
    skipped: int = 0
    cursor: int = 0


@dataclass(frozen=True)
class Identity:
    client_id: str
    username: str


def identity_of(store: Store, username: str) -> Identity:
    from mash_tui.store.unit_of_work import client_state

    with store.writing() as session:
        state = client_state(session)
        return Identity(state.client_id, username)


@contextmanager
def deadline(connection: psycopg.Connection, seconds: float | None = None) -> Iterator[None]:
    """Give up on a statement the network swallowed: shut the socket so the wait ends in an error."""
    seconds = STATEMENT_DEADLINE_S if seconds is None else seconds
    fired = threading.Event()

    def cut() -> None:
        fired.set()
        try:
            probe = socket.socket(fileno=os.dup(connection.fileno()))
            try:
                probe.shutdown(socket.SHUT_RDWR)
            finally:
                probe.close()
        except OSError:
            pass

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def register(connection: psycopg.Connection, identity: Identity) -> list[str]:
    """Tell the server who syncs; it answers with the scopes that user's role may pull."""
    with deadline(connection):
        row = connection.execute("SELECT register_client(%s, %s)", (identity.client_id, identity.username)).fetchone()
    return sorted(row[0])


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


def push(store: Store, connection: psycopg.Connection, identity: Identity, *, batch_size: int = PUSH_BATCH,
         ) -> PushReport:
    import psycopg

    report = PushReport()
    local = store.raw_connection()
    try:
        index = _PendingIndex(local)
        while True:
            batch = _pending(local, batch_size)
            if not batch:
                return report
            fault_point("before-push")
            try:
                with deadline(connection):
                    outcomes = apply_batch(connection, identity.client_id, batch)
            except (psycopg.OperationalError, psycopg.errors.QueryCanceled) as error:
                _record_failure(local, batch, error)
                raise SyncUnavailable(str(error).strip().splitlines()[0] if str(error).strip() else "connection lost") \
                    from error
            fault_point("after-server-commit")
            _acknowledge(local, outcomes, index)
            fault_point("after-acknowledge")
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


def scope_key(scopes: list[str]) -> str:
    return ",".join(sorted(scopes))


def pull(store: Store, connection: psycopg.Connection, identity: Identity, scopes: list[str], *,
         page: int = PULL_PAGE) -> PullReport:
    import psycopg

    report = PullReport()
    key = scope_key(scopes)
    local = store.raw_connection()
    try:
        cursor = _cursor(local, key)
        while True:
            try:
                with deadline(connection):
                    with connection.transaction():
                        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                        rows = connection.execute(
                            "SELECT seq, kind, entity_id, data FROM pull_changes(%s, %s, %s)",
                            (identity.client_id, cursor, page),
                        ).fetchall()
                        head = connection.execute("SELECT change_log_head()").fetchone()[0]
            except psycopg.OperationalError as error:
                raise SyncUnavailable((str(error).strip().splitlines() or ["connection lost"])[0]) from error
            # A short page means everything up to the head was read, the rows out of scope included.
            new_cursor = rows[-1][0] if len(rows) == page else max(head, cursor)
            written, skipped = _apply_page(local, key, new_cursor, rows)
            report.received += len(rows)
            report.written += written
            report.skipped += skipped
            cursor = new_cursor
            if len(rows) < page:
                report.cursor = cursor
                return report
    finally:
        local.close()


def _cursor(local: sqlite3.Connection, key: str) -> int:
    row = local.execute("SELECT cursor FROM sync_cursor WHERE scopes = ?", (key,)).fetchone()
    return int(row[0]) if row else 0


def _apply_page(local: sqlite3.Connection, key: str, new_cursor: int, rows: list[tuple[Any, ...]]) -> tuple[int, int]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    local.execute("PRAGMA foreign_keys = OFF")
    local.execute("BEGIN IMMEDIATE")
    try:
        skip = pending_keys(local) if rows else set()
        written, skipped = apply_rows(
            local, ({"kind": kind, "id": entity_id, "data": data} for _seq, kind, entity_id, data in rows), skip=skip
        )
        local.execute(
            "INSERT INTO sync_cursor (scopes, cursor, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(scopes) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
            (key, new_cursor, now),
        )
        local.execute("UPDATE client_state SET last_sync_at = ?, pull_cursor = ? WHERE id = 1", (now, new_cursor))
        local.execute("COMMIT")
    except BaseException:
        local.execute("ROLLBACK")
        raise
    finally:
        local.execute("PRAGMA foreign_keys = ON")
    return written, skipped


def wait_for_poke(connection: psycopg.Connection, timeout: float) -> bool:
    """Block until a NOTIFY arrives on a LISTENing connection (True) or `timeout` passes (False)."""
    deadline_at = time.monotonic() + timeout
    for _notice in connection.notifies(timeout=max(0.0, deadline_at - time.monotonic()), stop_after=1):
        return True
    return False
