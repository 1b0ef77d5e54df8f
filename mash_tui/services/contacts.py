"""Capturing contacts: drafts that autosave, submission, import and export of `mash.contact/1`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from mash_tui.domain.contact import (
    Contact,
    ContactFileError,
    ContactProblem,
    contact_to_json,
    parse_contacts,
    validate_contact,
)
from mash_tui.domain.limits import check_field_sizes
from mash_tui.domain.rag import recommend
from mash_tui.domain.roles import Actor
from mash_tui.errors import UserError
from mash_tui.services.authz import require
from mash_tui.services.context import Context
from mash_tui.services.views import ContactView, DraftView
from mash_tui.store import contacts as stored_contacts
from mash_tui.store.casework import ContactDraft, ContactRecord
from mash_tui.store.known_persons import index_contact_people
from mash_tui.store.unit_of_work import UnitOfWork, unit_of_work


class ContactInvalid(UserError):
    def __init__(self, problems: list[ContactProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


def _draft_view(draft: ContactDraft) -> DraftView:
    return DraftView(draft.id, draft.reference, draft.status, draft.version, dict(draft.form), draft.updated_at)


def _contact_view(row: ContactRecord, superseded: bool = False) -> ContactView:
    return ContactView(
        row.id,
        row.reference,
        row.version,
        row.author,
        row.received_at,
        row.submitted_at,
        dict(row.record),
        row.children,
        row.recommended_rag,
        list(row.rules),
        list(row.reasons),
        list(row.flags),
        superseded,
    )


def children_names(contact: Contact) -> str:
    return ", ".join(child.display_name for child in contact.children)


def validate_record(raw: dict[str, Any], now: datetime | None = None) -> Contact:
    """The form or file object as a valid contact, or `ContactInvalid` naming each field."""
    try:
        return validate_contact(raw, now=now)
    except ContactFileError as error:
        raise ContactInvalid(list(error.problems)) from None


def start_draft(ctx: Context, actor: Actor, form: dict[str, Any] | None = None) -> DraftView:
    require(ctx, actor, "contact.capture")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        reference = uow.next_reference("C")
        draft = ContactDraft(
            reference=reference, author=actor.username, form=form or {}, created_at=uow.now, updated_at=uow.now
        )
        uow.add(draft)
        uow.audit("draft.start", "contact_draft", draft.id, subject_ref=reference)
        uow.mutate("start_draft.v1", {"id": draft.id, "reference": reference, "form": draft.form})
    return _draft_view(draft)


def _own_open_draft(session: Session, actor: Actor, draft_id: str) -> ContactDraft:
    draft = session.get(ContactDraft, draft_id)
    if draft is None or draft.author != actor.username:
        raise UserError("no such draft of yours")
    if draft.status != "open":
        raise UserError(f"draft {draft.reference} is {draft.status}: submitted contacts are read-only")
    return draft


def save_draft(ctx: Context, actor: Actor, draft_id: str, form: dict[str, Any]) -> DraftView:
    """Autosave: the whole form as the officer sees it now."""
    require(ctx, actor, "contact.capture")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        draft = _own_open_draft(uow.session, actor, draft_id)
        draft.form = form
        draft.version += 1
        draft.updated_at = uow.now
        uow.add(draft)
        uow.audit("draft.save", "contact_draft", draft.id, subject_ref=draft.reference, details={"version": draft.version})
        uow.mutate("save_draft.v1", {"id": draft.id, "version": draft.version, "form": form})
    return _draft_view(draft)


def discard_draft(ctx: Context, actor: Actor, draft_id: str) -> None:
    require(ctx, actor, "contact.capture")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        draft = _own_open_draft(uow.session, actor, draft_id)
        draft.status = "discarded"
        draft.version += 1
        draft.updated_at = uow.now
        uow.add(draft)
        uow.audit("draft.discard", "contact_draft", draft.id, subject_ref=draft.reference)
        uow.mutate("discard_draft.v1", {"id": draft.id, "version": draft.version})


def open_drafts(ctx: Context, actor: Actor) -> list[DraftView]:
    require(ctx, actor, "contact.capture")
    with ctx.store.reading() as session:
        return [_draft_view(row) for row in stored_contacts.open_drafts_of(session, actor.username)]


def load_draft(ctx: Context, actor: Actor, draft_id: str) -> DraftView:
    require(ctx, actor, "contact.capture")
    with ctx.store.reading() as session:
        draft = session.get(ContactDraft, draft_id)
        if draft is None or draft.author != actor.username:
            raise UserError("no such draft of yours")
        return _draft_view(draft)


def _store_contact(uow: UnitOfWork, ctx: Context, contact: Contact, reference: str, *, version: int = 1,
                   supersedes_id: str | None = None) -> ContactRecord:
    try:
        check_field_sizes([contact], ctx.policy.limits.max_field_chars)
    except ContactFileError as error:
        raise ContactInvalid(list(error.problems)) from None
    recommendation = recommend(contact, ctx.rules, non_mobile_under_months=ctx.policy.rag.non_mobile_under_months)
    record = contact_to_json(contact)
    row = ContactRecord(
        reference=reference,
        version=version,
        supersedes_id=supersedes_id,
        author=uow.actor.username,
        received_at=contact.received_at,
        submitted_at=uow.now,
        record=record,
        children=children_names(contact),
        recommended_rag=recommendation.rag.value,
        rules=list(recommendation.rules),
        reasons=list(recommendation.reasons),
        flags=list(recommendation.flags),
    )
    uow.add(row)
    people = [{"role": "child", **child} for child in record["children"]]
    people += [{"role": "adult", **adult} for adult in record["adults"]]
    uow.session.flush()
    index_contact_people(uow.session, reference, people)
    uow.audit(
        "contact.submit" if supersedes_id is None else "contact.correct",
        "contact",
        row.id,
        subject_ref=reference,
        details={"version": version, "recommended_rag": row.recommended_rag},
    )
    uow.mutate("submit_contact.v1", {"id": row.id, "reference": reference, "version": version,
                                     "supersedes_id": supersedes_id, "record": record})
    return row


def submit_draft(ctx: Context, actor: Actor, draft_id: str) -> ContactView:
    """Validate the whole draft; on success it becomes a read-only contact with the same reference."""
    require(ctx, actor, "contact.capture")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        draft = _own_open_draft(uow.session, actor, draft_id)
        contact = validate_record(draft.form, ctx.clock.now())
        row = _store_contact(uow, ctx, contact, draft.reference)
        draft.status = "submitted"
        draft.version += 1
        draft.updated_at = uow.now
        uow.add(draft)
    return _contact_view(row)


def correct_contact(ctx: Context, actor: Actor, reference: str, raw: dict[str, Any]) -> ContactView:
    """A correction is a new version that supersedes; the old one stays and stays visible."""
    require(ctx, actor, "contact.capture", subject_ref=reference)
    contact = validate_record(raw, ctx.clock.now())
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        latest = _latest(uow.session, reference)
        row = _store_contact(uow, ctx, contact, reference, version=latest.version + 1, supersedes_id=latest.id)
    return _contact_view(row)


def import_contacts(ctx: Context, actor: Actor, text: str) -> list[ContactView]:
    """All or nothing: one invalid object and nothing is stored."""
    require(ctx, actor, "contact.import")
    try:
        contacts = parse_contacts(text, now=ctx.clock.now())
        check_field_sizes(contacts, ctx.policy.limits.max_field_chars)
    except ContactFileError as error:
        raise ContactInvalid(list(error.problems)) from None
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        rows = [_store_contact(uow, ctx, contact, uow.next_reference("C")) for contact in contacts]
    return [_contact_view(row) for row in rows]


def _latest(session: Session, reference: str) -> ContactRecord:
    row = stored_contacts.latest_contact(session, reference)
    if row is None:
        raise UserError(f"no contact with reference {reference!r}")
    return row


def get_contact(ctx: Context, actor: Actor, reference: str) -> ContactView:
    require(ctx, actor, "contact.view", subject_ref=reference)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        row = _latest(uow.session, reference)
        uow.audit("contact.view", "contact", row.id, subject_ref=reference)
    return _contact_view(row)


def contact_versions(ctx: Context, actor: Actor, reference: str) -> list[ContactView]:
    require(ctx, actor, "contact.view", subject_ref=reference)
    with ctx.store.reading() as session:
        rows = stored_contacts.contact_versions(session, reference)
    if not rows:
        raise UserError(f"no contact with reference {reference!r}")
    return [_contact_view(row, superseded=row is not rows[-1]) for row in rows]


def list_contacts(ctx: Context, actor: Actor, *, since: datetime | None = None,
                  author: str | None = None, limit: int | None = None) -> list[ContactView]:
    """The latest version of each contact, newest received first."""
    require(ctx, actor, "contact.view")
    with ctx.store.reading() as session:
        latest: dict[str, ContactRecord] = {}
        for row in stored_contacts.contacts_received(session, since=since, author=author):
            if row.reference not in latest or row.version > latest[row.reference].version:
                latest[row.reference] = row
    rows = sorted(latest.values(), key=lambda r: (r.received_at, r.reference), reverse=True)
    return [_contact_view(row) for row in rows[:limit]]


def browse_contacts(ctx: Context, actor: Actor, *, since: datetime | None = None) -> list[ContactView]:
    """Every contact's latest version, as `mash contacts list` shows it: a view of every child's name, audited."""
    views = list_contacts(ctx, actor, since=since)
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        uow.audit("contact.list", "contact", None, details={"count": len(views),
                                                            "since": since.isoformat() if since else None})
    return views


def export_contacts(ctx: Context, actor: Actor, *, since: datetime | None = None) -> list[dict[str, Any]]:
    require(ctx, actor, "contact.export")
    views = list_contacts(ctx, actor, since=since)
    views.sort(key=lambda view: (view.received_at, view.reference))
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        uow.audit("contact.export", "contact", None, details={"count": len(views),
                                                              "since": since.isoformat() if since else None})
    return [view.record for view in views]
