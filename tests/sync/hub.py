"""Test helpers: machines (local stores) around one shared database, and the case work they do."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import psycopg

from mash_tui.clock import Clock
from mash_tui.config import Settings
from mash_tui.domain.roles import Actor
from mash_tui.services.context import Context, open_context
from mash_tui.sync.link import attach
from tests.conftest import OWNER, PASSWORD, TEST_USERS
from tests.unit.contact_records import minimal_record

ACTORS = {username: Actor(username, role, agency, display) for username, role, agency, display in TEST_USERS}


def machine(root: Path, name: str, url: str, clock: Clock, *, deadline_s: float | None = None) -> Context:
    """A machine's context, syncing with `url`; `deadline_s` shortens its sync deadline."""
    deadline = {} if deadline_s is None else {"sync_deadline_s": deadline_s}
    return attach(open_context(Settings(home=root / name, shared_url=url, **deadline), clock=clock))


class _OnceHasher:
    """Hashes the tests' one password once: argon2 is slow on purpose, and every test seeds five users."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.hashes: dict[str, str] = {}

    def hash(self, password: str) -> str:
        if password not in self.hashes:
            self.hashes[password] = self.real.hash(password)
        return self.hashes[password]

    def verify(self, password_hash: str, password: str) -> bool:
        return self.real.verify(password_hash, password)


def seed_users(ctx: Context) -> None:
    """Every test user, added on this machine and sent to the shared database in one push."""
    from mash_tui.services import users
    from mash_tui.sync.round import sync_store

    if not isinstance(users._hasher, _OnceHasher):
        users._hasher = _OnceHasher(users._hasher)
    shared, ctx.shared = ctx.shared, None
    try:
        for username, role, agency, display in TEST_USERS:
            users.add_user(ctx, OWNER, username=username, role=role, agency=agency, password=PASSWORD,
                           display_name=display)
    finally:
        ctx.shared = shared
    sync_store(ctx, OWNER.username, push_only=True)


def amber_form(last_name: str = "Fenwick") -> dict[str, Any]:
    record = minimal_record()
    record["concerns"]["categories"] = ["16A"]
    record["children"] = [{"first_name": "Ada", "last_name": last_name, "dob": "2019-03-02"}]
    return record


def escalated_item(ctx: Context, last_name: str = "Fenwick") -> str:
    from mash_tui.services import contacts, queue

    officer = ACTORS["olivia"]
    draft = contacts.start_draft(ctx, officer, amber_form(last_name))
    reference = contacts.submit_draft(ctx, officer, draft.id).reference
    queue.escalate(ctx, officer, reference)
    return reference


def sync(ctx: Context, username: str):  # noqa: ANN201 - SyncReport
    from mash_tui.sync.round import sync_store

    return sync_store(ctx, username)


REPLICATED = ("app_user", "contact_draft", "contact", "work_item", "rating", "decision", "item_clock", "breach",
              "item_event", "match_decision")
LOCAL_ONLY_COLUMNS = {"app_user": {"failed_attempts", "locked_until"}}


def local_rows(ctx: Context, kind: str) -> dict[str, dict[str, Any]]:
    connection = sqlite3.connect(ctx.store.path)
    connection.row_factory = sqlite3.Row
    try:
        rows = connection.execute(f"SELECT * FROM {kind}").fetchall()
    finally:
        connection.close()
    return {row["id"]: {key: _decoded(row[key]) for key in row.keys() if key not in LOCAL_ONLY_COLUMNS.get(kind, ())}
            for row in rows}


def _decoded(value: Any) -> Any:
    """JSON columns compared by value: the shared database keeps JSON without its key order."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        return json.loads(value)
    return value


def server_rows(url: str, kind: str, scopes: list[str] | None = None) -> dict[str, dict[str, Any]]:
    with psycopg.connect(url) as connection:
        if scopes is None:
            rows = connection.execute("SELECT id, data FROM entity WHERE kind = %s", (kind,)).fetchall()
        else:
            rows = connection.execute(
                "SELECT id, data FROM entity WHERE kind = %s AND scopes && %s", (kind, scopes)).fetchall()
    return {entity_id: data for entity_id, data in rows}


def server_value(url: str, sql: str, *params: Any) -> Any:
    with psycopg.connect(url) as connection:
        return connection.execute(sql, params).fetchone()[0]


def outbox_statuses(ctx: Context) -> dict[str, str]:
    connection = sqlite3.connect(ctx.store.path)
    try:
        return dict(connection.execute("SELECT mutation_id, status FROM outbox").fetchall())
    finally:
        connection.close()
