"""What this machine has queued for the shared database: for a command that sends its own changes."""

from __future__ import annotations

from mash_tui.services.context import Context
from mash_tui.store import outbox


def last_queued(ctx: Context) -> int:
    """The outbox number of the last change queued so far; later changes number above it."""
    with ctx.store.reading() as session:
        return outbox.last_client_seq(session)


def waiting_since(ctx: Context, after: int) -> list[str | None]:
    """Who made each change queued after `after` that still waits to be sent (None: not recorded)."""
    with ctx.store.reading() as session:
        return outbox.pending_actors_after(session, after)


def refusals_since(ctx: Context, after: int) -> list[str]:
    """Why the shared database refused each change queued after `after`."""
    with ctx.store.reading() as session:
        return [reason or "no reason given" for reason in outbox.rejections_after(session, after)]
