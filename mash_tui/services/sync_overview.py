"""Sync as one user sees it: what waits, when it last worked, and what the server refused of theirs.

The Sync screen reads `sync_overview`; the app's sync thread asks a `RefusalWatch` after each round
whether one of the user's changes has just been refused, so the user is told once, in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mash_tui.domain.roles import Actor
from mash_tui.services.context import Context
from mash_tui.services.sync import Rejection, SyncState, sync_rejections, sync_status
from mash_tui.services.views import readable_mutation


@dataclass(frozen=True)
class SyncOverview:
    configured: bool
    waiting: int
    last_sync_at: datetime | None
    refusals: list[Rejection]


def sync_overview(ctx: Context, actor: Actor) -> SyncOverview:
    """What the Sync screen shows: this machine's queue of changes and this user's refused ones."""
    status = sync_status(ctx)
    return SyncOverview(status.configured, status.waiting, status.last_sync_at, sync_rejections(ctx, actor))


def refusal_notice(rejection: Rejection, others: int = 0) -> str:
    """`The shared database refused your claim item: C-... is already held by dan`."""
    words = f"The shared database refused your {readable_mutation(rejection.name)}: {rejection.reason}"
    if others:
        words += f" (and {others} more: see the Sync screen, F2)"
    return words


class RefusalWatch:
    """Finds the user's changes the server has refused since sign-in; each is told once.

    Made and asked in the sync thread: it reads the store, and only when the refused count grew.
    """

    def __init__(self, ctx: Context, actor: Actor) -> None:
        self.ctx = ctx
        self.actor = actor
        # Refusals recorded before this session were shown then; they are not news now.
        self._count = sync_status(ctx).rejected
        self._told = {rejection.mutation_id for rejection in sync_rejections(ctx, actor)}

    def news(self, state: SyncState) -> str | None:
        """The notice for the newest refusal of this user not told yet, if the state brought any."""
        grew = state.rejected > self._count
        self._count = state.rejected
        if not grew:
            return None
        fresh = [rejection for rejection in sync_rejections(self.ctx, self.actor)
                 if rejection.mutation_id not in self._told]
        self._told.update(rejection.mutation_id for rejection in fresh)
        if not fresh:
            return None  # another user's change on this machine was refused
        return refusal_notice(fresh[0], others=len(fresh) - 1)
