"""The prior-involvement checks screen: snapshots, and confirming and rejecting by keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from mash_tui.screens.checks import ChecksScreen
from mash_tui.screens.recommendation import RecommendationScreen
from tests.conftest import OWNER
from tests.ui.test_queue_helpers import desk_app, open_as, settle, steady_references, submitted
from tests.unit.contact_records import minimal_record
from tests.ui.conftest import SNAPSHOT_SIZES

__all__ = ["steady_references"]
pytestmark = pytest.mark.usefixtures("steady_references")

# The worker's name looks like markup on purpose: it must show as the case system holds it.
WORKER = "Sam O'Brien [/b]"


@pytest.fixture
def family_contact(ctx, users, tmp_path: Path) -> str:  # noqa: ANN001
    """A contact about Ada and her father Dean, both known to the case system."""
    from mash_tui.services.prior_involvement import import_involvements, import_persons

    persons = tmp_path / "persons.csv"
    persons.write_text("person_id,first_name,last_name,dob,sex,address,postcode\n"
                       "P-100,Ada,Fenwick,2019-03-02,F,12 Mill Lane,DY4 7AA\n"
                       "P-200,Dean,Fenwick,1988-07-14,M,12 Mill Lane,DY4 7AA\n", encoding="utf-8")
    involvements = tmp_path / "involvements.csv"
    involvements.write_text("person_id,service,status,start_date,end_date,allocated_worker,team,phone\n"
                            f"P-100,social_care,open,2026-01-10,,{WORKER},Team North,01632 960999\n"
                            "P-200,early_help,closed,2024-02-01,2024-06-30,Eve Early,Family Help,01632 960111\n",
                            encoding="utf-8")
    import_persons(ctx.store, persons, OWNER, ctx.clock)
    import_involvements(ctx.store, involvements, OWNER, ctx.clock)
    record = minimal_record()
    record["concerns"]["categories"] = ["16A"]
    record["children"] = [{"first_name": "Ada", "last_name": "Fenwick", "dob": "2019-03-02", "postcode": "DY4 7AA"}]
    record["adults"] = [{"first_name": "Dean", "last_name": "Fenwick", "dob": "1988-07-14", "postcode": "DY4 7AA",
                         "relationship": "father"}]
    return submitted(ctx, users["olivia"], record)


def _rows(app) -> list[str]:  # noqa: ANN001
    table = app.screen.query_one("#checks-table", DataTable)
    return [row.key.value for row in table.ordered_rows]


def _text(app, selector: str) -> str:  # noqa: ANN001
    return str(app.screen.query_one(selector, Static).render())


@pytest.mark.parametrize("size", SNAPSHOT_SIZES)
def test_checks_snapshot(snap_compare, ctx, clock, users, family_contact, size: tuple[int, int]) -> None:  # noqa: ANN001
    from mash_tui.services import checks

    checks.decide_match(ctx, users["olivia"], family_contact, "child", 0, "P-100", "confirmed", 0.98)

    async def run_before(pilot) -> None:  # noqa: ANN001
        officer = users["olivia"]
        await open_as(pilot, officer, ChecksScreen(officer, family_contact))
        assert WORKER in _text(pilot.app, "#checks-routing")
        assert WORKER in _text(pilot.app, "#checks-detail")

    assert snap_compare(desk_app(ctx, clock), terminal_size=size, run_before=run_before)


async def test_officer_confirms_one_candidate_and_rejects_another_by_keyboard(ctx, clock, users,  # noqa: ANN001
                                                                               family_contact) -> None:
    from mash_tui.services import checks

    officer = users["olivia"]
    app = desk_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_as(pilot, officer, ChecksScreen(officer, family_contact))
        assert _rows(app) == ["person:child:0", "candidate:child:0:P-100", "person:adult:0", "candidate:adult:0:P-200"]
        assert "No routing yet" in _text(app, "#checks-routing")
        assert "Social care: open" in _text(app, "#checks-detail")

        await pilot.press("y")
        await settle(pilot)
        table = app.screen.query_one("#checks-table", DataTable)
        assert str(table.get_cell("candidate:child:0:P-100", "decision")) == "Confirmed"
        routing = _text(app, "#checks-routing")
        assert WORKER in routing and "01632 960999" in routing

        await pilot.press("down", "down")
        assert "Early help: closed" in _text(app, "#checks-detail")
        await pilot.press("x")
        await settle(pilot)
        assert str(table.get_cell("candidate:adult:0:P-200", "decision")) == "Rejected"

        # A person's own row is not a candidate: nothing is stored.
        await pilot.press("up")
        await pilot.press("y")
        await settle(pilot)
        assert "Highlight a candidate" in _text(app, "#checks-message")

        await pilot.press("r")
        await settle(pilot)
        assert str(table.get_cell("candidate:child:0:P-100", "decision")) == "Confirmed"

        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, RecommendationScreen)
        assert WORKER in _text(app, "#rec-routing")
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ChecksScreen)

    with ctx.store.reading() as session:
        decisions = checks.latest_decisions(session, family_contact)
    assert decisions == {("child", 0, "P-100"): "confirmed", ("adult", 0, "P-200"): "rejected"}
