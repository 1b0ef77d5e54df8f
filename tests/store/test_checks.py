"""Prior-involvement checks on a contact: candidates with what is known, decisions, routing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mash_tui.errors import UserError
from mash_tui.services import checks, contacts, queue
from tests.conftest import OWNER
from tests.unit.contact_records import minimal_record

PERSONS = (
    "person_id,first_name,last_name,dob,sex,address,postcode\n"
    "P-100,Ada,Fenwick,2019-03-02,F,12 Mill Lane,DY4 7AA\n"
    "P-200,Dean,Fenwick,1988-07-14,M,12 Mill Lane,DY4 7AA\n"
    "P-300,Zofia,Kowalczyk,2015-01-20,F,4 Elm Road,B1 1AA\n"
)
INVOLVEMENTS = (
    "person_id,service,status,start_date,end_date,allocated_worker,team,phone\n"
    "P-100,social_care,open,2026-01-10,,Sam Social,Team North,01632 960999\n"
    "P-200,early_help,closed,2024-02-01,2024-06-30,Eve Early,Family Help,01632 960111\n"
)


def family_record(first: str = "Ada") -> dict:
    record = minimal_record()
    record["concerns"]["categories"] = ["16A"]
    record["children"] = [{"first_name": first, "last_name": "Fenwick", "dob": "2019-03-02", "postcode": "DY4 7AA"}]
    record["adults"] = [{"first_name": "Dean", "last_name": "Fenwick", "dob": "1988-07-14", "postcode": "DY4 7AA"}]
    return record


@pytest.fixture
def known(ctx, tmp_path: Path) -> None:  # noqa: ANN001
    from mash_tui.services.prior_involvement import import_involvements, import_persons

    persons = tmp_path / "persons.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    involvements = tmp_path / "involvements.csv"
    involvements.write_text(INVOLVEMENTS, encoding="utf-8")
    import_persons(ctx.store, persons, OWNER, ctx.clock)
    import_involvements(ctx.store, involvements, OWNER, ctx.clock)


def _submitted(ctx, officer, record: dict) -> str:  # noqa: ANN001
    draft = contacts.start_draft(ctx, officer, record)
    return contacts.submit_draft(ctx, officer, draft.id).reference


def _audit(ctx, reference: str) -> list[tuple[str, str]]:  # noqa: ANN001
    connection = sqlite3.connect(ctx.store.path)
    try:
        return connection.execute("SELECT actor, action FROM audit_event WHERE subject_ref = ? ORDER BY seq",
                                  (reference,)).fetchall()
    finally:
        connection.close()


def _outbox(ctx) -> list[str]:  # noqa: ANN001
    connection = sqlite3.connect(ctx.store.path)
    try:
        return [name for (name,) in connection.execute("SELECT name FROM outbox ORDER BY client_seq")]
    finally:
        connection.close()


def test_checks_find_the_known_child_with_involvements_and_earlier_contacts(ctx, users, known) -> None:  # noqa: ANN001
    officer = users["olivia"]
    earlier = _submitted(ctx, officer, family_record())
    reference = _submitted(ctx, officer, family_record())

    found = checks.run_checks(ctx, officer, reference)

    assert [(check.role, check.index) for check in found] == [("child", 0), ("adult", 0)]
    child = found[0]
    top = child.candidates[0]
    assert top.candidate_id == "P-100"
    assert top.band == "certain" and top.score > 0.9 and top.reasons
    assert [(item.service, item.status, item.allocated_worker, item.phone) for item in top.involvements] == [
        ("social_care", "open", "Sam Social", "01632 960999")]
    assert top.decision is None
    from_contact = [candidate for candidate in child.candidates if candidate.candidate_id.startswith("contact:")]
    assert [candidate.candidate_id for candidate in from_contact] == [f"contact:{earlier}:child:0"]
    assert [item.reference for item in from_contact[0].earlier_contacts] == [earlier]
    assert not any(candidate.candidate_id.startswith(f"contact:{reference}:") for candidate in child.candidates)
    assert found[1].candidates[0].candidate_id == "P-200"
    assert all(candidate.candidate_id != "P-300" for check in found for candidate in check.candidates)
    assert _audit(ctx, reference).count(("olivia", "check.run")) == 1


def test_an_open_draft_is_checked_from_its_form(ctx, users, known) -> None:  # noqa: ANN001
    officer = users["olivia"]
    form = family_record()
    form["children"][0]["dob"] = "02/03/2019"
    form["adults"][0]["dob"] = "not sure"
    draft = contacts.start_draft(ctx, officer, form)

    found = checks.run_checks(ctx, officer, draft_id=draft.id)

    assert found[0].candidates[0].candidate_id == "P-100"
    assert found[1].person.dob is None and found[1].candidates[0].candidate_id == "P-200"
    assert ("olivia", "check.run") in _audit(ctx, draft.reference)


def test_confirm_and_reject_are_stored_audited_and_the_latest_word_counts(ctx, users, known) -> None:  # noqa: ANN001
    officer = users["olivia"]
    reference = _submitted(ctx, officer, family_record())
    outbox_before = len(_outbox(ctx))

    checks.decide_match(ctx, officer, reference, "child", 0, "P-100", "confirmed", 0.98)
    checks.decide_match(ctx, officer, reference, "adult", 0, "P-200", "confirmed", 0.95)
    checks.decide_match(ctx, officer, reference, "adult", 0, "P-200", "rejected", 0.95)

    found = checks.run_checks(ctx, officer, reference)
    assert found[0].candidates[0].decision == "confirmed"
    assert found[1].candidates[0].decision == "rejected"
    with ctx.store.reading() as session:
        assert checks.confirmed_matches(session, reference) == {"P-100"}
    actions = [action for _, action in _audit(ctx, reference)]
    assert actions.count("match.confirmed") == 2 and actions.count("match.rejected") == 1
    # The checks run is audited, and its event goes to the shared trail too.
    assert _outbox(ctx)[outbox_before:] == ["decide_match.v1"] * 3 + ["record_audit.v1"]


def test_a_confirmed_open_involvement_proposes_the_worker(ctx, users, known) -> None:  # noqa: ANN001
    officer = users["olivia"]
    reference = _submitted(ctx, officer, family_record())
    assert checks.routing_for(ctx, officer, reference) is None

    # The father's early help closed in 2024: far outside the 28-day window, so no routing.
    checks.decide_match(ctx, officer, reference, "adult", 0, "P-200", "confirmed", 0.95)
    assert checks.routing_for(ctx, officer, reference) is None

    checks.decide_match(ctx, officer, reference, "child", 0, "P-100", "confirmed", 0.98)
    proposal = checks.routing_for(ctx, officer, reference)
    assert proposal is not None
    assert (proposal.worker, proposal.team, proposal.phone) == ("Sam Social", "Team North", "01632 960999")
    assert queue.recommendation_for(ctx, officer, reference).routing_worker == "Sam Social"


def test_bad_decisions_are_refused_in_words(ctx, users) -> None:  # noqa: ANN001
    officer = users["olivia"]
    reference = _submitted(ctx, officer, family_record())
    with pytest.raises(UserError, match="confirmed or rejected"):
        checks.decide_match(ctx, officer, reference, "child", 0, "P-100", "maybe", 0.5)
    with pytest.raises(UserError, match="no contact or draft"):
        checks.decide_match(ctx, officer, "C-NOPE", "child", 0, "P-100", "confirmed", 0.5)
    with pytest.raises(UserError, match="no submitted contact"):
        checks.run_checks(ctx, officer, "C-NOPE")
