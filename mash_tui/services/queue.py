"""The front door after capture: escalate or close, then claim, decide, re-rate and step up."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from mash_tui.domain.codes import CLOSING_OUTCOMES, DECISION_OUTCOMES, FLAGS, RagLevel
from mash_tui.domain.contact import Contact, validate_contact
from mash_tui.domain.rag import recommend
from mash_tui.domain.roles import Actor
from mash_tui.domain.routing import repeat_contact_finding
from mash_tui.domain.workflow import (
    HELD_STATES,
    OPEN_STATES,
    RAG_CLOCKS,
    ItemAction,
    ItemState,
    TransitionRefused,
    decision_meets_rag_clock,
    officer_may_close,
    state_after,
)
from mash_tui.errors import UserError
from mash_tui.services.authz import require
from mash_tui.services.checks import confirmed_matches, routing_from
from mash_tui.services.clocks import (
    ClockView,
    clocks_of_items,
    live_clocks,
    meet_clocks,
    start_clock,
    supersede_clocks,
)
from mash_tui.services.context import Context
from mash_tui.services.views import FeedbackView, ItemView, RecommendationView
from mash_tui.store.casework import ContactDraft, ContactRecord, Decision, ItemEvent, Rating, WorkItem
from mash_tui.store.contacts import latest_contact, received_at
from mash_tui.store.items import events_of_item, events_of_kind, item_by_reference, items_in_states
from mash_tui.store.match_decisions import references_deciding_on
from mash_tui.store.unit_of_work import UnitOfWork, unit_of_work


class ItemRefused(UserError):
    """An action the item's state or holder does not allow; the message says why."""


def _view(item: WorkItem, clocks: list[ClockView] | None = None, requested: set[str] | None = None,
          feedback: list[FeedbackView] | None = None) -> ItemView:
    return ItemView(
        item.id, item.reference, item.state, item.rag, item.children, item.claimed_by, item.claimed_at,
        item.outcome, item.immediate_danger, item.version, item.created_at, item.updated_at, item.rag_rated_at,
        clocks or [], claim_requested=item.claimed_by is not None and item.id in (requested or ()),
        feedback=feedback or [],
    )


FEEDBACK_EVENT = "feedback_given"


def feedback_of_items(session: Session, item_ids: list[str]) -> dict[str, list[FeedbackView]]:
    """Each item's feedback to its referrer, oldest first, read from its `feedback_given` events."""
    result: dict[str, list[FeedbackView]] = {item_id: [] for item_id in item_ids}
    for event in events_of_kind(session, item_ids, FEEDBACK_EVENT):
        result[event.item_id].append(FeedbackView(str(event.details.get("how")), event.occurred_at, event.actor,
                                                  event.details.get("note")))
    return result


def _requested_claims(ctx: Context, session: Session) -> set[str]:
    """Items whose claim here waits for the server; without a shared database a claim applies at once."""
    return ctx.shared.requested_claims(session) if ctx.shared is not None else set()


def _item(session: Session, reference: str) -> WorkItem:
    item = item_by_reference(session, reference)
    if item is None:
        raise ItemRefused(f"no queue item with reference {reference!r}")
    return item


def _latest_contact(session: Session, reference: str) -> ContactRecord:
    row = latest_contact(session, reference)
    if row is None:
        raise ItemRefused(f"no submitted contact with reference {reference!r}")
    return row


def _event(uow: UnitOfWork, item: WorkItem, kind: str, **details: Any) -> None:
    uow.add(ItemEvent(item_id=item.id, kind=kind, actor=uow.actor.username, occurred_at=uow.now, details=details))


def _changed(uow: UnitOfWork, item: WorkItem) -> None:
    item.version += 1
    item.updated_at = uow.now
    uow.add(item)


def _transition(item: WorkItem, action: ItemAction, outcome: str | None = None) -> ItemState:
    try:
        return state_after(ItemState(item.state), action, outcome)
    except TransitionRefused as refused:
        raise ItemRefused(str(refused)) from None


