"""Permission checks below the screens: the app, the CLI and sync all pass through here."""

from __future__ import annotations

from mash_tui.domain.roles import Actor, may
from mash_tui.errors import PermissionRefused
from mash_tui.services.context import Context
from mash_tui.store.unit_of_work import unit_of_work

ACTION_DESCRIPTIONS = {
    "item.decide": "record decisions",
    "item.claim": "claim queue items",
    "user.manage": "manage users",
    "request.send": "send information requests",
    "request.manage": "chase or withdraw information requests",
    "request.view_all": "see an item's information requests",
    "request.view_own": "see a partner agency's requests",
    "request.answer": "answer information requests",
    "discussion.record": "record MASH discussions",
    "chronology.view": "see an item's chronology",
    "feedback.record": "record feedback to referrers",
}


def require(ctx: Context, actor: Actor, action: str, *, subject_ref: str | None = None) -> None:
    """Refuse, and audit the refusal, unless the actor's role may do `action`."""
    if may(actor.role, action):
        return
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        uow.audit("permission.refused", "action", action, subject_ref=subject_ref, details={"action": action})
    what = ACTION_DESCRIPTIONS.get(action, action)
    raise PermissionRefused(f"a user with the role {actor.role} may not {what}")
