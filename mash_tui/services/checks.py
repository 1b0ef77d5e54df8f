"""Prior-involvement checks on a contact: who each child and adult may already be, and the officer's word.

DOMAIN.md sections 1 (step 3) and 7. A check looks up every person on a submitted contact (its
latest version) or an open draft, and shows each candidate with what the case system knows of them
and any earlier contact they were on. The officer confirms or rejects each candidate; decisions are
appended, and the latest word on a candidate counts. Confirmed case-system people with an open
involvement, or one closed within the policy window, propose routing to the allocated worker.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from mash_tui.domain.matching import PersonDetails, normalise_sex
from mash_tui.domain.roles import Actor
from mash_tui.domain.routing import RoutingProposal
from mash_tui.errors import UserError
from mash_tui.services.authz import require
from mash_tui.services.context import Context
from mash_tui.services.views import CandidateCheck, EarlierContact, PersonCheck
from mash_tui.store.casework import ContactDraft, ContactRecord, MatchDecision
from mash_tui.store.contacts import first_received_at, latest_contact, reference_is_known
from mash_tui.store.match_decisions import decisions_on_candidates, decisions_on_contact
from mash_tui.store.unit_of_work import unit_of_work

PERSON_ROLES = ("child", "adult")
DECISIONS = ("confirmed", "rejected")


# -- decisions, shared with the recommendation ------------------------------------------------------


def latest_decisions(session: Session, reference: str) -> dict[tuple[str, int, str], str]:
    """The latest decision on each (role, index, candidate) of a contact."""
    latest: dict[tuple[str, int, str], str] = {}
    for row in decisions_on_contact(session, reference):
        latest[(row.person_role, row.person_index, row.candidate_id)] = row.decision
    return latest


def confirmed_matches(session: Session, reference: str) -> set[str]:
    """Candidate ids the officer confirmed for this contact's people (the latest word on each counts)."""
    return {candidate for (_, _, candidate), decision in latest_decisions(session, reference).items()
            if decision == "confirmed"}


def routing_from(ctx: Context, people: set[str], received_at: datetime) -> RoutingProposal | None:
    """The routing proposal from the involvements of confirmed case-system people."""
    people = {person for person in people if not person.startswith("contact:")}
    if not people:
        return None
    from mash_tui.services.prior_involvement import involvements_of, routing_proposal

    involvements = [found for each in involvements_of(ctx.store, sorted(people)).values() for found in each]
    return routing_proposal(involvements, received_at, ctx.policy.routing.closed_within_days)


# -- reading what is checked ------------------------------------------------------------------------


def _latest_contact(session: Session, reference: str) -> ContactRecord:
    row = latest_contact(session, reference)
    if row is None:
        raise UserError(f"no submitted contact with reference {reference!r}")
    return row


def _calendar_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        try:
            return datetime.strptime(value.strip(), "%d/%m/%Y").date()
        except ValueError:
            # A draft holds what was typed; a date not yet readable is simply not searched on.
            return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _sex(value: Any) -> str | None:
    try:
        return normalise_sex(value) if isinstance(value, str) else None
    except ValueError:
        return None


def person_details(entry: dict[str, Any]) -> PersonDetails:
    """A child or adult of a contact record or draft form as a lookup query."""
    return PersonDetails(
        first_name=_text(entry.get("first_name")),
        last_name=_text(entry.get("last_name")),
        dob=_calendar_date(entry.get("dob")),
        sex=_sex(entry.get("sex")),
        address=_text(entry.get("address")),
        postcode=_text(entry.get("postcode")),
    )


def _people(record: dict[str, Any]) -> list[tuple[str, int, PersonDetails]]:
    people = []
    for role, key in (("child", "children"), ("adult", "adults")):
        for index, entry in enumerate(record.get(key) or []):
            if isinstance(entry, dict):
                people.append((role, index, person_details(entry)))
    return people


def _what_is_checked(session: Session, actor: Actor, reference: str | None,
                     draft_id: str | None) -> tuple[str, str, str, dict[str, Any]]:
    """(reference, entity, entity id, record) of the contact or draft to check."""
    if draft_id is not None:
        draft = session.get(ContactDraft, draft_id)
        if draft is None or draft.author != actor.username:
            raise UserError("no such draft of yours")
        if draft.status != "open":
            reference = draft.reference
        else:
            return draft.reference, "contact_draft", draft.id, dict(draft.form)
    if reference is None:
        raise UserError("say which contact or draft to check")
    row = _latest_contact(session, reference)
    return reference, "contact", row.id, dict(row.record)


