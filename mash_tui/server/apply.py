"""Applying a client's batch of mutations to the shared database: exactly once, in one transaction.

The client's row is locked first, so two pushes from one machine take turns. A mutation already in
`applied_mutation` is answered from there: a push repeated after a lost acknowledgement changes
nothing. A business refusal (a claim someone else won) is recorded as the mutation's terminal
outcome; it never holds up the mutations behind it. Every change appends to the change log under
an advisory lock, so sequence numbers become visible in the order they were given out.

The push runs as the machine's own database login. Row-level security lets a partner agency's
login see and write only its agency's rows, so the next sequence number comes from
`change_log_head()` (which sees every row), and a row outside what the login may write is refused
here as a business outcome before the database would refuse the whole batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mash_tui.server.connect import NOTIFY_CHANNEL
from mash_tui.server.kinds import INSERT_ONLY_KINDS, SET_ONCE_FIELDS, is_versioned, kind_rank, scopes_for

if TYPE_CHECKING:
    import psycopg

CHANGE_LOG_LOCK = 0x6D736C67
CLAIMABLE_STATES = frozenset({"escalated"})


@dataclass(frozen=True)
class Mutation:
    mutation_id: str
    client_seq: int
    name: str
    payload: dict[str, Any]

    @property
    def actor(self) -> str:
        return str(self.payload.get("actor") or "")

    @property
    def images(self) -> list[dict[str, Any]]:
        return sorted(self.payload.get("rows") or [], key=lambda image: kind_rank(image["kind"]))


@dataclass
class Outcome:
    mutation_id: str
    status: str
    reason: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    # The server's current copy of each mutable row the mutation touched, for the client to keep.
    rows: list[dict[str, Any]] = field(default_factory=list)
    replayed: bool = False


@dataclass
class _Entity:
    version: int
    data: dict[str, Any]
    scopes: list[str]
    last_client_id: str | None = None
    last_client_version: int | None = None


class _Refused(Exception):
    pass


@dataclass
class _Batch:
    client_id: str
    now: datetime
    entities: dict[tuple[str, str], _Entity | None]
    usernames: dict[str, str]
    # What this login may write; None for a login the server does not cap (the owner, an administrator).
    write_scopes: frozenset[str] | None = None
    # The hub's active administrators: once there is one, only they add or change users.
    admins: set[str] = field(default_factory=set)
    dirty: dict[tuple[str, str], _Entity] = field(default_factory=dict)
    changes: list[tuple[str, str, str, list[str], dict[str, Any], str]] = field(default_factory=list)
    conflicts: list[tuple[str, str, dict[str, Any], dict[str, Any], str, str, str]] = field(default_factory=list)


def apply_batch(connection: psycopg.Connection, client_id: str, mutations: list[Mutation]) -> list[Outcome]:
    """Apply `mutations` (in client order) in one transaction; one outcome per mutation, same order."""
    with connection.transaction():
        cursor = connection.cursor()
        cursor.execute("SELECT 1 FROM sync_client WHERE client_id = %s FOR UPDATE", (client_id,))
        if cursor.fetchone() is None:
            raise LookupError(f"client {client_id} is not registered")
        ids = [mutation.mutation_id for mutation in mutations]
        cursor.execute(
            "SELECT mutation_id, status, reason, result FROM applied_mutation WHERE mutation_id = ANY(%s)", (ids,)
        )
        done = {row[0]: Outcome(row[0], row[1], row[2], row[3] or {}, replayed=True) for row in cursor.fetchall()}
        batch = _load(cursor, client_id, mutations)
        outcomes: list[Outcome] = []
        recorded: list[tuple[Any, ...]] = []
        audits: list[tuple[Any, ...]] = []
        for mutation in mutations:
            if mutation.mutation_id in done:
                outcomes.append(done[mutation.mutation_id])
                continue
            outcome = _apply_one(batch, mutation)
            done[mutation.mutation_id] = outcome
            outcomes.append(outcome)
            recorded.append((mutation.mutation_id, client_id, mutation.client_seq, mutation.name, mutation.actor,
                             outcome.status, json.dumps(outcome.result), outcome.reason))
            audits.extend(_audit_rows(client_id, mutation, outcome, batch.now))
        _write(cursor, batch, recorded, audits, mutations)
        for mutation, outcome in zip(mutations, outcomes, strict=True):
            outcome.rows = _current_rows(batch, mutation)
        return outcomes


def _load(cursor: psycopg.Cursor, client_id: str, mutations: list[Mutation]) -> _Batch:
    keys = sorted({(image["kind"], str(image["id"])) for mutation in mutations for image in mutation.images})
    entities: dict[tuple[str, str], _Entity | None] = dict.fromkeys(keys)
    if keys:
        # Locked in one order (kind, id) so two batches touching the same rows cannot deadlock.
        cursor.execute(
            "SELECT e.kind, e.id, e.version, e.data, e.scopes, e.last_client_id, e.last_client_version "
            "FROM entity e JOIN unnest(%s::text[], %s::text[]) AS k(kind, id) ON e.kind = k.kind AND e.id = k.id "
            "ORDER BY e.kind, e.id FOR UPDATE OF e",
            ([key[0] for key in keys], [key[1] for key in keys]),
        )
        for kind, entity_id, version, data, scopes, last_client, last_version in cursor.fetchall():
            entities[(kind, entity_id)] = _Entity(version, data, list(scopes), last_client, last_version)
    new_names = sorted({
        image["data"].get("username")
        for mutation in mutations for image in mutation.images
        if image["kind"] == "app_user" and image["data"].get("username")
    })
    usernames: dict[str, str] = {}
    if new_names:
        cursor.execute(
            "SELECT data->>'username', id FROM entity WHERE kind = 'app_user' AND data->>'username' = ANY(%s)",
            (new_names,),
        )
        usernames = dict(cursor.fetchall())
    admins: set[str] = set()
    if any(image["kind"] == "app_user" for mutation in mutations for image in mutation.images):
        cursor.execute(
            "SELECT data->>'username' FROM entity WHERE kind = 'app_user' AND data->>'role' = 'admin' "
            "AND coalesce((data->>'active')::boolean, true)"
        )
        admins = {row[0] for row in cursor.fetchall()}
    cursor.execute("SELECT now(), login_write_scopes()")
    now, write_scopes = cursor.fetchone()
    return _Batch(client_id, now, entities, usernames,
                  None if write_scopes is None else frozenset(write_scopes), admins)


def _apply_one(batch: _Batch, mutation: Mutation) -> Outcome:
    try:
        _check(batch, mutation)
    except _Refused as refused:
        return Outcome(mutation.mutation_id, "rejected", str(refused), {"reason": str(refused)})
    conflicts = 0
    for image in mutation.images:
        conflicts += _apply_image(batch, mutation, image)
    result: dict[str, Any] = {}
    if conflicts:
        result["conflicts"] = conflicts
    return Outcome(mutation.mutation_id, "applied", None, result)


def _check(batch: _Batch, mutation: Mutation) -> None:
    """Business rules the server arbitrates; a refusal leaves the shared database untouched."""
    _check_writable(batch, mutation)
    for image in mutation.images:
        if image["kind"] == "app_user":
            if batch.admins and mutation.actor not in batch.admins:
                # The store's owner sets a new hub up; after that a user is an administrator's act.
                raise _Refused(f"only an administrator may add or change users ({mutation.actor} is not one)")
            name = image["data"].get("username")
            holder = batch.usernames.get(name)
            if holder is not None and holder != str(image["id"]):
                raise _Refused(f"user name {name!r} is already taken")
    if mutation.name == "claim_item.v1":
        for image in mutation.images:
            if image["kind"] != "work_item":
                continue
            current = batch.entities.get((image["kind"], str(image["id"])))
            if current is None:
                continue
            holder = current.data.get("claimed_by")
            reference = current.data.get("reference", image["id"])
            if holder and holder != mutation.actor:
                raise _Refused(f"{reference} is already held by {holder}")
            if current.data.get("state") not in CLAIMABLE_STATES and holder != mutation.actor:
                raise _Refused(f"{reference} can no longer be claimed (it is {current.data.get('state')})")


def _check_writable(batch: _Batch, mutation: Mutation) -> None:
    """A row outside the login's cap would fail row-level security and with it the whole batch."""
    if batch.write_scopes is None:
        return
    for image in mutation.images:
        kind = image["kind"]
        current = batch.entities.get((kind, str(image["id"])))
        wanted = [scopes_for(kind, image["data"]), *([current.scopes] if current is not None else [])]
        if any(batch.write_scopes.isdisjoint(scopes) for scopes in wanted):
            raise _Refused(f"this machine's database login may not write {kind} rows")


