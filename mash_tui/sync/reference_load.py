"""Loading a reference or policy file here and giving it to every machine, all or nothing in both places.

A machine applies the batches it has not seen before loading a file of its own, under the same
lock that numbers the batches, so its file lands on top of every earlier one. The local store's
transaction commits only after the shared database has the batch: a load refused by either
leaves both as they were.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mash_tui.domain.roles import Actor
from mash_tui.errors import UserError
from mash_tui.services.context import Context
from mash_tui.store.unit_of_work import unit_of_work
from mash_tui.sync.connection import connect_shared, deadline, identity_of, register
from mash_tui.sync.errors import SharedDatabaseUnavailable, first_line
from mash_tui.sync.reference import (
    AUDIT_ENTITY,
    DATA_KINDS,
    HOME_FILES,
    apply_batch,
    check_policy_text,
    loader,
    local_cursor,
    next_batch,
    set_cursor,
    transfer_deadline_s,
    write_home_file,
)
from mash_tui.sync.round import NO_SHARED_DATABASE

if TYPE_CHECKING:
    import psycopg

REFERENCE_LOCK = 0x6D726566


@dataclass(frozen=True)
class SharedLoad:
    seq: int
    counts: Any
    caught_up: int


def load_and_share(ctx: Context, actor: Actor, kind: str, path: Path, *,
                   on_progress: Callable[[int, int], None] | None = None) -> SharedLoad:
    """Load a reference file here and give it to every machine, all or nothing in both places."""
    import psycopg

    if not ctx.shared_url:
        raise UserError(NO_SHARED_DATABASE)
    connection = connect_shared(ctx.shared_url, ctx.settings)
    try:
        identity = identity_of(ctx.store, actor.username)
        body = path.read_bytes()
        try:
            register(connection, identity, deadline_s=ctx.settings.sync_deadline_s)
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
        batch = next_batch(connection, client_id, cursor, deadline_s=ctx.settings.sync_deadline_s)
        if batch is None:
            return applied
        apply_batch(ctx, batch)
        cursor = batch.seq
        applied += 1


def _load_here_and_there(ctx: Context, actor: Actor, kind: str, path: Path, body: bytes,
                         connection: psycopg.Connection, client_id: str,
                         on_progress: Callable[[int, int], None] | None) -> tuple[Any, int]:
    packed = zlib.compress(body, 6)
    digest = hashlib.sha256(body).hexdigest()
    counts = None
    if kind not in DATA_KINDS:
        check_policy_text(kind, body, where=path.name)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        local = uow.session.connection().connection.dbapi_connection
        if kind in DATA_KINDS:
            counts = loader(kind, ctx)(local, path, on_progress)
        with deadline(connection, transfer_deadline_s(ctx.settings.sync_deadline_s, len(packed))):
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
        set_cursor(local, seq, uow.now)
        details = {"file": path.name, "batch": seq, **(asdict(counts) if counts is not None else {})}
        if kind in DATA_KINDS:
            uow.audit(f"{kind}.import", AUDIT_ENTITY[kind], details=details)
        else:
            uow.audit(f"{kind}.publish", "policy", details=details)
    return counts, seq
