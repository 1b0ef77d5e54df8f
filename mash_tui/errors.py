"""Errors a user can act on. The CLI prints them as one line and exits 2."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action; the message names the field, line or reason."""


class PermissionRefused(UserError):
    """The user's role may not do this."""
