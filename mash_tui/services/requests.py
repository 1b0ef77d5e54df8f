"""Information requests: the decision maker asks partner agencies, each agency answers its own.

A partner sees only the requests addressed to their agency. That is decided here, from the agency
the store holds for the user, not from anything a screen or a command line passes in; every refusal
is audited. Each request runs its own clock (`request_red`, `request_amber`, `request_green` by the
item's rating when sent), met by the agency's answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from mash_tui.domain.codes import (
    AGENCIES,
    AGENCY_LABELS,
    CONCERN_CATEGORIES,
    DOMESTIC_ABUSE_CATEGORIES,
    OPEN_REQUEST_STATES,
    RagLevel,
)
from mash_tui.domain.contact import Contact, validate_contact
from mash_tui.domain.roles import Actor, Role
from mash_tui.domain.workflow import HELD_STATES, REQUEST_CLOCKS
from mash_tui.errors import PermissionRefused, UserError
from mash_tui.services.authz import require
from mash_tui.services.clocks import end_clock, meet_clocks, start_clock
from mash_tui.services.context import Context
from mash_tui.services.views import AnswerView, DiscussionView, Finding, GatheringView, RequestDraft, RequestView, SharedPerson
from mash_tui.store.casework import ItemEvent, WorkItem
from mash_tui.store.contacts import latest_contact
from mash_tui.store.items import item_by_reference
from mash_tui.store.requests import (
    InformationRequest,
    MashDiscussion,
    RequestAnswer,
    agencies_asked,
    answers_to,
    discussions_on_item,
    request_by_ref,
    requests_on_item,
    requests_to_agency,
)
from mash_tui.store.unit_of_work import UnitOfWork, unit_of_work
from mash_tui.store.users import user_by_name

# Who is asked by default. RED and AMBER: police, health and education, the three agencies a strategy
# discussion or a MASH discussion cannot do without. GREEN: the universal services that see the child
# most, education and health. The contact's concerns add the agencies that hold the adults' side.
DEFAULT_AGENCIES = {
    RagLevel.RED: ("police", "health", "education"),
    RagLevel.AMBER: ("police", "health", "education"),
    RagLevel.GREEN: ("education", "health"),
}
_SUBSTANCE_CATEGORIES = frozenset({"1B", "1C", "2B", "2C"})
_ADULT_NEEDS_CATEGORIES = frozenset({"4B", "4C", "5B", "5C", "6B", "6C"})



class RequestRefused(UserError):
    """A request action the request's state, the item or the agency does not allow."""


# -- what screens and the command line get --------------------------------------------------------


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


# -- what a request shares ------------------------------------------------------------------------


def _age_words(person: dict[str, Any]) -> str:
    if person.get("dob"):
        return f"born {person['dob']}"
    if person.get("estimated_age") is not None:
        return f"about {person['estimated_age']} years old"
    if person.get("unborn_due_date"):
        return f"unborn, due {person['unborn_due_date']}"
    return ""


def describe_person(person: dict[str, Any]) -> str:
    parts = [_age_words(person)]
    if person.get("role") == "adult" and person.get("relationship"):
        parts.append(str(person["relationship"]))
    if person.get("sex"):
        parts.append(str(person["sex"]))
    address = ", ".join(str(part) for part in (person.get("address"), person.get("postcode")) if part)
    parts.append(address)
    if person.get("school"):
        parts.append(f"school: {person['school']}")
    if person.get("nhs_number"):
        parts.append(f"NHS {person['nhs_number']}")
    if person.get("aliases"):
        parts.append("also known as " + ", ".join(person["aliases"]))
    return " · ".join(part for part in parts if part)


def _person_name(person: dict[str, Any], fallback: str) -> str:
    names = [person.get("first_name"), person.get("last_name")]
    joined = " ".join(name for name in names if name)
    return joined or (person.get("aliases") or [fallback])[0]


