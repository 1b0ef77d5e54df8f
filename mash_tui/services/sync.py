"""Sync as a user sees it: sync now, what is waiting, what the server refused, conflicts to resolve.

Trust boundary: a client is trusted to push what its user did (the services checked the role
before the mutation was queued). What a client may *read* is decided by the server:
`register_client` derives the scopes from the role in the server's own copy of the users, capped
by what the machine's database login may see (`mash server grant`: a hub login, or a partner
agency's), and the change log is pulled through `pull_changes`, which filters by them. Row-level
security holds a client login to the same cap when it queries the tables directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import select

from mash_tui.domain.roles import Actor
from mash_tui.errors import UserError
from mash_tui.services.authz import require
from mash_tui.services.context import Context
from mash_tui.services.views import ConflictView
from mash_tui.store.tables import AppUser, ClientState, OutboxMutation


class SharedDatabaseUnavailable(UserError):
    """The shared database cannot be reached; local work carries on and is sent later."""


@dataclass
class SyncReport:
    username: str
    scopes: list[str]
    sent: int = 0
    applied: int = 0
    rejected: int = 0
    replayed: int = 0
    conflicts: int = 0
    received: int = 0
    written: int = 0
    skipped: int = 0
    cursor: int = 0
    rejections: list[tuple[str, str]] = field(default_factory=list)
    reference_applied: int = 0
    reference_cursor: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "as": self.username,
            "scopes": self.scopes,
            "pushed": {"sent": self.sent, "applied": self.applied, "rejected": self.rejected,
                       "replayed": self.replayed, "conflicts": self.conflicts},
            "pulled": {"received": self.received, "written": self.written, "skipped": self.skipped,
                       "cursor": self.cursor},
            "rejections": [{"mutation_id": mutation_id, "reason": reason} for mutation_id, reason in self.rejections],
            "reference": {"applied": self.reference_applied, "cursor": self.reference_cursor},
        }

    def summary(self) -> str:
        text = (f"pushed {self.sent} (applied {self.applied}, rejected {self.rejected}, conflicts {self.conflicts}); "
                f"pulled {self.received} changes, wrote {self.written}; cursor {self.cursor}")
        if self.reference_applied:
            text += f"; applied {self.reference_applied} reference loads"
        for _mutation_id, reason in self.rejections:
            text += f"\nrefused by the shared database: {reason}"
        return text


def init_shared_database(url: str) -> tuple[str | None, str]:
    import psycopg

    from mash_tui.server.migrate import upgrade_shared

    try:
        return upgrade_shared(url)
    except psycopg.OperationalError as error:
        raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None
    except Exception as error:  # noqa: BLE001 - SQLAlchemy wraps the driver's error
        if isinstance(getattr(error, "orig", None), psycopg.OperationalError):
            raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error.orig)}") from None
        raise


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def connect_shared(url: str, *, autocommit: bool = True):  # noqa: ANN202 - psycopg.Connection
    import psycopg

    from mash_tui.server.connect import connect

    try:
        return connect(url, autocommit=autocommit)
    except psycopg.OperationalError as error:
        raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None


def sync_store(ctx: Context, username: str, *, connection: Any = None, push_only: bool = False) -> SyncReport:
    """Push this store's waiting changes, then pull what `username` may see. One round."""
    import psycopg

    from mash_tui.services.reference_sync import ReferencePull, pull_reference
    from mash_tui.store import sync

    if not ctx.shared_url and connection is None:
        raise UserError("no shared database: give --shared URL or set MASH_SHARED_DB")
    own = connection is None
    connection = connection or connect_shared(ctx.shared_url)
    try:
        identity = sync.identity_of(ctx.store, username)
        try:
            scopes = sync.register(connection, identity)
            pushed = sync.push(ctx.store, connection, identity)
            pulled = sync.PullReport() if push_only else sync.pull(ctx.store, connection, identity, scopes)
            reference = ReferencePull() if push_only else pull_reference(ctx, connection, identity.client_id)
        except psycopg.OperationalError as error:
            raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None
        except sync.SyncUnavailable as error:
            raise SharedDatabaseUnavailable(f"shared database unreachable: {error}") from None
        except psycopg.errors.InsufficientPrivilege as error:
            # Not a network fault to retry: this machine's login has no grant, or another login owns its client id.
            raise UserError(f"the shared database refused this machine's login: {first_line(error)}") from None
    finally:
        if own:
            connection.close()
    return SyncReport(
        username, scopes, pushed.sent, pushed.applied, pushed.rejected, pushed.replayed, pushed.conflicts,
        pulled.received, pulled.written, pulled.skipped, pulled.cursor, pushed.rejections,
        reference.applied, reference.cursor,
    )