def _apply_image(batch: _Batch, mutation: Mutation, image: dict[str, Any]) -> int:
    kind, entity_id, data = image["kind"], str(image["id"]), dict(image["data"])
    key = (kind, entity_id)
    current = batch.entities.get(key)
    if current is None:
        _put(batch, mutation, key, _Entity(int(data.get("version") or 1), data, scopes_for(kind, data),
                                           batch.client_id, data.get("version")), "insert")
        if kind == "app_user":
            batch.usernames[data.get("username")] = entity_id
            if data.get("role") == "admin" and data.get("active", True):
                batch.admins.add(str(data.get("username")))
        return 0
    if kind in INSERT_ONLY_KINDS:
        return 0
    if kind in SET_ONCE_FIELDS:
        merged = dict(current.data)
        for name in SET_ONCE_FIELDS[kind]:
            if merged.get(name) is None and data.get(name) is not None:
                merged[name] = data[name]
        if merged != current.data:
            _put(batch, mutation, key, _Entity(current.version + 1, merged, current.scopes), "update")
        return 0
    if not is_versioned(kind, data):
        # Unversioned and mutable (a user's details): the server's order decides, last write wins.
        if data != current.data:
            _put(batch, mutation, key, _Entity(current.version + 1, data, scopes_for(kind, data)), "update")
        return 0
    base = image.get("base_version")
    own_last_write = current.last_client_id == batch.client_id and current.last_client_version == base
    if base is not None and (base == current.version or own_last_write):
        if mutation.name == "claim_item.v1" and kind == "work_item":
            # The server's clock stamps the claim.
            data["claimed_at"] = _iso(batch.now)
        client_version = data.get("version")
        data["version"] = current.version + 1
        _put(batch, mutation, key, _Entity(current.version + 1, data, scopes_for(kind, data),
                                           batch.client_id, client_version), "update")
        return 0
    if mutation.name == "claim_item.v1" and kind == "work_item":
        # The item moved on (re-rated, say) but is still free: the claim applies to what the server holds.
        merged = {**current.data, "state": data.get("state"), "claimed_by": mutation.actor,
                  "claimed_at": _iso(batch.now), "updated_at": _iso(batch.now), "version": current.version + 1}
        _put(batch, mutation, key, _Entity(current.version + 1, merged, current.scopes,
                                           batch.client_id, data.get("version")), "update")
        return 0
    if _same_values(current.data, data):
        return 0
    # Two edits from the same version: the server keeps its value and both are shown to a supervisor.
    batch.conflicts.append((kind, entity_id, current.data, data, mutation.mutation_id, mutation.name,
                            mutation.actor))
    return 1


