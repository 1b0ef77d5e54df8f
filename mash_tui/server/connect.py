"""Connecting to the shared database: one URL form for people, the right one for each driver."""

from __future__ import annotations

import os
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
        raise UserError(f"shared database URL {url!r}: use postgresql://USER@HOST:PORT/DATABASE")
    return url


def sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + libpq_url(url)[len("postgresql://"):]


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    import psycopg

    return psycopg.connect(libpq_url(url), autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S)
