"""One round of sync: push this store's waiting changes, then pull what the user may see.

Trust boundary: a client is trusted to push what its user did (the services checked the role
before the mutation was queued). What a client may *read* is decided by the server:
`register_client` derives the scopes from the role in the server's own copy of the users, capped
by what the machine's database login may see (`mash server grant`: a hub login, or a partner
agency's), and the change log is pulled through `pull_changes`, which filters by them. Row-level
security holds a client login to the same cap when it queries the tables directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from mash_tui.domain.roles import Actor
from mash_tui.errors import UserError
from mash_tui.services.context import Context
from mash_tui.store.tables import AppUser
from mash_tui.sync.connection import connect_shared, identity_of, register
from mash_tui.sync.errors import SharedDatabaseUnavailable, SyncUnavailable, first_line
from mash_tui.sync.pull import PullReport, pull
from mash_tui.sync.push import push, witness_head
from mash_tui.sync.reference import ReferencePull, pull_reference

NO_SHARED_DATABASE = "no shared database: give --shared URL or set MASH_SHARED_DB"


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
    witnessed_seq: int = 0

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
            "audit_witnessed_seq": self.witnessed_seq,
        }

    def summary(self) -> str:
        text = (f"pushed {self.sent} (applied {self.applied}, rejected {self.rejected}, conflicts {self.conflicts}); "
                f"pulled {self.received} changes, wrote {self.written}; cursor {self.cursor}")
        if self.reference_applied:
            text += f"; applied {self.reference_applied} reference loads"
        for _mutation_id, reason in self.rejections:
            text += f"\nrefused by the shared database: {reason}"
        return text


def sync_store(ctx: Context, username: str, *, connection: Any = None, push_only: bool = False) -> SyncReport:
    """Push this store's waiting changes, then pull what `username` may see. One round."""
    import psycopg

    if not ctx.shared_url and connection is None:
        raise UserError(NO_SHARED_DATABASE)
    own = connection is None
    connection = connection or connect_shared(ctx.shared_url, ctx.settings)
    deadline_s = ctx.settings.sync_deadline_s
    try:
        identity = identity_of(ctx.store, username)
        try:
            scopes = register(connection, identity, deadline_s=deadline_s)
            pushed = push(ctx.store, connection, identity, deadline_s=deadline_s)
            witnessed = witness_head(ctx.store, connection, identity, deadline_s=deadline_s)
            pulled = PullReport() if push_only else pull(ctx.store, connection, identity, scopes,
                                                         deadline_s=deadline_s)
            reference = ReferencePull() if push_only else pull_reference(ctx, connection, identity.client_id)
        except psycopg.OperationalError as error:
            raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None
        except SyncUnavailable as error:
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
        reference.applied, reference.cursor, witnessed,
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


def witnessed_heads_of(url: str, settings: Any, client_id: str) -> tuple[list[tuple[int, str, Any]], Any]:
    """Every head of this client's audit chain the shared database witnessed, oldest first, and its
    registered audit key (fingerprint, keyed start, when), or None."""
    import psycopg

    from mash_tui.server.audit_chain import registered_key, witnessed_heads

    try:
        connection = connect_shared(url, settings)
    except psycopg.OperationalError as error:
        raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None
    try:
        heads = [(head.seq, head.hash, head.witnessed_at) for head in witnessed_heads(connection, client_id)]
        key = registered_key(connection, client_id)
        return heads, (key.fingerprint, key.keyed_from_seq, key.registered_at) if key else None
    except psycopg.OperationalError as error:
        raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None
    except psycopg.Error as error:
        raise UserError(f"the shared database could not say what it witnessed: {first_line(error)}") from None
    finally:
        connection.close()


def verify_server_trail(url: str, settings: Any) -> Any:
    """`mash server audit-verify`: walk the shared database's own audit chain (owner connection)."""
    import psycopg

    from mash_tui.server.audit_chain import verify_server_chain

    try:
        connection = connect_shared(url, settings)
    except psycopg.OperationalError as error:
        raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None
    try:
        return verify_server_chain(connection)
    except psycopg.errors.InsufficientPrivilege as error:
        raise UserError(f"--url: this database user may not read the whole audit trail ({first_line(error)}); "
                        "connect as the shared database's owner") from None
    except psycopg.OperationalError as error:
        raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None
    finally:
        connection.close()