def _earlier_contact_times(session: Session, reference: str) -> list[datetime]:
    """Received times of other contacts about the same people, through the officer's confirmed matches."""
    linked = confirmed_matches(session, reference)
    references = {candidate.split(":")[1] for candidate in linked if candidate.startswith("contact:")}
    # Contacts that confirmed the same case-system person are about the same child too.
    people = {candidate for candidate in linked if not candidate.startswith("contact:")}
    if people:
        others = references_deciding_on(session, people)
        references |= {ref for ref, decision in others if decision == "confirmed"}
    references.discard(reference)
    times = []
    for other in references:
        received = received_at(session, other)
        if received is not None:
            times.append(received)
    return times


def recommendation_for(ctx: Context, actor: Actor, reference: str) -> RecommendationView:
    require(ctx, actor, "contact.view", subject_ref=reference)
    with ctx.store.reading() as session:
        row = _latest_contact(session, reference)
        contact = validate_contact(row.record)
        earlier = _earlier_contact_times(session, reference)
        people = confirmed_matches(session, reference)
    view = _recommendation(ctx, reference, contact, earlier)
    proposal = routing_from(ctx, people, contact.received_at)
    if proposal is None:
        return view
    return replace(view, routing_worker=proposal.worker, routing_reason=proposal.reason)


def _recommendation(ctx: Context, reference: str, contact: Contact, earlier: list[datetime]) -> RecommendationView:
    repeat_reason = repeat_contact_finding(earlier, contact.received_at, ctx.policy.repeat_contacts)
    result = recommend(contact, ctx.rules, non_mobile_under_months=ctx.policy.rag.non_mobile_under_months,
                       repeat_contact=repeat_reason is not None)
    reasons = list(result.reasons)
    if result.raised_for_repeat and repeat_reason:
        reasons.append(f"Raised one level: repeat contact ({repeat_reason})")
    return RecommendationView(reference, result.rag.value, list(result.rules), reasons, list(result.flags),
                              repeat_reason, officer_may_close(result.rag))


def raise_immediate_danger(ctx: Context, actor: Actor, draft_id: str, children: str) -> ItemView:
    """A child in danger now: RED at the top of the queue at once, before the form is finished."""
    require(ctx, actor, "contact.escalate")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        draft = uow.session.get(ContactDraft, draft_id)
        if draft is None or draft.author != actor.username:
            raise ItemRefused("no such draft of yours")
        existing = item_by_reference(uow.session, draft.reference)
        if existing is not None:
            return _view(existing)
        item = WorkItem(reference=draft.reference, draft_id=draft.id, state=ItemState.ESCALATED, rag="RED",
                        rag_rated_at=uow.now, children=children, immediate_danger=True,
                        note="Immediate danger: caller advised to ring 999", created_at=uow.now, updated_at=uow.now)
        uow.add(item)
        uow.session.flush()
        uow.add(Rating(item_id=item.id, rag="RED", kind="immediate_danger", reason="Immediate danger reported",
                       rated_by=actor.username, rated_at=uow.now))
        start_clock(uow, ctx, item, "red", uow.now)
        start_clock(uow, ctx, item, "decision", uow.now)
        _event(uow, item, "immediate_danger")
        uow.audit("item.immediate_danger", "work_item", item.id, subject_ref=item.reference)
        uow.mutate("raise_immediate_danger.v1", {"id": item.id, "reference": item.reference})
    return _view(item)


def _open_item_for_contact(uow: UnitOfWork, ctx: Context, reference: str, state: ItemState, note: str | None,
                           ) -> tuple[WorkItem, ContactRecord, RecommendationView, Contact]:
    contact_row = _latest_contact(uow.session, reference)
    contact = validate_contact(contact_row.record)
    recommendation = _recommendation(ctx, reference, contact, _earlier_contact_times(uow.session, reference))
    item = item_by_reference(uow.session, reference)
    if item is not None and not item.immediate_danger:
        raise ItemRefused(f"{reference} has already left the officer's hands (it is {item.state})")
    rag = RagLevel(recommendation.rag)
    if item is None:
        item = WorkItem(reference=reference, contact_id=contact_row.id, state=state, rag=rag.value,
                        rag_rated_at=uow.now if rag is not RagLevel.NONE else None, children=contact_row.children,
                        note=note, immediate_danger=contact.concerns.immediate_danger,
                        created_at=uow.now, updated_at=uow.now)
        uow.add(item)
        uow.session.flush()
        start_clock(uow, ctx, item, "decision", contact.received_at)
        if rag in RAG_CLOCKS and state is ItemState.ESCALATED:
            start_clock(uow, ctx, item, RAG_CLOCKS[rag], uow.now)
    else:
        # The immediate-danger item already in the queue stays RED; the contact now backs it.
        item.contact_id = contact_row.id
        item.children = contact_row.children
        item.note = note or item.note
        item.state = state
        rag = max(rag, RagLevel(item.rag))
        item.rag = rag.value
        _changed(uow, item)
    uow.add(Rating(item_id=item.id, rag=rag.value, kind="recommendation", reason="; ".join(recommendation.reasons),
                   rated_by=uow.actor.username, rated_at=uow.now))
    referrer = contact.referrer
    if contact.channel == "phone" and referrer.source and _is_professional(referrer.source):
        start_clock(uow, ctx, item, "confirmation", contact.received_at)
    if "lado_referral" in recommendation.flags:
        start_clock(uow, ctx, item, "lado", uow.now)
    return item, contact_row, recommendation, contact


