"""Reference data and policy through the shared database: loaded once, applied on every machine.

A load (`mash --shared URL persons import FILE`, `mash --shared URL policy publish FILE`) becomes a
numbered batch holding the file's bytes. Every machine applies the batches in number order with
the same loader the command line uses, so all of them end with the same persons, involvements
and policy. A machine applies the batches it has not seen before loading a file of its own, under
the same lock that numbers the batches, so its file lands on top of every earlier one.

The local store's transaction commits only after the shared database has the batch: a load
refused by either leaves both as they were.
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

from mash_tui.domain.roles import SYSTEM_ROLE, Actor
from mash_tui.errors import UserError
from mash_tui.services.context import Context
from mash_tui.store import known_persons
from mash_tui.store.unit_of_work import unit_of_work

if TYPE_CHECKING:
    import psycopg

REFERENCE_LOCK = 0x6D726566
CURSOR_KEY = "reference"
# Policy batches land where a hub's own choices live: `$MASH_HOME/policy.toml` and `rag_rules.toml`.
HOME_FILES = {"policy": "policy.toml", "rag_rules": "rag_rules.toml"}
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


def _deadline_s(size: int) -> float:
    from mash_tui.store.sync import STATEMENT_DEADLINE_S

    return STATEMENT_DEADLINE_S + size / LINK_BYTES_PER_S


def local_cursor(ctx: Context) -> int:
    connection = ctx.store.raw_connection()
    try:
        row = connection.execute("SELECT cursor FROM sync_cursor WHERE scopes = ?", (CURSOR_KEY,)).fetchone()
    finally:
        connection.close()
    return int(row[0]) if row else 0


def _set_cursor(connection: Any, seq: int, now: datetime) -> None:
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


def _loader(kind: str, ctx: Context) -> Callable[..., Any]:
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
    from mash_tui.store.sync import fault_point

    with _unpacked(ctx, batch) as path:
        connection = ctx.store.raw_connection()
        try:
            connection.execute("BEGIN IMMEDIATE")

            def between_chunks(_done: int, _total: int) -> None:
                connection.execute("COMMIT")
                fault_point("between-reference-chunks")
                _let_writers_in()
                connection.execute("BEGIN IMMEDIATE")

            try:
                counts = _loader(batch.kind, ctx)(connection, path, between_chunks)
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
        _set_cursor(uow.session.connection().connection.dbapi_connection, batch.seq, uow.now)
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
        _set_cursor(connection, batch.seq, uow.now)
        uow.audit(f"{batch.kind}.sync", "policy", details={"batch": batch.seq, "file": batch.file_name,
                                                           "uploaded_by": batch.uploaded_by})


def check_policy_text(kind: str, body: bytes, *, where: str, error: type[UserError] = UserError) -> None:
    """Refuse a policy or rules file the app could not start with, naming the key and the reason."""
    from mash_tui.config import PolicyError, load_policy
    from mash_tui.domain.rag import load_rules

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


def _next_batch(connection: psycopg.Connection, client_id: str, after: int) -> ReferenceBatch | None:
    """The next batch this client may receive: its size first, so a large one gets time to arrive."""
    from mash_tui.store.sync import deadline

    with deadline(connection):
        sized = connection.execute(
            "SELECT seq, octet_length(body) FROM pull_reference(%s, %s, 1)", (client_id, after)
        ).fetchone()
    if sized is None:
        return None
    with deadline(connection, _deadline_s(sized[1])):
        row = connection.execute(
            f"SELECT {_BATCH_COLUMNS} FROM pull_reference(%s, %s, 1)", (client_id, after)
        ).fetchone()
    return ReferenceBatch(row[0], row[1], row[2], bytes(row[3]), row[4], row[5], row[6])


def pull_reference(ctx: Context, connection: psycopg.Connection, client_id: str) -> ReferencePull:
    """Apply every batch past this machine's cursor that it may receive, one at a time, in order."""
    from mash_tui.store.sync import deadline

    report = ReferencePull(cursor=local_cursor(ctx))
    while True:
        with connection.transaction():
            with deadline(connection):
                connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                head = connection.execute("SELECT reference_head()").fetchone()[0]
            batch = _next_batch(connection, client_id, report.cursor)
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
        _set_cursor(connection, seq, ctx.clock.now())
        connection.execute("COMMIT")
    finally:
        connection.close()


