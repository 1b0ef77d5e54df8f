"""Create or migrate the shared database's schema: Alembic, its own environment, safe to run twice."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from mash_tui.server.connect import sqlalchemy_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Two machines running `mash server init` at once take turns instead of racing on CREATE TABLE.
MIGRATION_LOCK = 0x6D617368


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(url: str) -> str | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            exists = connection.execute(text("SELECT to_regclass('alembic_version')")).scalar()
            if exists is None:
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def upgrade_shared(url: str) -> tuple[str | None, str]:
    """Bring the schema to head; returns (revision before, revision after)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                exists = connection.execute(text("SELECT to_regclass('alembic_version')")).scalar()
                before = (
                    connection.execute(text("SELECT version_num FROM alembic_version")).scalar() if exists else None
                )
                connection.commit()
                config = _config()
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                connection.commit()
        return before, head_revision()
    finally:
        engine.dispose()