def _is_professional(source: str) -> bool:
    from mash_tui.domain.codes import is_professional_source

    return is_professional_source(source)


def escalate(ctx: Context, actor: Actor, reference: str, note: str | None = None) -> ItemView:
    require(ctx, actor, "contact.escalate", subject_ref=reference)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item, _, recommendation, _ = _open_item_for_contact(uow, ctx, reference, ItemState.ESCALATED, note)
        _event(uow, item, "escalated", note=note, rag=item.rag)
        uow.audit("contact.escalate", "work_item", item.id, subject_ref=reference,
                  details={"rag": item.rag, "rules": recommendation.rules, "note": note})
        uow.mutate("escalate.v1", {"id": item.id, "reference": reference, "rag": item.rag, "note": note})
    return item_view(ctx, reference)


def close_contact(ctx: Context, actor: Actor, reference: str, outcome: str, reason: str) -> ItemView:
    """Close with advice or no further action: only where no rule reaches GREEN."""
    require(ctx, actor, "contact.close", subject_ref=reference)
    if outcome not in CLOSING_OUTCOMES:
        raise ItemRefused(f"outcome {outcome!r}: an officer closes with {' or '.join(CLOSING_OUTCOMES)}")
    if not reason or not reason.strip():
        raise ItemRefused("reason: say why the contact is closed")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item, _, recommendation, _ = _open_item_for_contact(uow, ctx, reference, ItemState.CLOSED, None)
        if not recommendation.officer_may_close or item.immediate_danger:
            raise ItemRefused(f"{reference} is rated {recommendation.rag}: it must be escalated, not closed")
        item.outcome = outcome
        _changed(uow, item)
        uow.add(Decision(item_id=item.id, rag=item.rag, outcome=outcome, flags=[], reason=reason,
                         decided_by=actor.username, decided_at=uow.now))
        meet_clocks(uow, item.id)
        _event(uow, item, "closed", outcome=outcome, reason=reason)
        uow.audit("contact.close", "work_item", item.id, subject_ref=reference,
                  details={"outcome": outcome, "reason": reason})
        uow.mutate("close_contact.v1", {"id": item.id, "reference": reference, "outcome": outcome, "reason": reason})
    return item_view(ctx, reference)


def pass_to_allocated_worker(ctx: Context, actor: Actor, reference: str, worker: str, reason: str) -> ItemView:
    """An open case (or closed within the window) goes to the worker who knows the child; it keeps a clock."""
    require(ctx, actor, "contact.escalate", subject_ref=reference)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item, _, _, _ = _open_item_for_contact(uow, ctx, reference, ItemState.PASSED_TO_ALLOCATED_WORKER, reason)
        item.outcome = "pass_to_allocated_worker"
        _changed(uow, item)
        _event(uow, item, "passed_to_allocated_worker", worker=worker, reason=reason)
        uow.audit("contact.pass_to_allocated_worker", "work_item", item.id, subject_ref=reference,
                  details={"worker": worker, "reason": reason})
        uow.mutate("pass_to_allocated_worker.v1", {"id": item.id, "reference": reference, "worker": worker})
    return item_view(ctx, reference)


def _held_by_actor(item: WorkItem, actor: Actor) -> None:
    if item.claimed_by != actor.username:
        holder = f"it is held by {item.claimed_by}" if item.claimed_by else "nobody has claimed it"
        raise ItemRefused(f"{item.reference}: claim it first ({holder})")


