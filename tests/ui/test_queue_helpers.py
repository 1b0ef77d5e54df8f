"""What the queue, recommendation and decision screen tests share: data built through the services.

No tests here; the other test modules import these helpers and the `steady_references` fixture.
"""

from __future__ import annotations

import pytest
from mash_tui.domain.roles import Actor
from tests.ui.conftest import desk_app, open_as, settle
from tests.unit.contact_records import minimal_record

__all__ = ["confirm_match", "desk_app", "escalated", "known_child_with_a_worker", "open_as", "record", "settle",
           "steady_references", "submitted"]


@pytest.fixture
def steady_references(monkeypatch: pytest.MonkeyPatch) -> None:
    """References carry a random machine prefix; snapshots need the same one every run."""
    import mash_tui.store.unit_of_work as unit_of_work

    monkeypatch.setattr(unit_of_work, "_new_machine_prefix", lambda: "TEST")


def record(categories: list[str], *, first: str = "Ada", last: str = "Fenwick", **concerns: object) -> dict:
    form = minimal_record()
    form["referrer"] = {"source": "2A", "name": "Priya Shah", "role": "Designated safeguarding lead",
                        "organisation": "Oakfield Primary", "phone": "01632 960123", "wants_feedback": True}
    form["children"] = [{"first_name": first, "last_name": last, "dob": "2019-03-02", "school": "Oakfield Primary"}]
    form["adults"] = [{"first_name": "Dean", "last_name": last, "relationship": "father", "lives_with_child": True,
                       "parental_responsibility": True}]
    form["concerns"].update(categories=categories, narrative=f"Synthetic narrative about {first}.", **concerns)
    return form


def submitted(ctx, officer: Actor, form: dict) -> str:  # noqa: ANN001
    from mash_tui.services import contacts

    draft = contacts.start_draft(ctx, officer, form)
    return contacts.submit_draft(ctx, officer, draft.id).reference


def escalated(ctx, officer: Actor, form: dict, note: str | None = None) -> str:  # noqa: ANN001
    from mash_tui.services import queue

    reference = submitted(ctx, officer, form)
    queue.escalate(ctx, officer, reference, note=note)
    return reference


def known_child_with_a_worker(ctx, tmp_path, person_id: str = "P-100") -> None:  # noqa: ANN001
    """A case-system child with an open social care case held by a named worker."""
    from mash_tui.services.prior_involvement import import_involvements, import_persons
    from tests.conftest import OWNER

    persons = tmp_path / "persons.csv"
    persons.write_text("person_id,first_name,last_name,dob,sex,address,postcode\n"
                       f"{person_id},Ada,Fenwick,2019-03-02,F,12 Mill Lane,DY4 7AA\n", encoding="utf-8")
    involvements = tmp_path / "involvements.csv"
    involvements.write_text("person_id,service,status,start_date,end_date,allocated_worker,team,phone\n"
                            f"{person_id},social_care,open,2026-01-10,,Sam Social,Team North,01632 960999\n",
                            encoding="utf-8")
    import_persons(ctx.store, persons, OWNER, ctx.clock)
    import_involvements(ctx.store, involvements, OWNER, ctx.clock)


def confirm_match(ctx, reference: str, candidate_id: str, officer: str = "olivia") -> None:  # noqa: ANN001
    """The officer's confirmed match, as the prior-involvement check records it."""
    from mash_tui.store.casework import MatchDecision

    with ctx.store.writing() as session:
        session.add(MatchDecision(reference=reference, person_role="child", person_index=0,
                                  candidate_id=candidate_id, decision="confirmed", score=0.97,
                                  decided_by=officer, decided_at=ctx.clock.now()))
