"""The shared database as the services see it: what the sync wing fills into the context.

The services never import the sync wing. Where only the shared database can settle something (a
claim's arbitration, "take next" among concurrent takers, a new user hub-wide at once) they ask
`ctx.shared`, which is None when the store works alone and a `SharedLink` once `attach` has seen a
shared database in the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mash_tui.domain.roles import Actor
    from mash_tui.services.context import Context


@dataclass(frozen=True)
class SharedLink:
    """`mash_tui.services.context.SharedDatabase`, through this wing."""

    url: str

    def requested_claims(self, session: Any) -> set[str]:
        from mash_tui.sync.claims import requested_claims

        return requested_claims(session)

    def take_next(self, ctx: Context, actor: Actor) -> str | None:
        from mash_tui.sync.claims import take_next_online
        from mash_tui.sync.errors import SharedDatabaseUnavailable

        try:
            return take_next_online(ctx, actor)
        except SharedDatabaseUnavailable:
            return None

    def send_now(self, ctx: Context, actor: Actor) -> bool:
        from mash_tui.sync.round import push_quietly

        return push_quietly(ctx, actor)


def attach(ctx: Context) -> Context:
    """The context, syncing with the shared database its settings name (if they name one)."""
    url = ctx.settings.shared_url
    ctx.shared = SharedLink(url) if url else None
    return ctx