@dataclass(frozen=True)
class SharedLoad:
    seq: int
    counts: Any
    caught_up: int


def load_and_share(ctx: Context, actor: Actor, kind: str, path: Path, *,
                   on_progress: Callable[[int, int], None] | None = None) -> SharedLoad:
    """Load a reference file here and give it to every machine, all or nothing in both places."""
    import psycopg

    from mash_tui.services.sync import SharedDatabaseUnavailable, connect_shared, first_line
    from mash_tui.store import sync

    if not ctx.shared_url:
        raise UserError("no shared database: give --shared URL or set MASH_SHARED_DB")
    connection = connect_shared(ctx.shared_url)
    try:
        identity = sync.identity_of(ctx.store, actor.username)
        body = path.read_bytes()
        try:
            sync.register(connection, identity)
            connection.autocommit = False
            # Loading a large file here takes a minute with the shared transaction open and idle.
            connection.execute("SET idle_in_transaction_session_timeout = '15min'")
            # Held until the batch commits: loads from two machines take turns and get numbers in order.
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (REFERENCE_LOCK,))
            caught_up = _catch_up(ctx, connection, identity.client_id)
            counts, seq = _load_here_and_there(ctx, actor, kind, path, body, connection, identity.client_id,
                                               on_progress)
        except psycopg.OperationalError as error:
            raise SharedDatabaseUnavailable(
                f"shared database unreachable, nothing was loaded: {first_line(error)}"
            ) from None
    finally:
        connection.close()
    return SharedLoad(seq, counts, caught_up)


def _catch_up(ctx: Context, connection: psycopg.Connection, client_id: str) -> int:
    """Batches other machines loaded first, applied here so this file lands on top of them."""
    applied = 0
    cursor = local_cursor(ctx)
    while True:
        batch = _next_batch(connection, client_id, cursor)
        if batch is None:
            return applied
        apply_batch(ctx, batch)
        cursor = batch.seq
        applied += 1


def _load_here_and_there(ctx: Context, actor: Actor, kind: str, path: Path, body: bytes,
                         connection: psycopg.Connection, client_id: str,
                         on_progress: Callable[[int, int], None] | None) -> tuple[Any, int]:
    from mash_tui.store.sync import deadline

    packed = zlib.compress(body, 6)
    digest = hashlib.sha256(body).hexdigest()
    counts = None
    if kind not in DATA_KINDS:
        check_policy_text(kind, body, where=path.name)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        local = uow.session.connection().connection.dbapi_connection
        if kind in DATA_KINDS:
            counts = _loader(kind, ctx)(local, path, on_progress)
        with deadline(connection, _deadline_s(len(packed))):
            seq = connection.execute("SELECT reference_head() + 1").fetchone()[0]
            connection.execute(
                "INSERT INTO reference_batch (seq, kind, file_name, body, sha256, rows, uploaded_by, client_id) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (seq, kind, path.name, packed, digest, getattr(counts, "rows", None), actor.username, client_id),
            )
            connection.commit()
        if kind not in DATA_KINDS:
            # After the shared commit, before the local one: a crash between re-applies it on the next sync.
            write_home_file(ctx.home, HOME_FILES[kind], body)
        _set_cursor(local, seq, uow.now)
        details = {"file": path.name, "batch": seq, **(asdict(counts) if counts is not None else {})}
        if kind in DATA_KINDS:
            uow.audit(f"{kind}.import", AUDIT_ENTITY[kind], details=details)
        else:
            uow.audit(f"{kind}.publish", "policy", details=details)
    return counts, seq
