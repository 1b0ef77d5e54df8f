"""Pull: the change log brought back from the shared database, as far as this user may see.

Pull reads `seq > cursor` through the server's scope-checked function and writes the rows and the
new cursor in one SQLite transaction. Rows with local edits still waiting are left alone; they
settle when the push is acknowledged, which brings the server's copy back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mash_tui.store.db import Store
from mash_tui.sync.connection import Identity, deadline
from mash_tui.sync.errors import SyncUnavailable
from mash_tui.sync.push import pending_keys
from mash_tui.sync.rows import apply_rows

if TYPE_CHECKING:
    import psycopg

PULL_PAGE = 2000


@dataclass
class PullReport:
    received: int = 0
    written: int = 0
    skipped: int = 0
    cursor: int = 0


def scope_key(scopes: list[str]) -> str:
    return ",".join(sorted(scopes))


def pull(store: Store, connection: psycopg.Connection, identity: Identity, scopes: list[str], *,
         deadline_s: float, page: int = PULL_PAGE) -> PullReport:
    import psycopg

    report = PullReport()
    key = scope_key(scopes)
    local = store.raw_connection()
    try:
        cursor = _cursor(local, key)
        while True:
            try:
                with deadline(connection, deadline_s):
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
