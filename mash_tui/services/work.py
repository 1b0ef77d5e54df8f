""""My work": what a user has in hand, for their home screen."""

from __future__ import annotations

from mash_tui.domain.roles import Actor
from mash_tui.services.context import Context
from mash_tui.services.views import WorkRow


def my_work(ctx: Context, actor: Actor) -> list[WorkRow]:
    return []