def sync_once(ctx: Context, username: str | None, password: str | None, *, fallback: Actor) -> SyncReport:
    """`mash sync --once [--as USER]`: as that user, or as the store's owner (users only).

    A machine that has never synced does not know the user yet: it fetches the users first, as
    its owner, and then signs the user in against what arrived.
    """
    from mash_tui.services.users import authenticate

    if username is None:
        return sync_store(ctx, fallback.username)
    with ctx.store.reading() as session:
        known = session.exec(select(AppUser.id).where(AppUser.username == username)).first() is not None
    if not known:
        sync_store(ctx, fallback.username)
    actor = authenticate(ctx, username, password or "")
    return sync_store(ctx, actor.username)


def push_quietly(ctx: Context, actor: Actor) -> bool:
    """Send waiting changes now if the shared database answers; otherwise they go with the next sync."""
    if not ctx.shared_url:
        return False
    try:
        sync_store(ctx, actor.username, push_only=True)
    except SharedDatabaseUnavailable:
        return False
    return True


@dataclass(frozen=True)
class SyncStatus:
    configured: bool
    waiting: int
    last_sync_at: datetime | None
    rejected: int


def sync_status(ctx: Context) -> SyncStatus:
    with ctx.store.reading() as session:
        waiting = len(session.exec(select(OutboxMutation.mutation_id).where(OutboxMutation.status == "pending")).all())
        rejected = len(session.exec(select(OutboxMutation.mutation_id).where(OutboxMutation.status == "rejected")).all())
        state = session.get(ClientState, 1)
        last = state.last_sync_at if state else None
    return SyncStatus(bool(ctx.shared_url), waiting, last, rejected)


@dataclass(frozen=True)
class Rejection:
    mutation_id: str
    name: str
    reason: str
    client_time: datetime

    def as_json(self) -> dict[str, Any]:
        return {"mutation_id": self.mutation_id, "name": self.name, "reason": self.reason,
                "client_time": self.client_time.isoformat()}


def sync_rejections(ctx: Context, actor: Actor) -> list[Rejection]:
    """What the shared database refused of this user's actions, newest first, with its reason."""
    with ctx.store.reading() as session:
        rows = session.exec(
            select(OutboxMutation).where(OutboxMutation.status == "rejected").order_by(OutboxMutation.client_seq.desc())
        ).all()
    return [
        Rejection(row.mutation_id, row.name, row.last_error or (row.result or {}).get("reason", ""), row.client_time)
        for row in rows
        if (row.payload or {}).get("actor") == actor.username
    ]


def requested_claims(session: Any) -> set[str]:
    """Ids of the items whose claim by this machine still waits for the shared database's answer."""
    from sqlalchemy import text

    rows = session.execute(
        text("SELECT DISTINCT json_extract(payload, '$.id') FROM outbox "
             "WHERE status = 'pending' AND name = 'claim_item.v1'")
    ).all()
    return {str(row[0]) for row in rows if row[0] is not None}


def claim_requested(session: Any, item_id: str) -> bool:
    """True while this machine's claim of the item waits for the shared database's answer."""
    return item_id in requested_claims(session)


