"""Conflicts: edits the shared database kept side by side, listed and resolved by a supervisor.

Two edits from the same version: the server keeps its value and records both in `sync_conflict`
(mash_tui.server.apply). A supervisor keeps one of the two; keeping the other machine's puts it in
place as a new version every machine receives.
"""

from __future__ import annotations

import json

from mash_tui.domain.roles import Actor
from mash_tui.errors import UserError
from mash_tui.services.authz import require
from mash_tui.services.context import Context
from mash_tui.services.views import ConflictView
from mash_tui.sync.connection import connect_shared


def list_conflicts(ctx: Context, actor: Actor, *, include_resolved: bool = False) -> list[ConflictView]:
    require(ctx, actor, "conflict.resolve")
    if not ctx.shared_url:
        raise UserError("no shared database: conflicts are kept there (give --shared URL or set MASH_SHARED_DB)")
    connection = connect_shared(ctx.shared_url, ctx.settings)
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
    connection = connect_shared(ctx.shared_url, ctx.settings)
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
