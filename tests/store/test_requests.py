"""Information requests through the services: sending, the partner's view, answers, clocks, chronology."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlmodel import select

from mash_tui.domain.codes import RagLevel
from mash_tui.domain.contact import validate_contact
from mash_tui.errors import PermissionRefused
from mash_tui.services import queue, requests
from mash_tui.services.chronology import chronology
from mash_tui.services.clocks import record_breaches
from mash_tui.store.casework import ItemClock
from mash_tui.store.tables import AuditEvent
from tests.requests_setup import add_health_partner, claimed_item, neglect_record

POLICE_QUESTION = "Any call-outs to 12 Mill Lane this year?"


def _send_two(ctx, users) -> tuple[str, list[requests.RequestView]]:  # noqa: ANN001
    reference = claimed_item(ctx, users)
    sent = requests.send_requests(ctx, users["dan"], reference, {"police": POLICE_QUESTION, "health": None})
    return reference, sent


def _audited(ctx, action: str) -> list[AuditEvent]:  # noqa: ANN001
    with ctx.store.reading() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def _clock(ctx, clock_id: str) -> ItemClock:  # noqa: ANN001
    with ctx.store.reading() as session:
        row = session.get(ItemClock, clock_id)
        assert row is not None
        return row


def _clock_of(ctx, view: requests.RequestView) -> ItemClock:  # noqa: ANN001
    from mash_tui.store.requests import InformationRequest

    with ctx.store.reading() as session:
        row = session.get(InformationRequest, view.id)
        assert row is not None
        return _clock(ctx, row.clock_id)


def test_defaults_follow_the_rating_and_the_concerns() -> None:
    assert requests.default_agencies(RagLevel.RED) == ("police", "health", "education")
    assert requests.default_agencies(RagLevel.AMBER) == ("police", "health", "education")
    assert requests.default_agencies(RagLevel.GREEN) == ("health", "education")
    record = neglect_record()
    record["concerns"]["categories"] = ["2B", "4B"]
    contact = validate_contact(record)
    assert requests.default_agencies(RagLevel.GREEN, contact) == (
        "health", "education", "substance_misuse", "adult_social_care")


def test_sending_starts_one_clock_per_agency_and_shares_no_phone_numbers(ctx, users, clock) -> None:
    reference, sent = _send_two(ctx, users)
    assert [view.agency for view in sent] == ["police", "health"]
    assert all(view.state == "sent" and view.rag == "AMBER" for view in sent)
    assert sent[0].question == POLICE_QUESTION and sent[1].question is None
    assert sent[0].request_ref.startswith("R-") and sent[0].request_ref != sent[1].request_ref
    # AMBER asks for an answer within one working day: Tuesday 10:15 → Wednesday 10:15.
    assert sent[0].due_at == clock.now() + timedelta(days=1)
    assert "Neglect (16A)" in sent[0].summary
    assert [person.key for person in sent[0].people] == ["child:0", "adult:0"]
    assert "01632" not in repr(sent[0].people)
    clocks = [clock_view for clock_view in queue.item_view(ctx, reference).clocks if clock_view.clock == "request_amber"]
    assert sorted(clock_view.label for clock_view in clocks) == ["Health information request",
                                                                  "Police information request"]


def test_the_composer_offers_the_defaults_not_already_asked(ctx, users) -> None:
    reference, _ = _send_two(ctx, users)
    draft = requests.request_draft(ctx, users["dan"], reference)
    assert draft.rag == "AMBER" and draft.clock == "request_amber"
    assert draft.already_open == ("police", "health")
    assert draft.defaults == ("education",)
    assert "Consent not sought" in draft.consent or "Consent not recorded" in draft.consent


def test_sending_is_refused_without_the_claim_twice_to_one_agency_or_to_an_officer(ctx, users) -> None:
    reference, _ = _send_two(ctx, users)
    with pytest.raises(requests.RequestRefused, match="already has an open request"):
        requests.send_requests(ctx, users["dan"], reference, {"police": None})
    with pytest.raises(PermissionRefused):
        requests.send_requests(ctx, users["olivia"], reference, {"education": None})
    with pytest.raises(requests.RequestRefused, match="agency 'fire'"):
        requests.send_requests(ctx, users["dan"], reference, {"fire": None})
    queue.release(ctx, users["dan"], reference)
    with pytest.raises(requests.RequestRefused, match="claim it"):
        requests.send_requests(ctx, users["dan"], reference, {"education": None})


def test_each_partner_sees_only_its_own_agency(ctx, users) -> None:
    _send_two(ctx, users)
    health = add_health_partner(ctx)
    assert [view.agency for view in requests.list_my_requests(ctx, users["pat"])] == ["police"]
    assert [view.agency for view in requests.list_my_requests(ctx, health)] == ["health"]
    with pytest.raises(PermissionRefused):
        requests.list_my_requests(ctx, users["dan"])


def test_opening_marks_seen_once_and_is_audited(ctx, users, clock) -> None:
    _, sent = _send_two(ctx, users)
    police = sent[0]
    clock.advance(timedelta(minutes=5))
    opened = requests.open_request(ctx, users["pat"], police.request_ref)
    assert opened.state == "seen" and opened.seen_at == clock.now()
    clock.advance(timedelta(minutes=5))
    again = requests.open_request(ctx, users["pat"], police.id)
    assert again.seen_at == opened.seen_at
    assert len(_audited(ctx, "request.seen")) == 1
    assert len(_audited(ctx, "request.open")) == 2


def test_a_partner_opening_another_agencys_request_is_refused_and_audited(ctx, users) -> None:
    _, sent = _send_two(ctx, users)
    health_request = sent[1]
    with pytest.raises(PermissionRefused, match="among Police's requests"):
        requests.open_request(ctx, users["pat"], health_request.request_ref)
    with pytest.raises(PermissionRefused):
        requests.answer_request(ctx, users["pat"], health_request.id, findings=[], free_text="Nothing known")
    refusals = _audited(ctx, "request.refused")
    assert len(refusals) == 2
    assert refusals[0].actor == "pat" and refusals[0].entity_id == health_request.id
    assert refusals[0].details["reason"] == "another agency's request"
    # Nothing about the request changed: still unopened, unanswered.
    health = add_health_partner(ctx)
    assert requests.list_my_requests(ctx, health)[0].state == "sent"
    # Asking for a request that does not exist is answered in the same words.
    with pytest.raises(PermissionRefused, match="among Police's requests"):
        requests.open_request(ctx, users["pat"], "R-NONE-00001")


def test_an_answer_meets_its_own_clock_and_only_that_one(ctx, users, clock) -> None:
    _, sent = _send_two(ctx, users)
    police, health = sent
    clock.advance(timedelta(hours=3))
    answered = requests.answer_request(
        ctx, users["pat"], police.request_ref,
        findings=[{"person": "adult:0", "known": True, "summary": "Two call-outs in 2026",
                   "current_risks": "Shouting reported by neighbours", "agency_contact": "PC Lee, PPU"},
                  {"person": "child:0", "known": False}],
        free_text="No markers on the address.",
    )
    assert answered.state == "answered" and answered.answered_at == clock.now()
    assert [finding.person for finding in answered.answer.findings] == ["child:0", "adult:0"]
    assert _clock_of(ctx, police).met_at == clock.now()
    assert _clock_of(ctx, health).met_at is None
    # A day later the unanswered request breaches; the answered one never does.
    clock.advance(timedelta(days=1))
    breached = record_breaches(ctx, users["sue"])
    request_breaches = [view for view in breached if view.clock == "request_amber"]
    assert [view.label for view in request_breaches] == ["Health information request"]
    assert _clock_of(ctx, police).breached_at is None


def test_an_answer_after_the_due_time_is_met_late_and_keeps_its_breach(ctx, users, clock) -> None:
    _, sent = _send_two(ctx, users)
    clock.advance(timedelta(days=2))
    requests.answer_request(ctx, users["pat"], sent[0].request_ref, findings=[], free_text="Nothing known.")
    police_clock = _clock_of(ctx, sent[0])
    assert police_clock.met_at == clock.now() and police_clock.breached_at == clock.now()


def test_answers_are_checked_insert_only_and_corrected_by_superseding(ctx, users, clock) -> None:
    _, sent = _send_two(ctx, users)
    police = sent[0]
    pat = users["pat"]
    with pytest.raises(requests.RequestRefused, match="not one of"):
        requests.answer_request(ctx, pat, police.id, findings=[{"person": "adult:7", "known": False}])
    with pytest.raises(requests.RequestRefused, match="say what your records hold"):
        requests.answer_request(ctx, pat, police.id, findings=[{"person": "child:0", "known": True}])
    with pytest.raises(requests.RequestRefused, match="at least one person"):
        requests.answer_request(ctx, pat, police.id, findings=[], free_text="  ")
    first = requests.answer_request(ctx, pat, police.id, findings=[{"person": "child:0", "known": False}])
    with pytest.raises(requests.RequestRefused, match="correct the answer"):
        requests.answer_request(ctx, pat, police.id, findings=[{"person": "child:0", "known": False}])
    clock.advance(timedelta(minutes=30))
    corrected = requests.correct_answer(
        ctx, pat, police.id,
        findings=[{"person": "child:0", "known": True, "summary": "Missing episode, March 2026"}])
    assert len(corrected.answers) == 2
    assert corrected.answers[0].superseded and not corrected.answers[1].superseded
    assert corrected.answer.supersedes_id == first.answer.id
    assert corrected.answer.findings[0].known is True
    assert corrected.answered_at == first.answered_at
    connection = ctx.store.raw_connection()
    try:
        with pytest.raises(sqlite3.DatabaseError, match="insert-only"):
            connection.execute("UPDATE request_answer SET free_text = 'changed'")
        with pytest.raises(sqlite3.DatabaseError, match="insert-only"):
            connection.execute("DELETE FROM request_answer")
    finally:
        connection.close()


def test_chase_and_withdraw(ctx, users, clock) -> None:
    reference, sent = _send_two(ctx, users)
    police, health = sent
    chased = requests.chase_request(ctx, users["dan"], health.request_ref, note="Phoned the duty desk")
    assert chased.chase_count == 1 and chased.last_chased_at == clock.now()
    with pytest.raises(requests.RequestRefused, match="reason"):
        requests.withdraw_request(ctx, users["dan"], health.request_ref, " ")
    clock.advance(timedelta(hours=1))
    withdrawn = requests.withdraw_request(ctx, users["dan"], health.request_ref, "Health answered by phone")
    assert withdrawn.state == "withdrawn" and withdrawn.withdrawn_reason == "Health answered by phone"
    health_clock = _clock_of(ctx, health)
    assert health_clock.superseded_at == clock.now() and health_clock.breached_at is None
    health_partner = add_health_partner(ctx)
    with pytest.raises(requests.RequestRefused, match="withdrawn"):
        requests.answer_request(ctx, health_partner, health.request_ref, findings=[], free_text="late")
    with pytest.raises(requests.RequestRefused, match="only an open request"):
        requests.chase_request(ctx, users["dan"], health.request_ref)
    gathering = requests.information_gathering(ctx, users["dan"], reference)
    assert [view.status_at(clock.now()) for view in gathering.requests] == ["sent", "withdrawn"]
    assert gathering.requests[0].status_at(clock.now() + timedelta(days=2)) == "overdue"
    assert gathering.requests[0].id == police.id


def test_the_mash_discussion_meets_the_amber_clock(ctx, users, clock) -> None:
    reference, _ = _send_two(ctx, users)
    dan = users["dan"]
    queue.decide(ctx, dan, reference, rag="AMBER", outcome="mash_information_gathering")
    amber = [view for view in queue.item_view(ctx, reference).clocks if view.clock == "amber"]
    assert amber and amber[0].met_at is None
    with pytest.raises(requests.RequestRefused, match="participants"):
        requests.record_mash_discussion(ctx, dan, reference, participants=[" "], summary="x")
    clock.advance(timedelta(hours=2))
    discussion = requests.record_mash_discussion(
        ctx, dan, reference, participants=["Dan Decider", "PC Lee (police)", "School nurse"],
        summary="Neglect known to school; police hold two call-outs", agreed_actions="Single assessment")
    assert discussion.participants == ("Dan Decider", "PC Lee (police)", "School nurse")
    amber = [view for view in queue.item_view(ctx, reference).clocks if view.clock == "amber"]
    assert amber[0].met_at == clock.now()
    gathering = requests.information_gathering(ctx, dan, reference)
    assert [row.summary for row in gathering.discussions] == [discussion.summary]


def test_the_chronology_tells_every_step_in_time_order(ctx, users, clock) -> None:
    reference, sent = _send_two(ctx, users)
    dan, pat = users["dan"], users["pat"]
    clock.advance(timedelta(minutes=10))
    requests.open_request(ctx, pat, sent[0].request_ref)
    clock.advance(timedelta(minutes=10))
    requests.answer_request(ctx, pat, sent[0].request_ref, findings=[{"person": "child:0", "known": False}])
    clock.advance(timedelta(minutes=10))
    queue.rerate(ctx, dan, reference, "RED", "Police answer shows an assault")
    clock.advance(timedelta(days=3))
    record_breaches(ctx, users["sue"])
    entries = chronology(ctx, dan, reference)
    kinds = [entry.kind for entry in entries]
    assert kinds[:3] == ["contact_received", "draft_started", "contact_submitted"]
    for expected in ("rating_recommendation", "escalated", "claimed", "request_sent", "request_seen",
                     "request_answered", "rating_rerate", "breach"):
        assert expected in kinds, expected
    assert kinds.count("request_sent") == 2
    assert [entry.at for entry in entries] == sorted(entry.at for entry in entries)
    rerate = next(entry for entry in entries if entry.kind == "rating_rerate")
    assert rerate.summary == "Re-rated AMBER → RED: Police answer shows an assault"
    breaches = [entry.summary for entry in entries if entry.kind == "breach"]
    assert "Breach: the Health information request clock ran out" in breaches
    assert _audited(ctx, "item.chronology")
    with pytest.raises(PermissionRefused):
        chronology(ctx, pat, reference)


def test_a_partner_never_sees_the_chronology_or_the_item_view(ctx, users) -> None:
    reference, _ = _send_two(ctx, users)
    with pytest.raises(PermissionRefused):
        requests.information_gathering(ctx, users["pat"], reference)
    with pytest.raises(PermissionRefused):
        requests.request_draft(ctx, users["pat"], reference)
