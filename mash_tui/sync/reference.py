"""Reference data and policy through the shared database: batches fetched and applied on this machine.

A load (`mash --shared URL persons import FILE`, `mash --shared URL policy publish FILE`) becomes a
numbered batch holding the file's bytes (`reference_load`). Every machine applies the batches in
number order with the same loader the command line uses, so all of them end with the same
persons, involvements and policy.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mash_tui.config import POLICY_FILE, RULES_FILE
from mash_tui.domain.roles import SYSTEM_ROLE, Actor
from mash_tui.errors import UserError
from mash_tui.services.context import Context
from mash_tui.store import known_persons
from mash_tui.store.unit_of_work import unit_of_work
from mash_tui.sync import faults
from mash_tui.sync.connection import deadline

if TYPE_CHECKING:
    import psycopg

CURSOR_KEY = "reference"
# Policy batches land where a hub's own choices live: `$MASH_HOME/policy.toml` and `rag_rules.toml`.
HOME_FILES = {"policy": POLICY_FILE, "rag_rules": RULES_FILE}
DATA_KINDS = ("persons", "involvements")
AUDIT_ENTITY = {"persons": "known_person", "involvements": "involvement"}
SYNC_ACTOR = Actor(username="sync", role=SYSTEM_ROLE, display_name="shared database")
# Bytes a slow link moves in a second, for the deadline of a large upload or download.
LINK_BYTES_PER_S = 1_000_000
WRITERS_WINDOW_S = 0.05


class ReferenceApplyError(UserError):
    """A batch from the shared database that this machine cannot apply; nothing of it was kept."""


@dataclass(frozen=True)
class ReferenceBatch:
    seq: int
    kind: str
    file_name: str
    body: bytes
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


@dataclass
class ReferencePull:
    received: int = 0
    applied: int = 0
    cursor: int = 0


def transfer_deadline_s(statement_s: float, size: int) -> float:
    """A statement's deadline, and time for `size` bytes to cross a slow link."""
    return statement_s + size / LINK_BYTES_PER_S


def local_cursor(ctx: Context) -> int:
    connection = ctx.store.raw_connection()
    try:
        row = connection.execute("SELECT cursor FROM sync_cursor WHERE scopes = ?", (CURSOR_KEY,)).fetchone()
    finally:
        connection.close()
    return int(row[0]) if row else 0