def claim(ctx: Context, actor: Actor, reference: str) -> ItemView:
    require(ctx, actor, "item.claim", subject_ref=reference)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        if item.claimed_by and item.claimed_by != actor.username:
            raise ItemRefused(f"{reference} is already held by {item.claimed_by}")
        _claim(uow, item)
    return item_view(ctx, reference)


def _claim(uow: UnitOfWork, item: WorkItem) -> None:
    item.state = _transition(item, ItemAction.CLAIM)
    item.claimed_by = uow.actor.username
    item.claimed_at = uow.now
    _changed(uow, item)
    _event(uow, item, "claimed")
    uow.audit("item.claim", "work_item", item.id, subject_ref=item.reference)
    uow.mutate("claim_item.v1", {"id": item.id, "reference": item.reference, "seen_version": item.version - 1})


def _claim_accepted(ctx: Context, uow: UnitOfWork, item: WorkItem) -> None:
    """With a shared database a claim made here is only requested until the server accepts it."""
    if ctx.shared is None:
        return
    if item.id in ctx.shared.requested_claims(uow.session):
        raise ItemRefused(f"{item.reference}: your claim is requested, not yet accepted; decide once it is")


def _urgency_key(item: WorkItem, due: dict[str, datetime]) -> tuple:
    rag_rank = RagLevel(item.rag).rank
    return (-rag_rank, due.get(item.id) or datetime.max.replace(tzinfo=item.created_at.tzinfo), item.created_at)


def waiting_in_urgency_order(session: Session) -> list[WorkItem]:
    """Unclaimed escalated items, the one to take next first: RED first, then the least time left."""
    waiting = items_in_states(session, [ItemState.ESCALATED])
    due = _next_due(session, [item.id for item in waiting])
    return sorted(waiting, key=lambda candidate: _urgency_key(candidate, due))


def claim_next(ctx: Context, actor: Actor) -> ItemView:
    """Take the most urgent unclaimed item: RED first, then the least time left.

    Online, the shared database picks among the items no one else is taking at this moment, so
    two decision makers pressing "take next" together get two items. Offline, this machine picks,
    and the claim is requested until the shared database answers.
    """
    require(ctx, actor, "item.claim")
    if ctx.shared is not None:
        taken = ctx.shared.take_next(ctx, actor)
        if taken is not None:
            return item_view(ctx, taken)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        waiting = waiting_in_urgency_order(uow.session)
        if not waiting:
            raise ItemRefused("the queue is empty: nothing to take")
        item = waiting[0]
        _claim(uow, item)
        reference = item.reference
    return item_view(ctx, reference)


def _next_due(session: Session, item_ids: list[str]) -> dict[str, datetime]:
    due: dict[str, datetime] = {}
    for item_id, clocks in clocks_of_items(session, item_ids).items():
        live = [clock.due_at for clock in clocks if clock.met_at is None]
        if live:
            due[item_id] = min(live)
    return due


def release(ctx: Context, actor: Actor, reference: str) -> ItemView:
    require(ctx, actor, "item.release", subject_ref=reference)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        check = _transition(item, ItemAction.RELEASE)
        _held_by_actor(item, actor)
        item.state = check
        item.claimed_by = None
        item.claimed_at = None
        _changed(uow, item)
        _event(uow, item, "released")
        uow.audit("item.release", "work_item", item.id, subject_ref=reference)
        uow.mutate("release_item.v1", {"id": item.id, "reference": reference, "seen_version": item.version - 1})
    return item_view(ctx, reference)


def reassign(ctx: Context, actor: Actor, reference: str, to_user: str) -> ItemView:
    require(ctx, actor, "item.reassign", subject_ref=reference)
    from mash_tui.store.users import user_by_name

    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        target = user_by_name(uow.session, to_user)
        if target is None or target.role != "decision_maker":
            raise ItemRefused(f"{to_user!r} is not a decision maker")
        item = _item(uow.session, reference)
        item.state = _transition(item, ItemAction.REASSIGN)
        previous = item.claimed_by
        item.claimed_by = to_user
        item.claimed_at = uow.now
        _changed(uow, item)
        _event(uow, item, "reassigned", previous=previous, to=to_user)
        uow.audit("item.reassign", "work_item", item.id, subject_ref=reference,
                  details={"from": previous, "to": to_user})
        uow.mutate("reassign_item.v1", {"id": item.id, "reference": reference, "to": to_user})
    return item_view(ctx, reference)