def shared_people(contact: Contact) -> list[dict[str, Any]]:
    """The children and adults as a request shares them: who they are and where, nothing more."""
    people: list[dict[str, Any]] = []
    for index, child in enumerate(contact.children):
        people.append({
            "key": f"child:{index}", "role": "child", "name": _person_name(child.model_dump(), "unnamed child"),
            "first_name": child.first_name, "last_name": child.last_name, "aliases": list(child.aliases),
            "dob": child.dob.isoformat() if child.dob else None, "estimated_age": child.estimated_age,
            "unborn_due_date": child.unborn_due_date.isoformat() if child.unborn_due_date else None,
            "sex": child.sex, "address": child.address, "postcode": child.postcode, "school": child.school,
            "nhs_number": child.nhs_number,
        })
    for index, adult in enumerate(contact.adults):
        people.append({
            "key": f"adult:{index}", "role": "adult", "name": _person_name(adult.model_dump(), "unnamed adult"),
            "first_name": adult.first_name, "last_name": adult.last_name,
            "dob": adult.dob.isoformat() if adult.dob else None, "relationship": adult.relationship,
            "address": adult.address, "postcode": adult.postcode,
        })
    return people


def default_summary(contact: Contact) -> str:
    categories = ", ".join(f"{CONCERN_CATEGORIES.get(code, code)} ({code})" for code in contact.concerns.categories)
    lead = f"Concerns: {categories}. " if categories else ""
    return f"{lead}{contact.concerns.narrative}"


def default_agencies(rag: RagLevel, contact: Contact | None = None) -> tuple[str, ...]:
    chosen = list(DEFAULT_AGENCIES.get(rag, ()))
    if contact is not None:
        categories = set(contact.concerns.categories)
        if categories & set(DOMESTIC_ABUSE_CATEGORIES) or contact.concerns.police_reference:
            chosen.append("police")
        if categories & _SUBSTANCE_CATEGORIES:
            chosen.append("substance_misuse")
        if categories & _ADULT_NEEDS_CATEGORIES:
            chosen.append("adult_social_care")
    return tuple(agency for agency in AGENCIES if agency in chosen)


def _consent_words(contact: Contact) -> str:
    consent = contact.consent
    if consent.consent_given == "yes":
        covered = consent.agencies_covered()
        names = "every agency" if covered == AGENCIES else ", ".join(AGENCY_LABELS[a] for a in covered)
        return f"Consent given for checks with {names}."
    if consent.consent_given == "no":
        return f"Consent refused: {consent.reason or 'no reason recorded'}."
    if consent.consent_given == "not_sought":
        return f"Consent not sought: {consent.reason or 'no reason recorded'}."
    return "Consent not recorded."


def _person_view(person: dict[str, Any]) -> SharedPerson:
    return SharedPerson(person["key"], person["role"], person["name"], describe_person(person))


# -- reading ----------------------------------------------------------------------------------------


def _answers_of(session: Session, request_ids: list[str]) -> dict[str, list[AnswerView]]:
    found: dict[str, list[AnswerView]] = {request_id: [] for request_id in request_ids}
    rows = answers_to(session, request_ids)
    # A correction answers the same request, so the answer it supersedes is always among `rows`.
    superseded = {row.supersedes_id for row in rows if row.supersedes_id}
    for row in rows:
        findings = tuple(Finding(**finding) for finding in row.findings)
        found[row.request_id].append(AnswerView(row.id, findings, row.free_text, row.answered_by,
                                                row.answered_at, row.supersedes_id, row.id in superseded))
    return found


def _views(session: Session, rows: list[InformationRequest]) -> list[RequestView]:
    answers = _answers_of(session, [row.id for row in rows])
    return [
        RequestView(
            row.id, row.request_ref, row.reference, row.agency, row.question, row.summary,
            tuple(_person_view(person) for person in row.people), row.rag, row.sent_by, row.sent_at, row.due_at,
            row.state, row.seen_at, row.answered_at, row.withdrawn_at, row.withdrawn_reason, row.chase_count,
            row.last_chased_at, row.version, tuple(answers[row.id]),
        )
        for row in rows
    ]