def set_cursor(connection: Any, seq: int, now: datetime) -> None:
    connection.execute(
        "INSERT INTO sync_cursor (scopes, cursor, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(scopes) DO UPDATE SET cursor = max(cursor, excluded.cursor), updated_at = excluded.updated_at",
        (CURSOR_KEY, seq, now.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")),
    )


def _body(batch: ReferenceBatch) -> bytes:
    """The file as it was loaded, or ReferenceApplyError if what arrived is not that file."""
    body = zlib.decompress(batch.body)
    if hashlib.sha256(body).hexdigest() != batch.sha256:
        raise ReferenceApplyError(f"reference batch {batch.seq} ({batch.file_name}) arrived damaged")
    return body


@contextmanager
def _unpacked(ctx: Context, batch: ReferenceBatch) -> Iterator[Path]:
    """The batch's file, written beside the store (not in a shared temp directory: it names children)."""
    body = _body(batch)
    handle, name = tempfile.mkstemp(prefix=".reference-", suffix=".csv", dir=ctx.home)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def loader(kind: str, ctx: Context) -> Callable[..., Any]:
    limit = ctx.policy.limits.max_field_chars
    load = known_persons.load_persons if kind == "persons" else known_persons.load_involvements
    return lambda connection, path, on_progress: load(connection, path, max_field_chars=limit,
                                                      on_progress=on_progress)


def _let_writers_in() -> None:
    """A moment between chunks for the desk's own writes (an autosave) that wait on the store's lock."""
    time.sleep(WRITERS_WINDOW_S)


def _apply_data(ctx: Context, batch: ReferenceBatch) -> None:
    """Apply a persons or involvements file in chunks, each its own transaction.

    A million persons take most of a minute to load, and one transaction would hold the store's
    write lock all that time: an officer's autosave would give up. Between chunks the lock is let
    go. A crash part-way leaves the cursor where it was, so the whole file is applied again; that
    is safe, because a person's row and a person's involvements are each replaced whole.
    """
    with _unpacked(ctx, batch) as path:
        connection = ctx.store.raw_connection()
        try:
            connection.execute("BEGIN IMMEDIATE")

            def between_chunks(_done: int, _total: int) -> None:
                connection.execute("COMMIT")
                faults.fault_point("between-reference-chunks")
                _let_writers_in()
                connection.execute("BEGIN IMMEDIATE")

            try:
                counts = loader(batch.kind, ctx)(connection, path, between_chunks)
            except known_persons.ReferenceDataError as error:
                raise ReferenceApplyError(
                    f"reference batch {batch.seq} ({batch.file_name}) cannot be applied here: {error}"
                ) from None
            connection.execute("COMMIT")
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            connection.close()
    with unit_of_work(ctx.store, SYNC_ACTOR, ctx.clock) as uow:
        set_cursor(uow.session.connection().connection.dbapi_connection, batch.seq, uow.now)
        uow.audit(f"{batch.kind}.sync", AUDIT_ENTITY[batch.kind],
                  details={"batch": batch.seq, "file": batch.file_name, "uploaded_by": batch.uploaded_by,
                           **asdict(counts)})


def write_home_file(home: Path, name: str, body: bytes) -> None:
    """Replace `home/name` whole or not at all: a reader never sees half a policy."""
    handle, temporary = tempfile.mkstemp(prefix=f".{name}-", dir=home)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, home / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _apply_policy(ctx: Context, batch: ReferenceBatch) -> None:
    body = _body(batch)
    check_policy_text(batch.kind, body, where=f"reference batch {batch.seq} ({batch.file_name})",
                      error=ReferenceApplyError)
    write_home_file(ctx.home, HOME_FILES[batch.kind], body)
    with unit_of_work(ctx.store, SYNC_ACTOR, ctx.clock) as uow:
        connection = uow.session.connection().connection.dbapi_connection
        set_cursor(connection, batch.seq, uow.now)
        uow.audit(f"{batch.kind}.sync", "policy", details={"batch": batch.seq, "file": batch.file_name,
                                                           "uploaded_by": batch.uploaded_by})


def check_policy_text(kind: str, body: bytes, *, where: str, error: type[UserError] = UserError) -> None:
    """Refuse a policy or rules file the app could not start with, naming the key and the reason."""
    from mash_tui.config import PolicyError, load_policy, load_rules

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / HOME_FILES[kind]
        path.write_bytes(body)
        try:
            if kind == "policy":
                load_policy(Path(scratch))
            else:
                load_rules(path)
        except (PolicyError, ValueError) as problem:
            detail = str(problem).removeprefix(f"{path}: ")
            raise error(f"{where}: {detail}") from None


def apply_batch(ctx: Context, batch: ReferenceBatch) -> None:
    if batch.kind in DATA_KINDS:
        _apply_data(ctx, batch)
    else:
        _apply_policy(ctx, batch)


_BATCH_COLUMNS = "seq, kind, file_name, body, sha256, uploaded_by, uploaded_at"


def next_batch(connection: psycopg.Connection, client_id: str, after: int, *,
               deadline_s: float) -> ReferenceBatch | None:
    """The next batch this client may receive: its size first, so a large one gets time to arrive."""
    with deadline(connection, deadline_s):
        sized = connection.execute(
            "SELECT seq, octet_length(body) FROM pull_reference(%s, %s, 1)", (client_id, after)
        ).fetchone()
    if sized is None:
        return None
    with deadline(connection, transfer_deadline_s(deadline_s, sized[1])):
        row = connection.execute(
            f"SELECT {_BATCH_COLUMNS} FROM pull_reference(%s, %s, 1)", (client_id, after)
        ).fetchone()
    return ReferenceBatch(row[0], row[1], row[2], bytes(row[3]), row[4], row[5], row[6])


def pull_reference(ctx: Context, connection: psycopg.Connection, client_id: str) -> ReferencePull:
    """Apply every batch past this machine's cursor that it may receive, one at a time, in order."""
    deadline_s = ctx.settings.sync_deadline_s
    report = ReferencePull(cursor=local_cursor(ctx))
    while True:
        with connection.transaction():
            with deadline(connection, deadline_s):
                connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                head = connection.execute("SELECT reference_head()").fetchone()[0]
            batch = next_batch(connection, client_id, report.cursor, deadline_s=deadline_s)
        if batch is None:
            # Batches this user may not receive (persons, for a partner) are passed over.
            if head > report.cursor:
                _skip_to(ctx, head)
                report.cursor = head
            return report
        report.received += 1
        apply_batch(ctx, batch)
        report.applied += 1
        report.cursor = batch.seq


def _skip_to(ctx: Context, seq: int) -> None:
    connection = ctx.store.raw_connection()
    try:
        connection.execute("BEGIN IMMEDIATE")
        set_cursor(connection, seq, ctx.clock.now())
        connection.execute("COMMIT")
    finally:
        connection.close()
