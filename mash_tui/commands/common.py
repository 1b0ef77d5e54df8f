"""What command modules share: opening the home, and acting as a user or as the store's owner."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mash_tui.domain.roles import SYSTEM_ROLE, Actor
from mash_tui.errors import UserError

if TYPE_CHECKING:
    from mash_tui.config import Settings
    from mash_tui.services.context import Context


def settings_of(args: argparse.Namespace) -> Settings:
    """This run's settings, built once by `mash_tui.cli.main` from the command line and the environment."""
    return args.settings


def home_of(args: argparse.Namespace) -> Path:
    return settings_of(args).home


# Contexts this run opened with a shared database, and the last outbox number each held then.
_SHARED_CONTEXTS: list[tuple[Context, int]] = []


def context_of(args: argparse.Namespace) -> Context:
    from mash_tui.config import PolicyError
    from mash_tui.domain.rag import RulesError
    from mash_tui.services.context import open_context
    from mash_tui.sync.link import attach

    try:
        ctx = attach(open_context(settings_of(args)))
    except (PolicyError, RulesError) as error:
        raise UserError(str(error)) from None
    if ctx.shared_url:
        from mash_tui.services.outbox import last_queued

        _SHARED_CONTEXTS.append((ctx, last_queued(ctx)))
    return ctx


def send_what_this_run_queued() -> tuple[list[str], int]:
    """With a shared database, send what this command queued before it exits, as the app would.

    A command is one short process with no sync running behind it: without this, a claim made
    from the command line would wait, requested, until someone synced. Returns the shared
    database's refusals of this run's changes, and how many changes still wait (it did not answer).
    """
    from mash_tui.sync.errors import SharedDatabaseUnavailable
    from mash_tui.sync.round import sync_store
    from mash_tui.services.outbox import refusals_since, waiting_since

    refusals: list[str] = []
    waiting = 0
    for ctx, before in _SHARED_CONTEXTS:
        queued = waiting_since(ctx, before)
        if not queued:
            continue
        try:
            sync_store(ctx, queued[0] or store_owner().username, push_only=True)
        except SharedDatabaseUnavailable:
            waiting += len(queued)
            continue
        refusals += refusals_since(ctx, before)
    _SHARED_CONTEXTS.clear()
    return refusals, waiting


def store_owner() -> Actor:
    """Reference-data loads are audited under the operating-system user who owns the store."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = f"uid-{os.getuid()}"
    return Actor(username=f"os:{name}", role=SYSTEM_ROLE, display_name=name)


def add_acting_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="as_user",
        required=True,
        metavar="USER",
        help="act as this user (password from $MASH_PASSWORD or a prompt)",
    )


def read_password(args: argparse.Namespace, prompt: str = "Password: ") -> str:
    from_env = settings_of(args).password_text()
    if from_env is not None:
        return from_env
    if not sys.stdin.isatty():
        raise UserError("no password: set MASH_PASSWORD or run from a terminal")
    return getpass.getpass(prompt)


def acting_user(args: argparse.Namespace, ctx: Context) -> Actor:
    from mash_tui.services.users import authenticate

    return authenticate(ctx, args.as_user, read_password(args, f"Password for {args.as_user}: "))
