"""An item's system chronology: everything that happened to it, in time order, from its records.

Nothing here is written by hand or kept up to date: each entry is read from an append-only record
(contacts, match decisions, ratings, decisions, item events, requests and their answers, MASH
discussions, breaches) every time the chronology is asked for.
"""

from __future__ import annotations


from sqlmodel import Session

from mash_tui.domain.codes import AGENCY_LABELS, CLOCK_LABELS, SOURCES_OF_CONTACT, feedback_words
from mash_tui.domain.roles import Actor
from mash_tui.errors import UserError
from mash_tui.services.authz import require
from mash_tui.services.context import Context
from mash_tui.services.views import ChronologyEntry
from mash_tui.store.audit_events import events_about
from mash_tui.store.casework import ItemEvent, WorkItem
from mash_tui.store.contacts import contact_versions, draft_by_reference
from mash_tui.store.items import (
    breaches_of_item,
    decisions_on_item,
    events_of_item_unordered,
    item_by_reference,
    ratings_of_item,
)
from mash_tui.store.match_decisions import decisions_on_contact_unordered
from mash_tui.store.requests import answers_to, discussions_on_item, requests_on_item
from mash_tui.store.unit_of_work import unit_of_work

# Item events that another record already tells, with more in it: the rating, the decision, the
# request or its answer, the discussion. Listing both would tell the same moment twice.
_TOLD_ELSEWHERE = frozenset({
    "rerated", "decided", "closed", "request_sent", "request_answered", "request_answer_corrected",
    "mash_discussion", "immediate_danger",
})
# Audited actions that belong in the chronology because no other record keeps them.
_AUDITED_STEPS = {"check.run": "check_run"}

_RATING_WORDS = {
    "recommendation": "Recommended",
    "immediate_danger": "Rated",
    "confirmed": "Rating confirmed",
    "override": "Re-rated on decision",
    "rerate": "Re-rated",
}


def _words(value: str | None) -> str:
    return (value or "").replace("_", " ")


def _agency(agency: str) -> str:
    return AGENCY_LABELS.get(agency, agency)


def _contact_entries(session: Session, reference: str) -> list[ChronologyEntry]:
    entries = []
    draft = draft_by_reference(session, reference)
    if draft is not None:
        entries.append(ChronologyEntry(draft.created_at, "draft_started", draft.author, "Contact capture started",
                                       {}, draft.id))
    versions = contact_versions(session, reference)
    for row in versions:
        if row.version == 1:
            referrer = row.record.get("referrer") or {}
            source = SOURCES_OF_CONTACT.get(referrer.get("source") or "", "unknown source")
            who = referrer.get("organisation") or source
            summary = f"Contact received by {_words(row.record.get('channel'))} from {who} about {row.children}"
            entries.append(ChronologyEntry(row.received_at, "contact_received", row.author, summary,
                                           {"channel": row.record.get("channel"), "source": referrer.get("source"),
                                            "children": row.children}, row.id + ":0"))
            entries.append(ChronologyEntry(
                row.submitted_at, "contact_submitted", row.author,
                f"Contact submitted; the rules recommend {row.recommended_rag}",
                {"version": 1, "recommended_rag": row.recommended_rag, "rules": list(row.rules)}, row.id))
        else:
            entries.append(ChronologyEntry(
                row.submitted_at, "contact_corrected", row.author,
                f"Contact corrected (version {row.version}); the rules recommend {row.recommended_rag}",
                {"version": row.version, "recommended_rag": row.recommended_rag, "rules": list(row.rules)}, row.id))
    matches = decisions_on_contact_unordered(session, reference)
    for match in matches:
        summary = (f"Match {match.decision} for {match.person_role} {match.person_index + 1}: "
                   f"{match.candidate_id} (score {match.score:.2f})")
        entries.append(ChronologyEntry(match.decided_at, f"match_{match.decision}", match.decided_by, summary,
                                       {"person_role": match.person_role, "person_index": match.person_index,
                                        "candidate_id": match.candidate_id, "score": match.score}, match.id))
    checks = events_about(session, reference, _AUDITED_STEPS)
    for event in checks:
        entries.append(ChronologyEntry(event.occurred_at, _AUDITED_STEPS[event.action], event.actor,
                                       "Prior-involvement check run", dict(event.details), event.id))
    return entries