def _find(session: Session, key: str) -> InformationRequest | None:
    """A request by its reference (R-...) or its id."""
    row = request_by_ref(session, key)
    return row if row is not None else session.get(InformationRequest, key)


def _item(session: Session, reference: str) -> WorkItem:
    item = item_by_reference(session, reference)
    if item is None:
        raise RequestRefused(f"no queue item with reference {reference!r}")
    return item


def _contact_of(session: Session, item: WorkItem) -> Contact:
    if item.contact_id is None:
        raise RequestRefused(f"{item.reference}: the contact is still being captured; send requests once it is submitted")
    row = latest_contact(session, item.reference)
    assert row is not None
    return validate_contact(row.record)


def _rating(item: WorkItem) -> RagLevel:
    rag = RagLevel(item.rag)
    if rag not in REQUEST_CLOCKS:
        raise RequestRefused(f"{item.reference} has no RAG rating yet: rate it before asking partner agencies")
    return rag


def _held(item: WorkItem, actor: Actor) -> None:
    if item.state not in HELD_STATES:
        raise RequestRefused(f"{item.reference} is {item.state}: claim it before sending information requests")
    if item.claimed_by != actor.username:
        holder = f"it is held by {item.claimed_by}" if item.claimed_by else "nobody has claimed it"
        raise RequestRefused(f"{item.reference}: claim it first ({holder})")


def _open_agencies(session: Session, item_id: str) -> set[str]:
    return agencies_asked(session, item_id, OPEN_REQUEST_STATES)


