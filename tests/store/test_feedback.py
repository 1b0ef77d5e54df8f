"""Telling the referrer the outcome (DOMAIN.md step 9) through the services, on a real SQLite store."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from mash_tui.errors import PermissionRefused
from mash_tui.services import contacts, queue
from mash_tui.services.chronology import chronology
from mash_tui.services.feedback import record_feedback
from tests.unit.contact_records import minimal_record


def _professional_amber_form() -> dict:
    record = minimal_record()
    record["referrer"] = {"source": "2A", "name": "Priya Shah", "organisation": "Acorn [b]Primary[/b]",
                          "phone": "01632 960123", "wants_feedback": True}
    record["concerns"]["categories"] = ["16A"]
    record["children"] = [{"first_name": "Ada", "last_name": "Fenwick", "dob": "2019-03-02"}]
    return record


@pytest.fixture
def claimed(ctx, users) -> str:  # noqa: ANN001
    officer = users["olivia"]
    draft = contacts.start_draft(ctx, officer, _professional_amber_form())
    reference = contacts.submit_draft(ctx, officer, draft.id).reference
    queue.escalate(ctx, officer, reference)
    queue.claim(ctx, users["dan"], reference)
    return reference


def _rows(ctx, sql: str, *parameters: object) -> list[tuple]:  # noqa: ANN001
    connection = sqlite3.connect(ctx.store.path)
    try:
        return connection.execute(sql, parameters).fetchall()
    finally:
        connection.close()


def test_feedback_is_refused_before_the_item_has_an_outcome(ctx, users, claimed) -> None:  # noqa: ANN001
    with pytest.raises(queue.ItemRefused, match="has no outcome yet \\(it is claimed\\)"):
        record_feedback(ctx, users["dan"], claimed, how="phone")
    # Information gathering is on the way to a decision, not an outcome to tell.
    queue.decide(ctx, users["dan"], claimed, rag="AMBER", outcome="mash_information_gathering")
    with pytest.raises(queue.ItemRefused, match="information gathering"):
        record_feedback(ctx, users["olivia"], claimed, how="phone")
    assert queue.item_view(ctx, claimed).feedback == []
    assert _rows(ctx, "SELECT count(*) FROM item_event WHERE kind = 'feedback_given'") == [(0,)]


def test_feedback_after_the_decision_is_recorded_audited_and_queued(ctx, users, clock, claimed) -> None:  # noqa: ANN001
    dm = users["dan"]
    decided = queue.decide(ctx, dm, claimed, rag="AMBER", outcome="assessment")
    clock.advance(timedelta(minutes=17))
    item = record_feedback(ctx, users["olivia"], claimed, how="phone", note="  Told Priya: assessment [b]now[/b] ")

    assert item.version == decided.version + 1
    assert [(given.how, given.at, given.by, given.note) for given in item.feedback] == [
        ("phone", clock.now(), "olivia", "Told Priya: assessment [b]now[/b]")]
    assert item.feedback_given_at == clock.now()
    shown = item.as_json()
    assert shown["feedback"] == [{"how": "phone", "at": clock.now().isoformat(), "by": "olivia",
                                  "note": "Told Priya: assessment [b]now[/b]"}]
    assert shown["feedback_given_at"] == clock.now().isoformat()

    [event] = [e for e in queue.item_history(ctx, dm, claimed) if e["kind"] == "feedback_given"]
    assert event["details"] == {"how": "phone", "note": "Told Priya: assessment [b]now[/b]", "outcome": "assessment",
                                "referrer_name": "Priya Shah", "referrer_organisation": "Acorn [b]Primary[/b]"}
    assert _rows(ctx, "SELECT actor, subject_ref, json_extract(details, '$.how') FROM audit_event "
                      "WHERE action = 'item.feedback'") == [("olivia", claimed, "phone")]
    [(payload_how, seen_version)] = _rows(
        ctx, "SELECT json_extract(payload, '$.how'), json_extract(payload, '$.seen_version') FROM outbox "
             "WHERE name = 'record_feedback.v1'")
    assert (payload_how, seen_version) == ("phone", decided.version)


def test_several_feedbacks_are_kept_in_order_and_the_chronology_tells_each(ctx, users, clock, claimed) -> None:  # noqa: ANN001
    dm = users["dan"]
    queue.decide(ctx, dm, claimed, rag="GREEN", outcome="early_help", reason="attendance only")
    record_feedback(ctx, dm, claimed, how="phone")
    clock.advance(timedelta(days=1))
    item = record_feedback(ctx, dm, claimed, how="letter", note="Confirmed in writing")
    assert [given.how for given in item.feedback] == ["phone", "letter"]
    assert item.feedback_given_at == clock.now()

    told = [entry for entry in chronology(ctx, dm, claimed) if entry.kind == "feedback_given"]
    assert [entry.summary for entry in told] == [
        "Referrer told the outcome by phone",
        "Referrer told the outcome by letter: Confirmed in writing",
    ]
    assert told[1].details["referrer_name"] == "Priya Shah"
    # The queue's list shows it as well as the one-item view (an early-help item is closed to the queue).
    [listed] = queue.list_items(ctx, dm, states=frozenset({"early_help"}))
    assert [given.how for given in listed.feedback] == ["phone", "letter"]


def test_an_item_closed_by_the_officer_and_an_anonymous_referrer_can_be_told(ctx, users) -> None:  # noqa: ANN001
    officer = users["olivia"]
    record = minimal_record()
    record["referrer"] = {"source": "3A", "name": "Dr Ng", "email": "ng@example.org", "anonymous": True,
                          "wants_feedback": True}
    draft = contacts.start_draft(ctx, officer, record)
    reference = contacts.submit_draft(ctx, officer, draft.id).reference
    queue.close_contact(ctx, officer, reference, "advice_and_information", "Signposted to the school nurse")
    item = record_feedback(ctx, officer, reference, how="email")
    assert [given.how for given in item.feedback] == ["email"]


def test_bad_methods_long_notes_and_the_wrong_roles_are_refused(ctx, users, claimed) -> None:  # noqa: ANN001
    dm = users["dan"]
    queue.decide(ctx, dm, claimed, rag="AMBER", outcome="assessment")
    with pytest.raises(queue.ItemRefused, match="how 'fax': use one of phone, email, letter, in_person, meeting"):
        record_feedback(ctx, dm, claimed, how="fax")
    limit = ctx.policy.limits.max_field_chars
    with pytest.raises(queue.ItemRefused, match=f"note: {limit + 1} characters, over the limit of {limit}"):
        record_feedback(ctx, dm, claimed, how="phone", note="x" * (limit + 1))
    with pytest.raises(queue.ItemRefused, match="no queue item"):
        record_feedback(ctx, dm, "C-NONE-00001", how="phone")
    for refused in ("sue", "pat", "adam"):
        with pytest.raises(PermissionRefused, match="may not record feedback to referrers"):
            record_feedback(ctx, users[refused], claimed, how="phone")
    assert queue.item_view(ctx, claimed).feedback == []
    # A blank note is no note.
    assert record_feedback(ctx, dm, claimed, how="meeting", note="   ").feedback[0].note is None