def decision_makers(ctx: Context, actor: Actor) -> list[tuple[str, str]]:
    """Who an item can be reassigned to: (username, display name) of each active decision maker."""
    require(ctx, actor, "item.reassign")
    from mash_tui.services.users import list_users

    return [(user.username, user.display_name) for user in list_users(ctx)
            if user.role == "decision_maker" and user.active]


def _check_rag(rag: str) -> RagLevel:
    try:
        level = RagLevel(rag)
    except ValueError:
        level = RagLevel.NONE
    if level is RagLevel.NONE:
        raise ItemRefused(f"rag {rag!r}: use RED, AMBER or GREEN")
    return level


def _rerate(uow: UnitOfWork, ctx: Context, item: WorkItem, level: RagLevel, reason: str | None, kind: str) -> None:
    if level.value == item.rag:
        uow.add(Rating(item_id=item.id, rag=level.value, kind="confirmed", reason=reason,
                       rated_by=uow.actor.username, rated_at=uow.now))
        return
    if not reason or not reason.strip():
        raise ItemRefused(f"reason: changing the rating from {item.rag} to {level.value} needs a reason")
    uow.add(Rating(item_id=item.id, rag=level.value, kind=kind, reason=reason,
                   rated_by=uow.actor.username, rated_at=uow.now))
    # A re-rating restarts the RAG clock from this moment.
    supersede_clocks(uow, item.id, *RAG_CLOCKS.values())
    start_clock(uow, ctx, item, RAG_CLOCKS[level], uow.now)
    _event(uow, item, "rerated", previous=item.rag, rag=level.value, reason=reason)
    uow.audit("item.rerate", "work_item", item.id, subject_ref=item.reference,
              details={"from": item.rag, "to": level.value, "reason": reason})
    item.rag = level.value
    item.rag_rated_at = uow.now


def rerate(ctx: Context, actor: Actor, reference: str, rag: str, reason: str) -> ItemView:
    require(ctx, actor, "item.rerate", subject_ref=reference)
    level = _check_rag(rag)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        _transition(item, ItemAction.RERATE)
        _held_by_actor(item, actor)
        _rerate(uow, ctx, item, level, reason, "rerate")
        _changed(uow, item)
        uow.mutate("rerate_item.v1", {"id": item.id, "reference": reference, "rag": level.value, "reason": reason})
    return item_view(ctx, reference)


def decide(ctx: Context, actor: Actor, reference: str, *, rag: str, outcome: str,
           flags: list[str] | None = None, reason: str | None = None) -> ItemView:
    require(ctx, actor, "item.decide", subject_ref=reference)
    level = _check_rag(rag)
    flags = list(dict.fromkeys(flags or []))
    if outcome not in DECISION_OUTCOMES:
        raise ItemRefused(f"outcome {outcome!r}: use one of {', '.join(DECISION_OUTCOMES)}")
    unknown = [flag for flag in flags if flag not in FLAGS]
    if unknown:
        raise ItemRefused(f"flag {unknown[0]!r}: use one of {', '.join(FLAGS)}")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        new_state = _transition(item, ItemAction.DECIDE, outcome)
        _held_by_actor(item, actor)
        _claim_accepted(ctx, uow, item)
        if item.contact_id is None:
            raise ItemRefused(f"{reference}: the contact is still being captured; decide once it is submitted")
        _rerate(uow, ctx, item, level, reason, "override")
        uow.add(Decision(item_id=item.id, rag=level.value, outcome=outcome, flags=flags, reason=reason,
                         decided_by=actor.username, decided_at=uow.now))
        meet_clocks(uow, item.id, "decision")
        # A final decision settles the route, so the RAG clock ends with it; information gathering
        # keeps AMBER's clock running until the MASH discussion.
        if decision_meets_rag_clock(level, outcome) or new_state not in HELD_STATES:
            meet_clocks(uow, item.id, *RAG_CLOCKS.values())
        if "lado_referral" in flags:
            meet_clocks(uow, item.id, "lado")
        item.state = new_state
        item.outcome = outcome
        if new_state not in HELD_STATES:
            item.claimed_by = None
        _changed(uow, item)
        _event(uow, item, "decided", outcome=outcome, rag=level.value, flags=flags, reason=reason)
        uow.audit("item.decide", "work_item", item.id, subject_ref=reference,
                  details={"outcome": outcome, "rag": level.value, "flags": flags, "reason": reason})
        uow.mutate("decide_item.v1", {"id": item.id, "reference": reference, "rag": level.value, "outcome": outcome,
                                      "flags": flags, "reason": reason, "seen_version": item.version - 1})
    return item_view(ctx, reference)