def _same_values(server: dict[str, Any], client: dict[str, Any]) -> bool:
    ignored = {"version", "updated_at"}
    return {k: v for k, v in server.items() if k not in ignored} == {k: v for k, v in client.items() if k not in ignored}


def _put(batch: _Batch, mutation: Mutation, key: tuple[str, str], entity: _Entity, op: str) -> None:
    batch.entities[key] = entity
    batch.dirty[key] = entity
    batch.changes.append((key[0], key[1], op, entity.scopes, entity.data, mutation.mutation_id))


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


def _audit_rows(client_id: str, mutation: Mutation, outcome: Outcome, now: datetime) -> list[tuple[Any, ...]]:
    if outcome.status == "rejected":
        # The refused action did not happen: the shared trail records the refusal, not the action.
        return [(f"rejected:{mutation.mutation_id}", client_id, None, mutation.mutation_id, now, mutation.actor,
                 str(mutation.payload.get("role") or ""), "sync.rejected", "mutation", mutation.mutation_id, None,
                 json.dumps({"mutation": mutation.name, "reason": outcome.reason}), None, None)]
    rows = []
    for event in mutation.payload.get("audit") or []:
        rows.append((event["id"], client_id, event.get("seq"), mutation.mutation_id, event["occurred_at"],
                     event["actor"], event["role"], event["action"], event["entity"], event.get("entity_id"),
                     event.get("subject_ref"), json.dumps(event.get("details") or {}), event.get("prev_hash"),
                     event.get("hash")))
    return rows


