"""Writing rows that came from the shared database into the local store, inside the caller's transaction.

The shared database is the truth: a row arrives as the server holds it. Insert-only kinds are
inserted when absent (the local triggers forbid changing them); mutable kinds are upserted.
Foreign keys are not checked here: a partner legitimately holds an agency's request without the
queue item it points to, which that role never receives.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from mash_tui.server.kinds import INSERT_ONLY_KINDS, kind_rank
from mash_tui.store.sync_rows import LOCAL_ONLY_FIELDS
from mash_tui.store.types import UTCDateTime


@cache
def _tables() -> dict[str, Any]:
    from sqlmodel import SQLModel

    import mash_tui.store.casework  # noqa: F401 - registers the tables
    import mash_tui.store.tables  # noqa: F401

    try:
        import mash_tui.store.requests  # noqa: F401
    except ImportError:
        pass
    return dict(SQLModel.metadata.tables)


class _KindWriter:
    def __init__(self, kind: str, table: Any) -> None:
        self.kind = kind
        self.columns = [column for column in table.columns]
        self.names = [column.name for column in self.columns]
        self.kept_local = LOCAL_ONLY_FIELDS.get(kind, frozenset())
        names = ", ".join(f'"{name}"' for name in self.names)
        marks = ", ".join("?" for _ in self.names)
        if kind in INSERT_ONLY_KINDS:
            self.sql = f'INSERT OR IGNORE INTO "{kind}" ({names}) VALUES ({marks})'
        else:
            updates = ", ".join(f'"{name}" = excluded."{name}"' for name in self.names
                                if name != "id" and name not in self.kept_local)
            self.sql = f'INSERT INTO "{kind}" ({names}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}'

    def values(self, data: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(self._value(column, data) for column in self.columns)

    def _value(self, column: Any, data: dict[str, Any]) -> Any:
        name = column.name
        if name not in data:
            return _default(column)
        value = data[name]
        if value is None:
            return None
        if isinstance(column.type, UTCDateTime):
            return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        if column.type.__class__.__name__ == "JSON":
            return json.dumps(value)
        if isinstance(value, bool):
            return int(value)
        return value


def _default(column: Any) -> Any:
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg
    python_type = None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        pass
    if column.nullable:
        return None
    return {int: 0, bool: 0, str: "", float: 0.0}.get(python_type)


@cache
def _writer(kind: str) -> _KindWriter | None:
    table = _tables().get(kind)
    if table is None:
        return None
    return _KindWriter(kind, table)


def apply_rows(connection: sqlite3.Connection, rows: Iterable[dict[str, Any]], *,
               skip: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset()) -> tuple[int, int]:
    """Write server rows ({kind, id, data}) in order; returns (written, skipped).

    Rows in `skip` have local edits still waiting to be sent: they settle when those are acknowledged.
    A kind this version of the app does not know yet is skipped.
    """
    written = skipped = 0
    contacts: list[dict[str, Any]] = []
    for row in rows:
        kind = row["kind"]
        if (kind, str(row["id"])) in skip:
            skipped += 1
            continue
        writer = _writer(kind)
        if writer is None:
            skipped += 1
            continue
        try:
            cursor = connection.execute(writer.sql, writer.values(row["data"]))
        except sqlite3.IntegrityError:
            # A local row still holds a unique value (a user name taken offline) the server gave to
            # another row; it settles when the local mutation's rejection comes back.
            skipped += 1
            continue
        written += 1
        if kind == "contact" and cursor.rowcount:
            contacts.append(row["data"])
    for data in contacts:
        _index_people(connection, data)
    return written, skipped


def _index_people(connection: sqlite3.Connection, data: dict[str, Any]) -> None:
    from mash_tui.store.known_persons import index_contact_people

    record = data.get("record") or {}
    people = [{"role": "child", **child} for child in record.get("children") or []]
    people += [{"role": "adult", **adult} for adult in record.get("adults") or []]
    index_contact_people(connection, data["reference"], people)


def ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: kind_rank(row["kind"]))


def remove_refused_rows(connection: sqlite3.Connection, images: list[dict[str, Any]]) -> None:
    """Take back the rows a refused mutation created locally, where the store allows it.

    Insert-only kinds refuse deletion (their trigger aborts the statement): those stay, as the
    record of what was attempted here.
    """
    for image in images:
        if image.get("base_version") is not None or image["kind"] in INSERT_ONLY_KINDS - {"item_event"}:
            continue
        if _writer(image["kind"]) is None:
            continue
        try:
            connection.execute(f'DELETE FROM "{image["kind"]}" WHERE id = ?', (str(image["id"]),))
        except sqlite3.DatabaseError:
            pass
