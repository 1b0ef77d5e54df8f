"""Sync as one user sees it: what waits, when it last worked, and what the server refused of theirs.

The Sync screen reads `sync_overview`; the header shows `sync_label` of the loop's last `SyncState`;
the app's sync thread asks a `RefusalWatch` after each round whether one of the user's changes has
just been refused, so the user is told once, in words. All of it is read from the local store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import select

from mash_tui.domain.roles import Actor
from mash_tui.services.context import Context
from mash_tui.services.views import readable_mutation
from mash_tui.store.tables import ClientState, OutboxMutation


@dataclass(frozen=True)
class SyncStatus:
    configured: bool
    waiting: int
    last_sync_at: datetime | None
    rejected: int


def sync_status(ctx: Context) -> SyncStatus:
    with ctx.store.reading() as session:
        waiting = len(session.exec(select(OutboxMutation.mutation_id).where(OutboxMutation.status == "pending")).all())
        rejected = len(session.exec(select(OutboxMutation.mutation_id).where(OutboxMutation.status == "rejected")).all())
        state = session.get(ClientState, 1)
        last = state.last_sync_at if state else None
    return SyncStatus(bool(ctx.shared_url), waiting, last, rejected)


@dataclass(frozen=True)
class Rejection:
    mutation_id: str
    name: str
    reason: str
    client_time: datetime

    def as_json(self) -> dict[str, Any]:
        return {"mutation_id": self.mutation_id, "name": self.name, "reason": self.reason,
                "client_time": self.client_time.isoformat()}


def sync_rejections(ctx: Context, actor: Actor) -> list[Rejection]:
    """What the shared database refused of this user's actions, newest first, with its reason."""
    with ctx.store.reading() as session:
        rows = session.exec(
            select(OutboxMutation).where(OutboxMutation.status == "rejected").order_by(OutboxMutation.client_seq.desc())
        ).all()
    return [
        Rejection(row.mutation_id, row.name, row.last_error or (row.result or {}).get("reason", ""), row.client_time)
        for row in rows
        if (row.payload or {}).get("actor") == actor.username
    ]


@dataclass(frozen=True)
class SyncState:
    """What the header shows: reachable or not, changes waiting, the last good sync (UTC)."""

    online: bool
    waiting: int
    last_sync_at: datetime | None
    error: str | None = None
    rejected: int = 0
    # Rows this round wrote into the local store from other machines: screens showing lists reload.
    arrived: int = 0


def sync_label(state: SyncState) -> str:
    """The header's words for a sync state: online or offline, what waits, when it last worked (London)."""
    from mash_tui.clock import to_local

    parts = ["● online" if state.online else "○ offline"]
    parts.append(f"{state.waiting} waiting" if state.waiting else "all sent")
    if state.rejected:
        parts.append(f"{state.rejected} refused")
    if state.last_sync_at is not None:
        parts.append(f"synced {to_local(state.last_sync_at).strftime('%H:%M')}")
    else:
        parts.append("never synced")
    return " · ".join(parts)


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
