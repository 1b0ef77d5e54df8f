"""What the queue, recommendation and decision screen tests share: data built through the services.

No tests here; the other test modules import these helpers and the `steady_references` fixture.
"""

from __future__ import annotations

import pytest
from mash_tui.domain.roles import Actor
from tests.ui.conftest import desk_app, open_as, settle
from tests.unit.contact_records import minimal_record

__all__ = ["desk_app", "escalated", "open_as", "record", "settle", "steady_references", "submitted"]


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
