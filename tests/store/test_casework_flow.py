"""The front door end to end through the services: capture, escalate, claim, decide, clocks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mash_tui.errors import PermissionRefused
from mash_tui.services import contacts, queue
from mash_tui.services.clocks import list_breaches, record_breaches
from tests.unit.contact_records import minimal_record


def _amber_form() -> dict:
    record = minimal_record()
    record["concerns"]["categories"] = ["16A"]
    record["children"] = [{"first_name": "Ada", "last_name": "Fenwick", "dob": "2019-03-02"}]
    return record


def test_capture_escalate_claim_decide(ctx, users, clock) -> None:
    officer, dm = users["olivia"], users["dan"]
    draft = contacts.start_draft(ctx, officer)
    assert draft.reference.startswith("C-")
    contacts.save_draft(ctx, officer, draft.id, _amber_form())
    contact = contacts.submit_draft(ctx, officer, draft.id)
    assert contact.recommended_rag == "AMBER"
    with pytest.raises(Exception, match="read-only"):
        contacts.save_draft(ctx, officer, draft.id, _amber_form())
    with pytest.raises(queue.ItemRefused, match="escalated"):
        queue.close_contact(ctx, officer, contact.reference, "no_further_action", "none needed")
    item = queue.escalate(ctx, officer, contact.reference, note="school worried")
    assert item.state == "escalated" and item.rag == "AMBER"
    assert {clock.clock for clock in item.clocks} == {"decision", "amber"}
    with pytest.raises(PermissionRefused):
        queue.claim(ctx, officer, contact.reference)
    claimed = queue.claim_next(ctx, dm)
    assert claimed.claimed_by == "dan" and claimed.state == "claimed"
    with pytest.raises(queue.ItemRefused, match="reason"):
        queue.decide(ctx, dm, contact.reference, rag="RED", outcome="strategy_discussion")
    decided = queue.decide(ctx, dm, contact.reference, rag="RED", outcome="strategy_discussion",
                           reason="bruising seen by school nurse")
    assert decided.state == "decided" and decided.rag == "RED"
    live = [clock for clock in decided.clocks if clock.met_at is None]
    assert live == []


def test_breach_recorded_once(ctx, users, clock) -> None:
    officer = users["olivia"]
    draft = contacts.start_draft(ctx, officer, _amber_form())
    contact = contacts.submit_draft(ctx, officer, draft.id)
    queue.escalate(ctx, officer, contact.reference)
    assert record_breaches(ctx, officer) == []
    clock.advance(timedelta(days=3))
    first = record_breaches(ctx, officer)
    assert {view.clock for view in first} == {"decision", "amber"}
    assert record_breaches(ctx, officer) == []
    assert len(list_breaches(ctx, users["sue"])) == 2


def test_claim_held_by_another(ctx, users) -> None:
    officer = users["olivia"]
    draft = contacts.start_draft(ctx, officer, _amber_form())
    reference = contacts.submit_draft(ctx, officer, draft.id).reference
    queue.escalate(ctx, officer, reference)
    queue.claim(ctx, users["dan"], reference)
    from mash_tui.services.users import add_user
    from tests.conftest import OWNER, PASSWORD

    add_user(ctx, OWNER, username="dee", role="decision_maker", password=PASSWORD)
    from mash_tui.domain.roles import Actor

    with pytest.raises(queue.ItemRefused, match="held by dan"):
        queue.claim(ctx, Actor("dee", "decision_maker"), reference)


def _professional_phone_form() -> dict:
    record = _amber_form()
    record["referrer"] = {"source": "2A", "name": "Pat Teacher", "phone": "01632 960111"}
    return record


def test_final_decision_ends_the_rag_clock_and_confirmation_is_recorded(ctx, users, clock) -> None:
    officer, dm = users["olivia"], users["dan"]
    draft = contacts.start_draft(ctx, officer, _professional_phone_form())
    reference = contacts.submit_draft(ctx, officer, draft.id).reference
    item = queue.escalate(ctx, officer, reference)
    assert {c.clock for c in item.clocks} == {"decision", "amber", "confirmation"}
    queue.claim(ctx, dm, reference)
    decided = queue.decide(ctx, dm, reference, rag="AMBER", outcome="assessment")
    running = {c.clock for c in decided.clocks if c.met_at is None}
    assert running == {"confirmation"}
    confirmed = queue.record_written_confirmation(ctx, officer, reference)
    assert all(c.met_at is not None for c in confirmed.clocks)
    with pytest.raises(queue.ItemRefused, match="not waiting"):
        queue.record_written_confirmation(ctx, officer, reference)
