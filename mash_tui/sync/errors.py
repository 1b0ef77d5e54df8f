"""How sync fails: the shared database out of reach, said in one line."""

from __future__ import annotations

from mash_tui.errors import UserError


class SharedDatabaseUnavailable(UserError):
    """The shared database cannot be reached; local work carries on and is sent later."""


class SyncUnavailable(Exception):
    """The shared database cannot be reached or dropped the connection; try again later."""


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