def list_conflicts(ctx: Context, actor: Actor, *, include_resolved: bool = False) -> list[ConflictView]:
    require(ctx, actor, "conflict.resolve")
    if not ctx.shared_url:
        raise UserError("no shared database: conflicts are kept there (give --shared URL or set MASH_SHARED_DB)")
    connection = connect_shared(ctx.shared_url)
    try:
        rows = connection.execute(
            "SELECT id, kind, entity_id, author, mutation_name, server_data, client_data, raised_at, resolved_by, "
            "resolution FROM sync_conflict " + ("" if include_resolved else "WHERE resolved_at IS NULL ") +
            "ORDER BY id"
        ).fetchall()
    finally:
        connection.close()
    return [
        ConflictView(row[0], row[1], row[2], row[5].get("reference") or row[6].get("reference"), row[3], row[4],
                     row[5], row[6], row[7], row[8], row[9])
        for row in rows
    ]


def resolve_conflict(ctx: Context, actor: Actor, conflict_id: int, *, keep: str) -> None:
    """Keep the server's value, or put the client's in its place as a new version every machine receives."""
    from mash_tui.server.apply import CHANGE_LOG_LOCK
    from mash_tui.server.connect import NOTIFY_CHANNEL
    from mash_tui.server.kinds import scopes_for

    require(ctx, actor, "conflict.resolve")
    if keep not in ("server", "client"):
        raise UserError("--keep: server or client")
    if not ctx.shared_url:
        raise UserError("no shared database: give --shared URL or set MASH_SHARED_DB")
    connection = connect_shared(ctx.shared_url)
    try:
        with connection.transaction():
            row = connection.execute(
                "SELECT kind, entity_id, client_data, resolved_at FROM sync_conflict WHERE id = %s FOR UPDATE",
                (conflict_id,),
            ).fetchone()
            if row is None:
                raise UserError(f"no conflict #{conflict_id}")
            kind, entity_id, client_data, resolved_at = row
            if resolved_at is not None:
                raise UserError(f"conflict #{conflict_id} is already resolved")
            if keep == "client":
                current = connection.execute(
                    "SELECT version FROM entity WHERE kind = %s AND id = %s FOR UPDATE", (kind, entity_id)
                ).fetchone()
                version = (current[0] if current else 0) + 1
                data = {**client_data, "version": version}
                scopes = scopes_for(kind, data)
                connection.execute("SELECT pg_advisory_xact_lock(%s)", (CHANGE_LOG_LOCK,))
                # The head of the whole log: a client login sees only the rows within its cap.
                seq = connection.execute("SELECT change_log_head() + 1").fetchone()[0]
                connection.execute(
                    "INSERT INTO change_log (seq, kind, entity_id, op, scopes, data) VALUES (%s, %s, %s, 'update', %s, %s)",
                    (seq, kind, entity_id, scopes, json.dumps(data)),
                )
                connection.execute(
                    "INSERT INTO entity (kind, id, version, scopes, data) VALUES (%s, %s, %s, %s, %s) "
                    "ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, data = excluded.data, "
                    "scopes = excluded.scopes, last_client_id = NULL, last_client_version = NULL, updated_at = now()",
                    (kind, entity_id, version, scopes, json.dumps(data)),
                )
                connection.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, str(seq)))
            connection.execute(
                "UPDATE sync_conflict SET resolved_by = %s, resolved_at = now(), resolution = %s WHERE id = %s",
                (actor.username, keep, conflict_id),
            )
            connection.execute(
                "INSERT INTO audit_event (id, client_id, occurred_at, actor, role, action, entity, entity_id, details) "
                "VALUES (%s, 'server', now(), %s, %s, 'conflict.resolve', %s, %s, %s)",
                (f"resolve:{conflict_id}", actor.username, actor.role, kind, entity_id,
                 json.dumps({"conflict": conflict_id, "kept": keep})),
            )
    finally:
        connection.close()


