"""Telling the referrer the outcome (DOMAIN.md step 9): the item records when, how and by whom.

Referrers should not have to chase: once the item has an outcome, each time someone tells the
referrer (by phone, then confirmed by letter, say) it is recorded as its own `feedback_given`
event. An anonymous referrer is anonymous to the family, not to the hub, so they are told too.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from mash_tui.domain.codes import FEEDBACK_METHODS
from mash_tui.domain.limits import field_too_long
from mash_tui.domain.roles import Actor
from mash_tui.domain.workflow import OUTCOME_STATES, STATE_LABELS, ItemState
from mash_tui.services.authz import require
from mash_tui.services.context import Context
from mash_tui.services.queue import (
    FEEDBACK_EVENT,
    ItemRefused,
    ItemView,
    _changed,
    _event,
    _item,
    item_view,
)
from mash_tui.store.contacts import latest_contact
from mash_tui.store.unit_of_work import unit_of_work


def record_feedback(ctx: Context, actor: Actor, reference: str, *, how: str, note: str | None = None) -> ItemView:
    """Record that the referrer was told the item's outcome, `how` (phone, email, letter ...)."""
    require(ctx, actor, "feedback.record", subject_ref=reference)
    if how not in FEEDBACK_METHODS:
        raise ItemRefused(f"how {how!r}: use one of {', '.join(FEEDBACK_METHODS)}")
    note = _limited(ctx, note)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        state = ItemState(item.state)
        if state not in OUTCOME_STATES:
            raise ItemRefused(f"{reference} has no outcome yet (it is {STATE_LABELS[state]}): "
                              "tell the referrer once it is decided or closed")
        referrer = _referrer_as_recorded(uow.session, reference)
        _event(uow, item, FEEDBACK_EVENT, how=how, note=note, outcome=item.outcome,
               referrer_name=referrer.get("name"), referrer_organisation=referrer.get("organisation"))
        _changed(uow, item)
        uow.audit("item.feedback", "work_item", item.id, subject_ref=reference,
                  details={"how": how, "note": note, "outcome": item.outcome})
        uow.mutate("record_feedback.v1", {"id": item.id, "reference": reference, "how": how, "note": note,
                                          "seen_version": item.version - 1})
    return item_view(ctx, reference)


def _limited(ctx: Context, note: str | None) -> str | None:
    """A note over the policy's field limit is refused, never cut short."""
    if note is None:
        return None
    note = note.strip()
    limit = ctx.policy.limits.max_field_chars
    if len(note) > limit:
        raise ItemRefused(f"note: {field_too_long(len(note), limit)}")
    return note or None


def _referrer_as_recorded(session: Session, reference: str) -> dict[str, Any]:
    """The referrer as the latest version of the contact names them: who was told."""
    contact = latest_contact(session, reference)
    return dict((contact.record if contact else {}).get("referrer") or {})
