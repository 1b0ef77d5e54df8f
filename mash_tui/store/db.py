"""The local SQLite store: one file per machine, opened with the pragmas that make it safe.

WAL lets the UI read while a worker writes; `synchronous=FULL` means a committed unit of work
survives power loss; writes take the lock up front (`BEGIN IMMEDIATE`) so two writers never
deadlock half-way through a transaction.

SQLAlchemy and SQLModel are imported when a session or an engine is first asked for, not when the
store is opened: a command that reads with plain sqlite3 (or only checks the schema's version)
should not pay for loading the ORM, which is most of a short command's time.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from mash_tui.paths import ensure_private_dir

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

STORE_FILENAME = "mash.db"
BUSY_TIMEOUT_MS = 10_000


def _engine(url: str, begin_statement: str) -> Engine:
    from sqlalchemy import create_engine, event

    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # pysqlite's own transaction handling would defer BEGIN; we issue it ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # noqa: ANN001 - SQLAlchemy Connection
        connection.exec_driver_sql(begin_statement)

    return engine


def _private_file(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists():
            os.chmod(candidate, 0o600)


class Store:
    """The local store of one home directory."""

    def __init__(self, home: Path) -> None:
        self.home = ensure_private_dir(home)
        self.path = self.home / STORE_FILENAME
        if not self.path.exists():
            # Created empty with 0600 before SQLite touches it, so it is never world-readable.
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        self._url = f"sqlite:///{self.path}"
        _private_file(self.path)

    @cached_property
    def read_engine(self) -> Engine:
        return _engine(self._url, "BEGIN")

    @cached_property
    def write_engine(self) -> Engine:
        return _engine(self._url, "BEGIN IMMEDIATE")

    @contextmanager
    def reading(self) -> Iterator[Session]:
        from sqlmodel import Session

        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error."""
        from sqlmodel import Session

        with Session(self.write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
        _private_file(self.path)

    def raw_connection(self) -> sqlite3.Connection:
        """A plain sqlite3 connection with the store's pragmas, for bulk loads."""
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def dispose(self) -> None:
        # Only the engines this store made: disposing one never made would load SQLAlchemy to do nothing.
        for name in ("read_engine", "write_engine"):
            engine = self.__dict__.get(name)
            if engine is not None:
                engine.dispose()


def open_store(home: Path, *, migrate: bool = True) -> Store:
    store = Store(home)
    if migrate:
        from mash_tui.store.migrate import upgrade_to_head

        upgrade_to_head(store)
    return store
