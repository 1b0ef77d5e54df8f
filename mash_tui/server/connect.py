"""Connecting to the shared database: one URL form for people, the right one for each driver."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from mash_tui.errors import UserError

if TYPE_CHECKING:
    import psycopg

# libpq counts whole seconds and treats anything under 2 as 2.
CONNECT_TIMEOUT_S = max(2, int(float(os.environ.get("MASH_SYNC_DEADLINE_S", "5"))))
NOTIFY_CHANNEL = "mash_changes"


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


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    import psycopg

    try:
        return psycopg.connect(libpq_url(url), autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.ProgrammingError as error:
        # A URL libpq cannot parse; its message quotes the URL, password and all.
        raise UserError(f"shared database URL {redacted(url)!r}: {redacted(str(error))}") from None
