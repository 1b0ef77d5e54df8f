"""Reaching the shared database: a connection within the settings' deadlines, and who this machine is to it."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mash_tui.sync.errors import SharedDatabaseUnavailable, first_line

if TYPE_CHECKING:
    import psycopg

    from mash_tui.config import Settings
    from mash_tui.store.db import Store


def connect_shared(url: str, settings: Settings, *, autocommit: bool = True) -> psycopg.Connection:
    """A connection to the shared database at `url`, or SharedDatabaseUnavailable in one line."""
    import psycopg

    from mash_tui.server.connect import connect

    try:
        return connect(url, autocommit=autocommit, connect_timeout_s=settings.connect_timeout_s)
    except psycopg.OperationalError as error:
        raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None


@contextmanager
def deadline(connection: psycopg.Connection, seconds: float) -> Iterator[None]:
    """Give up on a statement the network swallowed: shut the socket so the wait ends in an error."""
    fired = threading.Event()

    def cut() -> None:
        fired.set()
        try:
            probe = socket.socket(fileno=os.dup(connection.fileno()))
            try:
                probe.shutdown(socket.SHUT_RDWR)
            finally:
                probe.close()
        except OSError:
            pass

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


@dataclass(frozen=True)
class Identity:
    client_id: str
    username: str


def identity_of(store: Store, username: str) -> Identity:
    from mash_tui.store.unit_of_work import client_state

    with store.writing() as session:
        state = client_state(session)
        return Identity(state.client_id, username)


def register(connection: psycopg.Connection, identity: Identity, *, deadline_s: float) -> list[str]:
    """Tell the server who syncs; it answers with the scopes that user's role may pull."""
    with deadline(connection, deadline_s):
        row = connection.execute("SELECT register_client(%s, %s)", (identity.client_id, identity.username)).fetchone()
    return sorted(row[0])