def _earlier_contacts(session: Session, reference: str, candidate_ids: set[str]) -> dict[str, list[EarlierContact]]:
    """For each candidate, the other contacts about them: the contact a contact-person is from, and
    the contacts that confirmed a case-system person."""
    references: dict[str, set[str]] = {}
    for candidate in candidate_ids:
        if candidate.startswith("contact:"):
            references[candidate] = {candidate.split(":")[1]}
    people = [candidate for candidate in candidate_ids if not candidate.startswith("contact:")]
    if people:
        latest: dict[tuple[str, str, int, str], str] = {}
        for row in decisions_on_candidates(session, people):
            latest[(row.reference, row.person_role, row.person_index, row.candidate_id)] = row.decision
        for (other, _, _, candidate), decision in latest.items():
            if decision == "confirmed" and other != reference:
                references.setdefault(candidate, set()).add(other)
    wanted = {ref for refs in references.values() for ref in refs}
    received = first_received_at(session, wanted)
    return {
        candidate: sorted((EarlierContact(ref, received[ref]) for ref in refs if ref in received),
                          key=lambda earlier: earlier.received_at, reverse=True)
        for candidate, refs in references.items()
    }


# -- the officer's actions --------------------------------------------------------------------------


def run_checks(ctx: Context, actor: Actor, reference: str | None = None,
               draft_id: str | None = None) -> list[PersonCheck]:
    """Look up every child and adult of a submitted contact (latest version) or an open draft."""
    require(ctx, actor, "check.run", subject_ref=reference)
    from mash_tui.services.prior_involvement import involvements_of, lookup

    with ctx.store.reading() as session:
        reference, entity, entity_id, record = _what_is_checked(session, actor, reference, draft_id)
        decisions = latest_decisions(session, reference)
    found = []
    for role, index, query in _people(record):
        candidates = lookup(ctx.store, query, ctx.policy) if query.has_any() else []
        # A submitted contact's own people are indexed too; they are not an earlier contact.
        candidates = [candidate for candidate in candidates if candidate.contact_ref != reference]
        found.append((role, index, query, candidates))
    candidate_ids = {candidate.person_id for *_, candidates in found for candidate in candidates}
    involvements = involvements_of(ctx.store, candidate_ids)
    with ctx.store.reading() as session:
        earlier = _earlier_contacts(session, reference, candidate_ids)
    checks = [
        PersonCheck(reference, role, index, query, [
            CandidateCheck(
                candidate_id=candidate.person_id,
                source=candidate.source,
                score=candidate.score,
                band=candidate.band,
                reasons=candidate.reasons,
                person=candidate.person,
                involvements=list(involvements.get(candidate.person_id, [])),
                earlier_contacts=earlier.get(candidate.person_id, []),
                decision=decisions.get((role, index, candidate.person_id)),
            )
            for candidate in candidates
        ])
        for role, index, query, candidates in found
    ]
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        uow.audit("check.run", entity, entity_id, subject_ref=reference, details={
            "people": len(checks),
            "candidates": sum(len(check.candidates) for check in checks),
            "certain_or_likely": sum(1 for check in checks for candidate in check.candidates
                                     if candidate.band in ("certain", "likely")),
        })
    return checks


def decide_match(ctx: Context, actor: Actor, reference: str, person_role: str, person_index: int,
                 candidate_id: str, decision: str, score: float) -> str:
    """Record that a candidate is (or is not) the contact's child or adult; the latest word counts.

    Returns the decision's id.
    """
    require(ctx, actor, "match.decide", subject_ref=reference)
    if decision not in DECISIONS:
        raise UserError(f"decision {decision!r}: say {' or '.join(DECISIONS)}")
    if person_role not in PERSON_ROLES:
        raise UserError(f"person role {person_role!r}: say {' or '.join(PERSON_ROLES)}")
    if person_index < 0 or not candidate_id:
        raise UserError("say which person and which candidate")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        if not reference_is_known(uow.session, reference):
            raise UserError(f"no contact or draft with reference {reference!r}")
        row = MatchDecision(reference=reference, person_role=person_role, person_index=person_index,
                            candidate_id=candidate_id, decision=decision, score=float(score),
                            decided_by=actor.username, decided_at=uow.now)
        uow.add(row)
        uow.audit(f"match.{decision}", "match_decision", row.id, subject_ref=reference, details={
            "person_role": person_role, "person_index": person_index, "candidate_id": candidate_id,
            "score": float(score),
        })
        uow.mutate("decide_match.v1", {
            "id": row.id, "reference": reference, "person_role": person_role, "person_index": person_index,
            "candidate_id": candidate_id, "decision": decision, "score": float(score),
        })
        decision_id = row.id
    return decision_id


def routing_for(ctx: Context, actor: Actor, reference: str) -> RoutingProposal | None:
    """Where the contact goes, by the officer's confirmed case-system matches; None if nowhere yet."""
    require(ctx, actor, "contact.view", subject_ref=reference)
    with ctx.store.reading() as session:
        received_at = _latest_contact(session, reference).received_at
        people = confirmed_matches(session, reference)
    return routing_from(ctx, people, received_at)