@dataclass(frozen=True)
class SyncState:
    """What the header shows: reachable or not, changes waiting, the last good sync (UTC)."""

    online: bool
    waiting: int
    last_sync_at: datetime | None
    error: str | None = None
    rejected: int = 0
    # Rows this round wrote into the local store from other machines: screens showing lists reload.
    arrived: int = 0


POLL_S = 30.0
LOCAL_POKE_CHECK_S = 0.05
MAX_BACKOFF_S = 30.0


class SyncLoop:
    """Background sync for one signed-in user: on each local change, each NOTIFY, on reconnect, every 30 s.

    `run()` blocks until `stop()`; run it in a worker thread. `on_state` hears every change of state.
    """

    def __init__(self, ctx: Context, username: str, on_state: Any = None, *, poll_s: float = POLL_S) -> None:
        import threading

        self.ctx = ctx
        self.username = username
        self.on_state = on_state or (lambda state: None)
        self.poll_s = poll_s
        self._poked = threading.Event()
        self._stopped = threading.Event()
        self.rounds = 0

    def poke(self, _store: Any = None) -> None:
        self._poked.set()

    def stop(self) -> None:
        self._stopped.set()
        self._poked.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def _local_change(self, store: Any) -> None:
        if store is self.ctx.store:
            self._poked.set()

    def run(self) -> None:
        from mash_tui.store.unit_of_work import mutation_listeners

        mutation_listeners.append(self._local_change)
        try:
            self._run()
        finally:
            mutation_listeners.remove(self._local_change)

    def _report(self, online: bool, error: str | None = None, arrived: int = 0) -> None:
        status = sync_status(self.ctx)
        self.on_state(SyncState(online, status.waiting, status.last_sync_at, error, status.rejected, arrived))

    def _run(self) -> None:
        import time

        from mash_tui.server.connect import NOTIFY_CHANNEL

        backoff = 0.5
        while not self.stopped:
            connection = listener = None
            try:
                connection = connect_shared(self.ctx.shared_url)
                listener = connect_shared(self.ctx.shared_url)
                listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
                backoff = 0.5
                while not self.stopped:
                    self._poked.clear()
                    report = sync_store(self.ctx, self.username, connection=connection)
                    self.rounds += 1
                    self._report(True, arrived=report.written + report.reference_applied)
                    self._wait_for_reason(listener, time.monotonic() + self.poll_s)
            except SharedDatabaseUnavailable as error:
                self._report(False, str(error))
            except Exception as error:  # noqa: BLE001 - a dropped connection surfaces as many driver errors
                self._report(False, first_line(error))
            finally:
                for each in (connection, listener):
                    if each is not None:
                        try:
                            each.close()
                        except Exception:  # noqa: BLE001 - closing a dead connection
                            pass
            # Offline: try again with backoff, at once on a local change.
            self._poked.wait(backoff)
            self._poked.clear()
            backoff = min(backoff * 2, MAX_BACKOFF_S)

    def _wait_for_reason(self, listener: Any, until: float) -> None:
        import time

        while not self.stopped and not self._poked.is_set():
            remaining = until - time.monotonic()
            if remaining <= 0:
                return
            # A NOTIFY is a poke to pull now; a local change is a poke to push now.
            for _notice in listener.notifies(timeout=min(LOCAL_POKE_CHECK_S, remaining), stop_after=1):
                return


def sync_label(state: SyncState) -> str:
    """The header's words for a sync state: online or offline, what waits, when it last worked (London)."""
    from mash_tui.clock import to_local

    parts = ["● online" if state.online else "○ offline"]
    parts.append(f"{state.waiting} waiting" if state.waiting else "all sent")
    if state.rejected:
        parts.append(f"{state.rejected} refused")
    if state.last_sync_at is not None:
        parts.append(f"synced {to_local(state.last_sync_at).strftime('%H:%M')}")
    else:
        parts.append("never synced")
    return " · ".join(parts)
