"""Bring a local store's schema to the newest migration, in one transaction.

Pending outbox rows are ordinary rows: a migration that fails rolls back whole, so they survive.

Every command opens the store, so the check that nothing is due is one read of `alembic_version`
through plain sqlite3 against `HEAD_REVISION`; Alembic (and SQLAlchemy under it) is imported only
when an upgrade is due. A test holds `HEAD_REVISION` to the head of `migrations/`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from mash_tui.store.db import Store

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# The newest migration in `migrations/versions`; a new migration moves this with it.
HEAD_REVISION = "0007_audit_mac"


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The head as Alembic finds it in the migration scripts (slow: it loads Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(store: Store) -> str | None:
    """The revision the store's schema is at; None for a store no migration has run on."""
    connection = store.raw_connection()
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError as error:
        if "no such table" not in str(error):
            raise
        return None
    finally:
        connection.close()
    return row[0] if row else None


def upgrade_to(store: Store, revision: str) -> None:
    from alembic import command

    config = _config()
    with store.write_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def upgrade_to_head(store: Store) -> None:
    if current_revision(store) != HEAD_REVISION:
        upgrade_to(store, "head")
