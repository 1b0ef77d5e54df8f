"""Every item's clocks through the services: started, met, restarted, and each breach recorded once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from mash_tui.domain.timescales import ClockState
from mash_tui.errors import PermissionRefused
from mash_tui.services import contacts, queue
from mash_tui.services.clocks import clock_board, clock_state, list_breaches, record_breaches
from mash_tui.store.casework import Breach, ItemClock
from mash_tui.store.tables import AuditEvent
from tests.unit.contact_records import minimal_record

# Tuesday 24 November 2026, 10:15 UTC (the frozen clock); the hub opens 08:30-17:00.
RECEIVED = datetime(2026, 11, 24, 9, 12, tzinfo=UTC)
WEDNESDAY_0912 = datetime(2026, 11, 25, 9, 12, tzinfo=UTC)
WEDNESDAY_1015 = datetime(2026, 11, 25, 10, 15, tzinfo=UTC)


def _record(categories: list[str], **changes) -> dict:
    record = minimal_record(received_at=RECEIVED.isoformat())
    record["concerns"]["categories"] = categories
    record["children"] = [{"first_name": "Ada", "last_name": "Fenwick", "dob": "2019-03-02"}]
    for key, value in changes.items():
        if key in ("referrer", "channel"):
            record[key] = value
        else:
            record["concerns"][key] = value
    return record


def _escalated(ctx, users, categories: list[str], **changes) -> str:
    officer = users["olivia"]
    draft = contacts.start_draft(ctx, officer, _record(categories, **changes))
    reference = contacts.submit_draft(ctx, officer, draft.id).reference
    queue.escalate(ctx, officer, reference)
    return reference


def _clocks(ctx, reference: str) -> dict[str, object]:
    return {clock.clock: clock for clock in queue.item_view(ctx, reference).clocks}


def _all_clock_rows(ctx, reference: str) -> list[ItemClock]:
    item_id = queue.item_view(ctx, reference).id
    with ctx.store.reading() as session:
        return list(session.exec(select(ItemClock).where(ItemClock.item_id == item_id)).all())


def _breach_rows(ctx) -> list[Breach]:
    with ctx.store.reading() as session:
        return list(session.exec(select(Breach)).all())


def test_escalated_amber_item_carries_decision_and_rag_clocks(ctx, users, clock) -> None:
    reference = _escalated(ctx, users, ["16A"])
    clocks = _clocks(ctx, reference)
    assert set(clocks) == {"decision", "amber"}
    # The decision runs from receipt, the RAG clock from the rating (escalation, now).
    assert clocks["decision"].started_at == RECEIVED and clocks["decision"].due_at == WEDNESDAY_0912
    assert clocks["amber"].started_at == clock.now() and clocks["amber"].due_at == WEDNESDAY_1015


def test_recorded_decision_meets_the_decision_clock(ctx, users, clock) -> None:
    reference = _escalated(ctx, users, ["16A"])
    queue.claim(ctx, users["dan"], reference)
    clock.advance(timedelta(hours=2))
    queue.decide(ctx, users["dan"], reference, rag="AMBER", outcome="mash_information_gathering")
    clocks = _clocks(ctx, reference)
    assert clocks["decision"].met_at == clock.now()
    assert clock_state(ctx, clocks["decision"], clock.now()) is ClockState.MET
    # Information gathering is not the MASH discussion: AMBER's day still runs.
    assert clocks["amber"].met_at is None


def test_strategy_discussion_decision_meets_the_red_clock(ctx, users, clock) -> None:
    reference = _escalated(ctx, users, ["18C"], injury="serious")
    assert set(_clocks(ctx, reference)) == {"decision", "red"}
    assert _clocks(ctx, reference)["red"].due_at == clock.now() + timedelta(hours=4)
    queue.claim(ctx, users["dan"], reference)
    clock.advance(timedelta(minutes=90))
    queue.decide(ctx, users["dan"], reference, rag="RED", outcome="strategy_discussion")
    clocks = _clocks(ctx, reference)
    assert clocks["red"].met_at == clock.now() and clocks["decision"].met_at == clock.now()


def test_other_decisions_leave_the_red_clock_running(ctx, users, clock) -> None:
    reference = _escalated(ctx, users, ["18C"], injury="serious")
    queue.claim(ctx, users["dan"], reference)
    queue.decide(ctx, users["dan"], reference, rag="RED", outcome="mash_information_gathering")
    clocks = _clocks(ctx, reference)
    assert clocks["decision"].met_at == clock.now()
    assert clocks["red"].met_at is None


def test_rerating_supersedes_and_restarts_the_rag_clock(ctx, users, clock) -> None:
    reference = _escalated(ctx, users, ["16A"])
    queue.claim(ctx, users["dan"], reference)
    clock.advance(timedelta(hours=2))
    queue.rerate(ctx, users["dan"], reference, "RED", "police report a serious injury")
    rows = {row.clock: row for row in _all_clock_rows(ctx, reference)}
    assert rows["amber"].superseded_at == clock.now() and rows["amber"].met_at is None
    assert rows["red"].started_at == clock.now() and rows["red"].due_at == clock.now() + timedelta(hours=4)
    # A superseded clock is history, not one of the item's clocks.
    assert set(_clocks(ctx, reference)) == {"decision", "red"}

    clock.advance(timedelta(hours=1))
    queue.rerate(ctx, users["dan"], reference, "AMBER", "injury was not serious after all")
    live = [row for row in _all_clock_rows(ctx, reference) if row.superseded_at is None and row.met_at is None]
    assert sorted(row.clock for row in live) == ["amber", "decision"]
    restarted = next(row for row in live if row.clock == "amber")
    assert restarted.started_at == clock.now()


def test_confirming_the_same_rating_keeps_the_clock(ctx, users, clock) -> None:
    reference = _escalated(ctx, users, ["16A"])
    before = _clocks(ctx, reference)["amber"]
    queue.claim(ctx, users["dan"], reference)
    clock.advance(timedelta(hours=1))
    queue.rerate(ctx, users["dan"], reference, "AMBER", "still amber")
    assert _clocks(ctx, reference)["amber"] == before


def test_professional_phone_referral_needs_written_confirmation_in_48_hours(ctx, users) -> None:
    professional = {"source": "2A", "name": "Priya Shah", "organisation": "Oakfield Primary", "phone": "01632 960123"}
    reference = _escalated(ctx, users, ["16A"], referrer=professional, channel="phone")
    confirmation = _clocks(ctx, reference)["confirmation"]
    assert confirmation.started_at == RECEIVED
    assert confirmation.due_at == RECEIVED + timedelta(hours=48)

    family = _escalated(ctx, users, ["16A"])
    assert "confirmation" not in _clocks(ctx, family)


def test_allegation_against_a_professional_starts_a_lado_clock_met_by_the_referral(ctx, users, clock) -> None:
    reference = _escalated(ctx, users, ["17A"], allegation_against_professional=True)
    lado = _clocks(ctx, reference)["lado"]
    assert lado.started_at == clock.now() and lado.due_at == WEDNESDAY_1015
    queue.claim(ctx, users["dan"], reference)
    queue.decide(ctx, users["dan"], reference, rag="AMBER", outcome="mash_information_gathering",
                 flags=["lado_referral"])
    assert _clocks(ctx, reference)["lado"].met_at == clock.now()


def test_immediate_danger_starts_red_and_decision_clocks_at_once(ctx, users, clock) -> None:
    draft = contacts.start_draft(ctx, users["olivia"], {})
    item = queue.raise_immediate_danger(ctx, users["olivia"], draft.id, children="Ben Fenwick")
    clocks = {view.clock: view for view in queue.item_view(ctx, item.reference).clocks}
    assert set(clocks) == {"red", "decision"}
    assert clocks["red"].due_at == clock.now() + timedelta(hours=4)


def test_near_breach_follows_policy(ctx, users, clock) -> None:
    red = _clocks(ctx, _escalated(ctx, users, ["18C"], injury="serious"))["red"]
    # Four hours: 25% is an hour, so the hour rule and the share agree.
    assert clock_state(ctx, red, red.due_at - timedelta(minutes=61)) is ClockState.OK
    assert clock_state(ctx, red, red.due_at - timedelta(minutes=59)) is ClockState.NEAR_BREACH
    assert clock_state(ctx, red, red.due_at) is ClockState.NEAR_BREACH
    assert clock_state(ctx, red, red.due_at + timedelta(microseconds=1)) is ClockState.BREACHED
    # One working day, Tuesday 10:15 to Wednesday 10:15: a quarter of the 24 hours is 6 hours.
    amber = _clocks(ctx, _escalated(ctx, users, ["16A"]))["amber"]
    assert clock_state(ctx, amber, amber.due_at - timedelta(hours=6, seconds=1)) is ClockState.OK
    assert clock_state(ctx, amber, amber.due_at - timedelta(hours=5, minutes=59)) is ClockState.NEAR_BREACH


def test_a_breach_is_recorded_once_and_never_removed(ctx, users, clock) -> None:
    reference = _escalated(ctx, users, ["16A"])
    assert record_breaches(ctx, users["olivia"]) == []
    clock.set(WEDNESDAY_0912 + timedelta(seconds=1))
    first = record_breaches(ctx, users["sue"])
    assert [(view.reference, view.clock) for view in first] == [(reference, "decision")]
    assert record_breaches(ctx, users["sue"]) == []

    clock.set(WEDNESDAY_1015 + timedelta(minutes=5))
    assert [view.clock for view in record_breaches(ctx, users["sue"])] == ["amber"]
    for _ in range(3):
        assert record_breaches(ctx, users["sue"]) == []
    assert len(_breach_rows(ctx)) == 2

    # Met late: the breach stays, and the clock says it was late.
    queue.claim(ctx, users["dan"], reference)
    queue.decide(ctx, users["dan"], reference, rag="AMBER", outcome="early_help")
    clocks = _clocks(ctx, reference)
    assert clock_state(ctx, clocks["decision"], clock.now()) is ClockState.MET_LATE
    assert clock_state(ctx, clocks["amber"], clock.now()) is ClockState.MET_LATE
    assert record_breaches(ctx, users["sue"]) == []
    breaches = list_breaches(ctx, users["sue"])
    assert [(b["reference"], b["clock"], b["state"]) for b in breaches] == [
        (reference, "decision", "met_late"),
        (reference, "amber", "met_late"),
    ]
    assert breaches[0]["due"] == WEDNESDAY_0912.isoformat()
    assert breaches[0]["met_at"] == clock.now().isoformat()
    assert len(_breach_rows(ctx)) == 2


def test_a_clock_met_late_before_any_sweep_still_records_its_breach(ctx, users, clock) -> None:
    reference = _escalated(ctx, users, ["16A"])
    queue.claim(ctx, users["dan"], reference)
    clock.set(WEDNESDAY_0912 + timedelta(minutes=30))
    queue.decide(ctx, users["dan"], reference, rag="AMBER", outcome="mash_information_gathering")
    assert [(b["clock"], b["state"]) for b in list_breaches(ctx, users["sue"])] == [("decision", "met_late")]
    assert record_breaches(ctx, users["sue"]) == []
    assert len(_breach_rows(ctx)) == 1


def test_a_rag_clock_restarted_after_its_due_time_keeps_its_breach(ctx, users, clock) -> None:
    reference = _escalated(ctx, users, ["16A"])
    queue.claim(ctx, users["dan"], reference)
    clock.set(WEDNESDAY_1015 + timedelta(hours=1))
    queue.rerate(ctx, users["dan"], reference, "RED", "new information from police")
    # Only the restarted clock was touched; the decision's breach waits for the next sweep.
    assert [(b["clock"], b["state"]) for b in list_breaches(ctx, users["sue"])] == [("amber", "superseded")]
    states = {b["clock"]: b["state"] for b in list_breaches(ctx, users["sue"], record_new=True)}
    assert states == {"decision": "open", "amber": "superseded"}


def test_breaches_since(ctx, users, clock) -> None:
    _escalated(ctx, users, ["16A"])
    clock.set(WEDNESDAY_0912 + timedelta(seconds=1))
    record_breaches(ctx, users["sue"])
    later = WEDNESDAY_1015 + timedelta(minutes=1)
    clock.set(later)
    assert [b["clock"] for b in list_breaches(ctx, users["sue"], since=later)] == []
    assert [b["clock"] for b in list_breaches(ctx, users["sue"], since=later, record_new=True)] == ["amber"]
    assert len(list_breaches(ctx, users["sue"])) == 2


def test_who_may_read_breaches_and_that_the_read_is_audited(ctx, users) -> None:
    list_breaches(ctx, users["sue"])
    list_breaches(ctx, users["dan"])
    for refused in ("olivia", "pat"):
        with pytest.raises(PermissionRefused):
            list_breaches(ctx, users[refused])
    with ctx.store.reading() as session:
        readers = session.exec(select(AuditEvent.actor).where(AuditEvent.action == "breaches.view")).all()
    assert sorted(readers) == ["dan", "sue"]


def test_open_items_now_records_breaches_first_and_audits_the_read(ctx, users, clock) -> None:
    reference = _escalated(ctx, users, ["16A"])
    clock.set(WEDNESDAY_1015 + timedelta(minutes=1))
    items = queue.open_items_now(ctx, users["sue"])
    assert [item.reference for item in items] == [reference]
    recorded = {clock.clock: clock.breached_at is not None for clock in items[0].clocks}
    assert recorded == {"decision": True, "amber": True}
    with pytest.raises(PermissionRefused):
        queue.open_items_now(ctx, users["pat"])
    with ctx.store.reading() as session:
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.actor == "sue")).all()
    assert "queue.view" in actions and actions.count("clock.breached") == 2


def test_clock_board_lists_running_clocks_of_open_items_and_skips_unchanged_reads(ctx, users, clock) -> None:
    open_item = _escalated(ctx, users, ["16A"])
    closed = _escalated(ctx, users, ["16A"])
    queue.claim(ctx, users["dan"], closed)
    queue.decide(ctx, users["dan"], closed, rag="AMBER", outcome="no_further_action")
    board = clock_board(ctx, users["sue"], audited=True)
    assert board.items is not None
    assert [(item.reference, sorted(c.clock for c in item.clocks)) for item in board.items] == [
        (open_item, ["amber", "decision"])
    ]
    assert clock_board(ctx, users["sue"], known=board.fingerprint).items is None
    queue.claim(ctx, users["dan"], open_item)
    changed = clock_board(ctx, users["sue"], known=board.fingerprint)
    assert changed.items is not None and changed.items[0].claimed_by == "dan"
    with pytest.raises(PermissionRefused):
        clock_board(ctx, users["dan"])