def _item_entries(session: Session, item: WorkItem) -> list[ChronologyEntry]:
    entries = []
    previous = None
    for rating in ratings_of_item(session, item.id):
        words = _RATING_WORDS.get(rating.kind, _words(rating.kind).capitalize())
        change = f" {previous} → {rating.rag}" if rating.kind in ("override", "rerate") and previous else f" {rating.rag}"
        summary = f"{words}{change}" + (f": {rating.reason}" if rating.reason else "")
        entries.append(ChronologyEntry(rating.rated_at, f"rating_{rating.kind}", rating.rated_by, summary,
                                       {"rag": rating.rag, "previous": previous, "reason": rating.reason}, rating.id))
        previous = rating.rag
    for decision in decisions_on_item(session, item.id):
        summary = f"Decision: {_words(decision.outcome)} ({decision.rag})"
        if decision.flags:
            summary += "; flags " + ", ".join(_words(flag) for flag in decision.flags)
        if decision.reason:
            summary += f"; {decision.reason}"
        entries.append(ChronologyEntry(decision.decided_at, "decision", decision.decided_by, summary,
                                       {"outcome": decision.outcome, "rag": decision.rag, "flags": list(decision.flags),
                                        "reason": decision.reason}, decision.id))
    for event in events_of_item_unordered(session, item.id):
        if event.kind in _TOLD_ELSEWHERE:
            continue
        entries.append(ChronologyEntry(event.occurred_at, event.kind, event.actor, _event_words(event),
                                       dict(event.details), event.id))
    for breach, own_label in breaches_of_item(session, item.id):
        label = own_label or CLOCK_LABELS.get(breach.clock, breach.clock)
        entries.append(ChronologyEntry(breach.due_at, "breach", "system", f"Breach: the {label} clock ran out",
                                       {"clock": breach.clock, "recorded_at": breach.recorded_at.isoformat()},
                                       breach.id))
    return entries + _request_entries(session, item)


def _event_words(event: ItemEvent) -> str:
    details = event.details
    if event.kind == "escalated":
        return "Escalated to the decision makers" + (f": {details['note']}" if details.get("note") else "")
    if event.kind == "claimed":
        return "Claimed"
    if event.kind == "released":
        return "Released back to the queue"
    if event.kind == "reassigned":
        return f"Reassigned from {details.get('previous') or 'nobody'} to {details.get('to')}"
    if event.kind == "stepped_up":
        return f"Stepped up from early help: {details.get('reason')}"
    if event.kind == "passed_to_allocated_worker":
        return f"Passed to the allocated worker {details.get('worker')}: {details.get('reason')}"
    if event.kind == "feedback_given":
        note = f": {details['note']}" if details.get("note") else ""
        return f"Referrer told the outcome {feedback_words(str(details.get('how')))}{note}"
    if event.kind == "request_chased":
        note = f": {details['note']}" if details.get("note") else ""
        return f"{_agency(details.get('agency', ''))} request {details.get('request_ref')} chased{note}"
    if event.kind == "request_withdrawn":
        return (f"{_agency(details.get('agency', ''))} request {details.get('request_ref')} withdrawn: "
                f"{details.get('reason')}")
    return _words(event.kind).capitalize()


def _request_entries(session: Session, item: WorkItem) -> list[ChronologyEntry]:
    entries = []
    # Read in any order: the chronology is sorted by time once every entry is in.
    requests = requests_on_item(session, item.id)
    by_id = {row.id: row for row in requests}
    for row in requests:
        agency = _agency(row.agency)
        question = f": {row.question}" if row.question else ""
        entries.append(ChronologyEntry(row.sent_at, "request_sent", row.sent_by,
                                       f"Information request {row.request_ref} sent to {agency}{question}",
                                       {"request_ref": row.request_ref, "agency": row.agency,
                                        "due": row.due_at.isoformat(), "rag": row.rag}, row.id))
        if row.seen_at is not None:
            entries.append(ChronologyEntry(row.seen_at, "request_seen", row.seen_by or "",
                                           f"{agency} opened request {row.request_ref}",
                                           {"request_ref": row.request_ref, "agency": row.agency}, row.id + ":seen"))
    if by_id:
        answers = answers_to(session, list(by_id))
        for answer in answers:
            request = by_id[answer.request_id]
            known = sum(1 for finding in answer.findings if finding.get("known"))
            not_known = len(answer.findings) - known
            verb = "corrected its answer to" if answer.supersedes_id else "answered"
            entries.append(ChronologyEntry(
                answer.answered_at, "request_corrected" if answer.supersedes_id else "request_answered",
                answer.answered_by,
                f"{_agency(answer.agency)} {verb} request {request.request_ref}: "
                f"{known} known, {not_known} not known to them",
                {"request_ref": request.request_ref, "agency": answer.agency, "known": known,
                 "not_known": not_known, "supersedes_id": answer.supersedes_id}, answer.id))
    for discussion in discussions_on_item(session, item.id):
        entries.append(ChronologyEntry(discussion.recorded_at, "mash_discussion", discussion.recorded_by,
                                       f"MASH discussion with {', '.join(discussion.participants)}: {discussion.summary}",
                                       {"participants": list(discussion.participants),
                                        "agreed_actions": discussion.agreed_actions}, discussion.id))
    return entries


def chronology(ctx: Context, actor: Actor, reference: str) -> list[ChronologyEntry]:
    """Every entry of the item (or the contact, before it reaches the queue), oldest first. Audited."""
    require(ctx, actor, "chronology.view", subject_ref=reference)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        session = uow.session
        entries = _contact_entries(session, reference)
        item = item_by_reference(session, reference)
        if item is not None:
            entries += _item_entries(session, item)
        if not entries:
            raise UserError(f"no contact or queue item with reference {reference!r}")
        uow.audit("item.chronology", "work_item" if item else "contact", item.id if item else None,
                  subject_ref=reference, details={"entries": len(entries)})
    return sorted(entries, key=lambda entry: (entry.at, entry.order))
