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
from mash_tui.paths import resolve_home

if TYPE_CHECKING:
    from mash_tui.services.context import Context


def home_of(args: argparse.Namespace) -> Path:
    return resolve_home(getattr(args, "home", None))


def context_of(args: argparse.Namespace) -> Context:
    from mash_tui.config import PolicyError
    from mash_tui.services.context import open_context

    try:
        return open_context(home_of(args))
    except PolicyError as error:
        raise UserError(str(error)) from None


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


def read_password(prompt: str = "Password: ") -> str:
    from_env = os.environ.get("MASH_PASSWORD")
    if from_env is not None:
        return from_env
    if not sys.stdin.isatty():
        raise UserError("no password: set MASH_PASSWORD or run from a terminal")
    return getpass.getpass(prompt)


def acting_user(args: argparse.Namespace, ctx: Context) -> Actor:
    from mash_tui.services.users import authenticate

    return authenticate(ctx, args.as_user, read_password(f"Password for {args.as_user}: "))
