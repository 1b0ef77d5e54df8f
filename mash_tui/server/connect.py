"""Connecting to the shared database: one URL form for people, the right one for each driver."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mash_tui.errors import UserError

if TYPE_CHECKING:
    import psycopg

NOTIFY_CHANNEL = "mash_changes"
# A network that silently drops packets would leave a socket waiting for ever: the kernel gives up
# on bytes unacknowledged for this long, and keepalives find an idle peer that has gone.
TCP_OPTIONS = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3,
               "tcp_user_timeout": 15_000}
# The server's side of the same: a machine that vanishes mid-push (lid shut, Wi-Fi gone) sends no
# reset, and its session would hold the change-log lock, and so every machine's push, until the
# server's own keepalive gave up hours later. These end such a session within seconds.
IDLE_IN_TRANSACTION_MS = 20_000


def session_options() -> str:
    return (f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS} -c tcp_keepalives_idle=10 "
            "-c tcp_keepalives_interval=3 -c tcp_keepalives_count=3 -c tcp_user_timeout=15000")


def libpq_url(url: str) -> str:
    """`postgresql+psycopg://` (SQLAlchemy's form) and `postgres://` both become libpq's `postgresql://`."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix):]
    if not url.startswith("postgresql://"):
        raise UserError(f"shared database URL {redacted(url)!r}: use postgresql://USER@HOST:PORT/DATABASE")
    return url


_URL_PASSWORD = re.compile(r"(://[^:/?#@\s]*:)[^@/?#\s]*@")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redacted(text: str) -> str:
    """`text` with any password of a database URL or connection string in it blanked out."""
    return _KEYWORD_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


def sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + libpq_url(url)[len("postgresql://"):]


def connect(url: str, *, connect_timeout_s: int, autocommit: bool = False) -> psycopg.Connection:
    """`connect_timeout_s` is the client's (mash_tui.config.Settings.connect_timeout_s): libpq counts whole seconds."""
    import psycopg

    try:
        return psycopg.connect(libpq_url(url), autocommit=autocommit, connect_timeout=connect_timeout_s,
                               options=session_options(), **TCP_OPTIONS)
    except psycopg.ProgrammingError as error:
        # A URL libpq cannot parse; its message quotes the URL, password and all.
        raise UserError(f"shared database URL {redacted(url)!r}: {redacted(str(error))}") from None