def _copy(cursor: psycopg.Cursor, statement: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY is several times faster than row-by-row inserts for a batch of hundreds."""
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _stage(cursor: psycopg.Cursor, table: str, columns: str, rows: list[tuple[Any, ...]]) -> str:
    """COPY `rows` into this session's temporary twin of `table`; returns the twin's name.

    PostgreSQL refuses COPY FROM into a table under row-level security, so rows go through a
    temporary table (which no policy governs) and reach the real one in one INSERT ... SELECT.
    """
    staging = f"{table}_staging"
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    _copy(cursor, f"COPY {staging} ({columns}) FROM STDIN", rows)
    return staging


def _insert_staged(cursor: psycopg.Cursor, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    staging = _stage(cursor, table, columns, rows)
    cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging}")


def _write(cursor: psycopg.Cursor, batch: _Batch, recorded: list[tuple[Any, ...]], audits: list[tuple[Any, ...]],
           mutations: list[Mutation]) -> None:
    if batch.changes:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (CHANGE_LOG_LOCK,))
        # Not max(seq) on the table: under row-level security a partner's login sees only its rows.
        cursor.execute("SELECT change_log_head()")
        first = cursor.fetchone()[0] + 1
        _insert_staged(cursor, "change_log", "seq, kind, entity_id, op, scopes, data, mutation_id",
                       [(first + offset, kind, entity_id, op, scopes, json.dumps(data), mutation_id)
                        for offset, (kind, entity_id, op, scopes, data, mutation_id) in enumerate(batch.changes)])
        staging = _stage(cursor, "entity", "kind, id, version, scopes, data, last_client_id, last_client_version",
                         [(kind, entity_id, entity.version, entity.scopes, json.dumps(entity.data),
                           entity.last_client_id, entity.last_client_version)
                          for (kind, entity_id), entity in batch.dirty.items()])
        cursor.execute(
            "INSERT INTO entity (kind, id, version, scopes, data, last_client_id, last_client_version, updated_at) "
            f"SELECT kind, id, version, scopes, data, last_client_id, last_client_version, now() FROM {staging} "
            "ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, scopes = excluded.scopes, "
            "data = excluded.data, last_client_id = excluded.last_client_id, "
            "last_client_version = excluded.last_client_version, updated_at = now()"
        )
        cursor.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, str(first + len(batch.changes) - 1)))
    if batch.conflicts:
        # Through the server's function: a partner's login has no privileges on sync_conflict itself.
        cursor.executemany(
            "SELECT record_sync_conflict(%s, %s, %s::jsonb, %s::jsonb, %s, %s, %s)",
            [(kind, entity_id, json.dumps(server), json.dumps(client), mutation_id, name, author)
             for kind, entity_id, server, client, mutation_id, name, author in batch.conflicts],
        )
    if recorded:
        _insert_staged(cursor, "applied_mutation",
                       "mutation_id, client_id, client_seq, name, actor, status, result, reason", recorded)
    if audits:
        # New mutations only reach here, so their audit events are new too: no conflict to guard against.
        # audit_event has no row-level security (clients may only insert), so COPY goes straight in.
        _copy(cursor, "COPY audit_event (id, client_id, client_audit_seq, mutation_id, occurred_at, actor, role, "
                      "action, entity, entity_id, subject_ref, details, prev_hash, hash) FROM STDIN", audits)
    if mutations:
        cursor.execute(
            "UPDATE sync_client SET last_client_seq = greatest(last_client_seq, %s), seen_at = now() "
            "WHERE client_id = %s",
            (max(mutation.client_seq for mutation in mutations), batch.client_id),
        )


def _current_rows(batch: _Batch, mutation: Mutation) -> list[dict[str, Any]]:
    rows = []
    for image in mutation.images:
        if image["kind"] in INSERT_ONLY_KINDS:
            continue
        current = batch.entities.get((image["kind"], str(image["id"])))
        if current is not None:
            rows.append({"kind": image["kind"], "id": str(image["id"]), "data": current.data})
    return rows