def step_up(ctx: Context, actor: Actor, reference: str, reason: str) -> ItemView:
    require(ctx, actor, "item.step_up", subject_ref=reference)
    if not reason or not reason.strip():
        raise ItemRefused("reason: say what new information suggests higher risk")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        item.state = _transition(item, ItemAction.STEP_UP)
        item.claimed_by = None
        item.claimed_at = None
        item.outcome = None
        _changed(uow, item)
        start_clock(uow, ctx, item, "decision", uow.now)
        _event(uow, item, "stepped_up", reason=reason)
        uow.audit("item.step_up", "work_item", item.id, subject_ref=reference, details={"reason": reason})
        uow.mutate("step_up_item.v1", {"id": item.id, "reference": reference, "reason": reason})
    return item_view(ctx, reference)


def item_view(ctx: Context, reference: str) -> ItemView:
    with ctx.store.reading() as session:
        item = _item(session, reference)
        return _view(item, clocks_of_items(session, [item.id])[item.id], _requested_claims(ctx, session),
                     feedback_of_items(session, [item.id])[item.id])


def list_items(ctx: Context, actor: Actor, *, states: frozenset[str] | None = None) -> list[ItemView]:
    """Open items (or those in `states`) with their clocks: RED first, then by the least time left."""
    require(ctx, actor, "queue.view")
    wanted = states or frozenset(state.value for state in OPEN_STATES)
    with ctx.store.reading() as session:
        items = items_in_states(session, wanted)
        clocks = clocks_of_items(session, [item.id for item in items])
        feedback = feedback_of_items(session, [item.id for item in items])
        requested = _requested_claims(ctx, session)
    views = [_view(item, clocks[item.id], requested, feedback[item.id]) for item in items]
    far = datetime.max.replace(tzinfo=ctx.clock.now().tzinfo)

    def urgency(view: ItemView) -> tuple:
        live = [clock.due_at for clock in view.clocks if clock.met_at is None]
        return (-RagLevel(view.rag).rank, min(live, default=far), view.reference)

    return sorted(views, key=urgency)


def queue(ctx: Context, actor: Actor) -> list[ItemView]:
    """The escalation queue: items waiting for or held by a decision maker."""
    return list_items(ctx, actor, states=frozenset({ItemState.ESCALATED, ItemState.CLAIMED,
                                                    ItemState.INFORMATION_GATHERING}))


def open_items_now(ctx: Context, actor: Actor) -> list[ItemView]:
    """`mash queue`: every open item with its clocks, after recording the breaches due by now.

    The read is audited: it shows children's names.
    """
    from mash_tui.services.clocks import record_breaches

    require(ctx, actor, "queue.view")
    record_breaches(ctx, actor)
    items = list_items(ctx, actor)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        uow.audit("queue.view", "work_item", None, details={"open_items": len(items)})
    return items


def item_history(ctx: Context, actor: Actor, reference: str) -> list[dict[str, Any]]:
    require(ctx, actor, "contact.view", subject_ref=reference)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        events = events_of_item(uow.session, item.id)
        uow.audit("item.view", "work_item", item.id, subject_ref=reference)
        return [{"kind": e.kind, "actor": e.actor, "at": e.occurred_at, "details": dict(e.details)} for e in events]



def record_written_confirmation(ctx: Context, actor: Actor, reference: str) -> ItemView:
    """A professional's phone referral confirmed in writing: its 48-hour clock is met."""
    require(ctx, actor, "contact.escalate", subject_ref=reference)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        if not live_clocks(uow.session, item.id, "confirmation"):
            raise ItemRefused(f"{reference} is not waiting for a written confirmation")
        meet_clocks(uow, item.id, "confirmation")
        _changed(uow, item)
        _event(uow, item, "written_confirmation")
        uow.audit("item.written_confirmation", "work_item", item.id, subject_ref=reference)
        uow.mutate("record_written_confirmation.v1", {"id": item.id, "reference": reference})
    return item_view(ctx, reference)