def _limit(ctx: Context, value: str | None, what: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > ctx.policy.limits.max_field_chars:
        raise RequestRefused(f"{what}: at most {ctx.policy.limits.max_field_chars} characters")
    return value or None


# -- the decision maker -----------------------------------------------------------------------------


def request_draft(ctx: Context, actor: Actor, reference: str) -> RequestDraft:
    require(ctx, actor, "request.send", subject_ref=reference)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        contact = _contact_of(uow.session, item)
        rag = RagLevel(item.rag)
        clock = REQUEST_CLOCKS.get(rag, REQUEST_CLOCKS[RagLevel.GREEN])
        already = _open_agencies(uow.session, item.id)
        uow.audit("request.compose", "work_item", item.id, subject_ref=reference)
    return RequestDraft(
        reference=reference,
        rag=item.rag,
        state=item.state,
        children=item.children,
        summary=default_summary(contact),
        people=tuple(_person_view(person) for person in shared_people(contact)),
        agencies=tuple((agency, AGENCY_LABELS[agency]) for agency in AGENCIES),
        defaults=tuple(agency for agency in default_agencies(rag, contact) if agency not in already),
        already_open=tuple(agency for agency in AGENCIES if agency in already),
        clock=clock,
        due_at=ctx.calendar.due_at(ctx.policy.clocks[clock], ctx.clock.now()),
        consent=_consent_words(contact),
    )


def send_requests(ctx: Context, actor: Actor, reference: str, questions: Mapping[str, str | None], *,
                  summary: str | None = None) -> list[RequestView]:
    """Ask each agency in `questions` (agency → its own question, or None) to check its records."""
    require(ctx, actor, "request.send", subject_ref=reference)
    if not questions:
        raise RequestRefused("agency: choose at least one agency to ask")
    unknown = [agency for agency in questions if agency not in AGENCIES]
    if unknown:
        raise RequestRefused(f"agency {unknown[0]!r}: use one of {', '.join(AGENCIES)}")
    summary = _limit(ctx, summary, "summary")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        _held(item, actor)
        rag = _rating(item)
        contact = _contact_of(uow.session, item)
        duplicate = sorted(set(questions) & _open_agencies(uow.session, item.id))
        if duplicate:
            raise RequestRefused(f"{AGENCY_LABELS[duplicate[0]]} already has an open request on {reference}: "
                                 "chase it instead")
        people = shared_people(contact)
        shared_summary = summary or default_summary(contact)
        rows = []
        for agency in (agency for agency in AGENCIES if agency in questions):
            question = _limit(ctx, questions[agency], f"question for {agency}")
            clock = start_clock(uow, ctx, item, REQUEST_CLOCKS[rag], uow.now,
                                label=f"{AGENCY_LABELS[agency]} information request")
            row = InformationRequest(
                request_ref=uow.next_reference("R"), item_id=item.id, reference=reference, agency=agency,
                question=question, summary=shared_summary, people=people, rag=rag.value, clock_id=clock.id,
                due_at=clock.due_at, sent_by=actor.username, sent_at=uow.now,
            )
            uow.add(row)
            _event(uow, item, "request_sent", agency=agency, request_ref=row.request_ref, question=question)
            uow.audit("request.send", "information_request", row.id, subject_ref=reference,
                      details={"agency": agency, "request_ref": row.request_ref, "due_at": row.due_at.isoformat()})
            uow.mutate("send_request.v1", {
                "id": row.id, "request_ref": row.request_ref, "item_id": item.id, "reference": reference,
                "agency": agency, "question": question, "summary": shared_summary, "people": people,
                "rag": rag.value, "clock": clock.clock, "due_at": row.due_at.isoformat(),
            })
            rows.append(row)
        _changed(uow, item)
        views = _views(uow.session, rows)
    return views


def _event(uow: UnitOfWork, item: WorkItem, kind: str, **details: Any) -> None:
    uow.add(ItemEvent(item_id=item.id, kind=kind, actor=uow.actor.username, occurred_at=uow.now, details=details))


def _changed(uow: UnitOfWork, item: WorkItem) -> None:
    # The supervisor pane notices a changed item by its version; a new or met clock is a change.
    item.version += 1
    item.updated_at = uow.now
    uow.add(item)


def _request_for_manager(uow: UnitOfWork, key: str) -> tuple[InformationRequest, WorkItem]:
    row = _find(uow.session, key)
    if row is None:
        raise RequestRefused(f"no information request {key!r}")
    item = uow.session.get(WorkItem, row.item_id)
    assert item is not None
    return row, item


def chase_request(ctx: Context, actor: Actor, key: str, note: str | None = None) -> RequestView:
    require(ctx, actor, "request.manage")
    note = _limit(ctx, note, "note")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        row, item = _request_for_manager(uow, key)
        if row.state not in OPEN_REQUEST_STATES:
            raise RequestRefused(f"{row.request_ref} is {row.state}: only an open request can be chased")
        row.chase_count += 1
        row.last_chased_at = uow.now
        row.version += 1
        uow.add(row)
        _event(uow, item, "request_chased", agency=row.agency, request_ref=row.request_ref, note=note,
               chase_count=row.chase_count)
        uow.audit("request.chase", "information_request", row.id, subject_ref=row.reference,
                  details={"agency": row.agency, "chase_count": row.chase_count, "note": note})
        uow.mutate("chase_request.v1", {"id": row.id, "note": note, "seen_version": row.version - 1})
        view = _views(uow.session, [row])[0]
    return view


def withdraw_request(ctx: Context, actor: Actor, key: str, reason: str) -> RequestView:
    """No longer needed: the agency stops owing an answer; a breach already due stays recorded."""
    require(ctx, actor, "request.manage")
    reason = _limit(ctx, reason, "reason")
    if not reason:
        raise RequestRefused("reason: say why the request is withdrawn")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        row, item = _request_for_manager(uow, key)
        if item.claimed_by and item.claimed_by != actor.username:
            raise RequestRefused(f"{item.reference} is held by {item.claimed_by}: they decide about its requests")
        if row.state not in OPEN_REQUEST_STATES:
            raise RequestRefused(f"{row.request_ref} is {row.state}: only an open request can be withdrawn")
        row.state = "withdrawn"
        row.withdrawn_at = uow.now
        row.withdrawn_by = actor.username
        row.withdrawn_reason = reason
        row.version += 1
        uow.add(row)
        end_clock(uow, row.clock_id, met=False)
        _event(uow, item, "request_withdrawn", agency=row.agency, request_ref=row.request_ref, reason=reason)
        _changed(uow, item)
        uow.audit("request.withdraw", "information_request", row.id, subject_ref=row.reference,
                  details={"agency": row.agency, "reason": reason})
        uow.mutate("withdraw_request.v1", {"id": row.id, "reason": reason, "seen_version": row.version - 1})
        view = _views(uow.session, [row])[0]
    return view


def information_gathering(ctx: Context, actor: Actor, reference: str) -> GatheringView:
    """Every request on an item with every answer, and its MASH discussions; the read is audited."""
    require(ctx, actor, "request.view_all", subject_ref=reference)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        rows = requests_on_item(uow.session, item.id)
        discussions = discussions_on_item(uow.session, item.id)
        uow.audit("request.view_item", "work_item", item.id, subject_ref=reference,
                  details={"requests": len(rows)})
        return GatheringView(
            item.reference, item.rag, item.state, item.claimed_by, item.children, _views(uow.session, list(rows)),
            [_discussion_view(row) for row in discussions],
        )


def _discussion_view(row: MashDiscussion) -> DiscussionView:
    return DiscussionView(row.id, tuple(row.participants), row.summary, row.agreed_actions, row.recorded_by,
                          row.recorded_at)


def record_mash_discussion(ctx: Context, actor: Actor, reference: str, *, participants: list[str],
                           summary: str, agreed_actions: str | None = None) -> DiscussionView:
    """The MASH discussion closes information gathering: it meets the AMBER clock."""
    require(ctx, actor, "discussion.record", subject_ref=reference)
    people = [name.strip() for name in participants if name and name.strip()]
    if not people:
        raise RequestRefused("participants: name who took part in the discussion")
    summary_text = _limit(ctx, summary, "summary")
    if not summary_text:
        raise RequestRefused("summary: say what the discussion found")
    actions = _limit(ctx, agreed_actions, "agreed actions")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        item = _item(uow.session, reference)
        if item.state not in HELD_STATES or item.claimed_by != actor.username:
            holder = item.claimed_by or "nobody"
            raise RequestRefused(f"{reference}: claim it before recording a MASH discussion (held by {holder})")
        row = MashDiscussion(item_id=item.id, reference=reference, participants=people, summary=summary_text,
                             agreed_actions=actions, recorded_by=actor.username, recorded_at=uow.now)
        uow.add(row)
        meet_clocks(uow, item.id, "amber")
        _event(uow, item, "mash_discussion", participants=people)
        _changed(uow, item)
        uow.audit("discussion.record", "mash_discussion", row.id, subject_ref=reference,
                  details={"participants": people})
        uow.mutate("record_mash_discussion.v1", {"id": row.id, "item_id": item.id, "reference": reference,
                                                  "participants": people, "summary": summary_text,
                                                  "agreed_actions": actions})
    return _discussion_view(row)


# -- the partner agency -----------------------------------------------------------------------------


def _agency_of(ctx: Context, actor: Actor) -> str:
    """The agency the store holds for this partner: the one thing that decides what they see."""
    with ctx.store.reading() as session:
        user = user_by_name(session, actor.username)
    if user is None or not user.active or user.role != Role.PARTNER or not user.agency:
        _audit_refusal(ctx, actor, None, "no partner agency")
        raise PermissionRefused("only a partner agency's user can see that agency's requests")
    return user.agency


def _audit_refusal(ctx: Context, actor: Actor, row: InformationRequest | None, reason: str, key: str = "") -> None:
    # Its own unit of work: the refusal must be on record even though the action is not.
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        uow.audit("request.refused", "information_request", row.id if row else None,
                  subject_ref=row.reference if row else None,
                  details={"reason": reason, "asked_for": key, "agency": row.agency if row else None,
                           "actor_agency": actor.agency})


def _own_request(ctx: Context, actor: Actor, key: str, agency: str) -> InformationRequest:
    """The request, if it is this agency's; refused and audited otherwise, in the same words either way."""
    with ctx.store.reading() as session:
        row = _find(session, key)
    if row is None or row.agency != agency:
        _audit_refusal(ctx, actor, row, "another agency's request" if row else "no such request", key)
        raise PermissionRefused(f"no request {key!r} among {AGENCY_LABELS.get(agency, agency)}'s requests")
    return row


def _partner_order(view: RequestView) -> tuple:
    # Open requests by the least time left; then answered (latest first); withdrawn last.
    if view.is_open:
        return (0, view.due_at.timestamp(), view.request_ref)
    if view.state == "answered":
        assert view.answered_at is not None
        return (1, -view.answered_at.timestamp(), view.request_ref)
    return (2, -(view.withdrawn_at or view.sent_at).timestamp(), view.request_ref)


def list_my_requests(ctx: Context, actor: Actor, *, open_only: bool = False) -> list[RequestView]:
    """The partner's own agency's requests, most urgent first."""
    require(ctx, actor, "request.view_own")
    agency = _agency_of(ctx, actor)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        rows = requests_to_agency(uow.session, agency, states=OPEN_REQUEST_STATES if open_only else None)
        views = _views(uow.session, rows)
        uow.audit("request.list", "information_request", None, details={"agency": agency, "requests": len(views)})
    return sorted(views, key=_partner_order)


def open_request(ctx: Context, actor: Actor, key: str) -> RequestView:
    """The partner opens one of their requests: the first opening marks it seen. Audited."""
    require(ctx, actor, "request.view_own")
    agency = _agency_of(ctx, actor)
    row_id = _own_request(ctx, actor, key, agency).id
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        row = uow.session.get(InformationRequest, row_id)
        assert row is not None
        if row.state == "sent":
            _mark_seen(uow, row)
        uow.audit("request.open", "information_request", row.id, subject_ref=row.reference,
                  details={"agency": agency, "state": row.state})
        view = _views(uow.session, [row])[0]
    return view


def _mark_seen(uow: UnitOfWork, row: InformationRequest) -> None:
    row.state = "seen"
    row.seen_at = uow.now
    row.seen_by = uow.actor.username
    row.version += 1
    uow.add(row)
    uow.audit("request.seen", "information_request", row.id, subject_ref=row.reference,
              details={"agency": row.agency})
    uow.mutate("mark_request_seen.v1", {"id": row.id, "seen_version": row.version - 1})


def _clean_findings(ctx: Context, row: InformationRequest, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = [person["key"] for person in row.people]
    cleaned: dict[str, dict[str, Any]] = {}
    for position, raw in enumerate(findings):
        if not isinstance(raw, dict):
            raise RequestRefused(f"finding {position}: give an object with person and known")
        extra = sorted(set(raw) - {"person", "known", "summary", "current_risks", "agency_contact"})
        if extra:
            raise RequestRefused(f"finding {position}: unknown field {extra[0]!r}")
        person = raw.get("person")
        if person not in keys:
            raise RequestRefused(f"finding {position}: person {person!r} is not one of {', '.join(keys)}")
        if person in cleaned:
            raise RequestRefused(f"finding {position}: {person} is answered twice")
        known = raw.get("known")
        if not isinstance(known, bool):
            raise RequestRefused(f"finding {position}: known must be true or false")
        summary = _limit(ctx, raw.get("summary"), f"finding {position} summary")
        if known and not summary:
            raise RequestRefused(f"finding {position}: say what your records hold about {person}")
        cleaned[person] = {
            "person": person, "known": known, "summary": summary,
            "current_risks": _limit(ctx, raw.get("current_risks"), f"finding {position} current risks"),
            "agency_contact": _limit(ctx, raw.get("agency_contact"), f"finding {position} agency contact"),
        }
    # In the order the request lists the people, whatever order they were given in.
    return [cleaned[key] for key in keys if key in cleaned]


def answer_request(ctx: Context, actor: Actor, key: str, *, findings: list[dict[str, Any]],
                   free_text: str | None = None) -> RequestView:
    """The agency's answer: insert-only, and it meets the request's clock."""
    require(ctx, actor, "request.answer")
    agency = _agency_of(ctx, actor)
    row_id = _own_request(ctx, actor, key, agency).id
    text = _limit(ctx, free_text, "free text")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        row = uow.session.get(InformationRequest, row_id)
        assert row is not None
        if row.state == "withdrawn":
            raise RequestRefused(f"{row.request_ref} was withdrawn: no answer is needed")
        if row.state == "answered":
            raise RequestRefused(f"{row.request_ref} is already answered: correct the answer instead")
        cleaned = _clean_findings(ctx, row, findings)
        if not cleaned and not text:
            raise RequestRefused("answer: give a finding for at least one person, or a written answer")
        if row.state == "sent":
            _mark_seen(uow, row)
        answer = RequestAnswer(request_id=row.id, agency=agency, findings=cleaned, free_text=text,
                               answered_by=actor.username, answered_at=uow.now)
        uow.add(answer)
        row.state = "answered"
        row.answered_at = uow.now
        row.answered_by = actor.username
        row.version += 1
        uow.add(row)
        end_clock(uow, row.clock_id, met=True)
        item = uow.session.get(WorkItem, row.item_id)
        # A partner's own machine holds the request but never the queue item (nor its clock): its
        # answer carries only the request and the answer, which is all its login may write.
        if item is not None:
            _event(uow, item, "request_answered", agency=agency, request_ref=row.request_ref)
            _changed(uow, item)
        uow.audit("request.answer", "request_answer", answer.id, subject_ref=row.reference,
                  details={"agency": agency, "request_ref": row.request_ref})
        uow.mutate("answer_request.v1", {"id": answer.id, "request_id": row.id, "findings": cleaned,
                                         "free_text": text, "seen_version": row.version - 1})
        view = _views(uow.session, [row])[0]
    return view


def correct_answer(ctx: Context, actor: Actor, key: str, *, findings: list[dict[str, Any]],
                   free_text: str | None = None) -> RequestView:
    """A corrected answer supersedes the one in force; both stay on record."""
    require(ctx, actor, "request.answer")
    agency = _agency_of(ctx, actor)
    row_id = _own_request(ctx, actor, key, agency).id
    text = _limit(ctx, free_text, "free text")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        row = uow.session.get(InformationRequest, row_id)
        assert row is not None
        if row.state != "answered":
            raise RequestRefused(f"{row.request_ref} is {row.state}: only an answered request can be corrected")
        current = _views(uow.session, [row])[0].answer
        assert current is not None
        cleaned = _clean_findings(ctx, row, findings)
        if not cleaned and not text:
            raise RequestRefused("answer: give a finding for at least one person, or a written answer")
        answer = RequestAnswer(request_id=row.id, agency=agency, findings=cleaned, free_text=text,
                               supersedes_id=current.id, answered_by=actor.username, answered_at=uow.now)
        uow.add(answer)
        item = uow.session.get(WorkItem, row.item_id)
        if item is not None:  # not on a partner's own machine, as in answer_request
            _event(uow, item, "request_answer_corrected", agency=agency, request_ref=row.request_ref)
        uow.audit("request.answer_correct", "request_answer", answer.id, subject_ref=row.reference,
                  details={"agency": agency, "request_ref": row.request_ref, "supersedes_id": current.id})
        uow.mutate("correct_request_answer.v1", {"id": answer.id, "request_id": row.id, "findings": cleaned,
                                                 "free_text": text, "supersedes_id": current.id})
        uow.session.flush()
        view = _views(uow.session, [row])[0]
    return view
