"""Open-case routing and repeat contacts (DOMAIN.md section 1, step 3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mash_tui.domain.policy import RepeatContactPolicy
from mash_tui.domain.routing import Involvement, is_repeat_contact, repeat_contact_finding, routing_proposal

RECEIVED = datetime(2026, 3, 29, 10, 0, tzinfo=UTC)
REPEATS = RepeatContactPolicy(short_window_days=7, short_window_count=2, long_window_months=12, long_window_count=3)


def involvement(status: str, end: date | None = None, worker: str = "Ann Lee") -> Involvement:
    return Involvement(
        person_id="P1",
        service="social_care",
        status=status,
        start_date=date(2024, 1, 1),
        end_date=end,
        allocated_worker=worker,
        team="Child in Need North",
        phone="0161 496 0000",
    )


def test_an_open_involvement_routes_to_its_worker() -> None:
    proposal = routing_proposal([involvement("open")], RECEIVED, 28)
    assert proposal is not None
    assert (proposal.worker, proposal.team, proposal.phone) == ("Ann Lee", "Child in Need North", "0161 496 0000")
    assert "open social care involvement" in proposal.reason


@pytest.mark.parametrize(
    ("ended", "routes"),
    [
        (date(2026, 3, 29), True),
        (date(2026, 3, 1), True),  # 28 days before the day received
        (date(2026, 2, 28), False),
        (None, False),
    ],
)
def test_a_closed_involvement_routes_only_within_the_window(ended: date | None, routes: bool) -> None:
    assert (routing_proposal([involvement("closed", ended)], RECEIVED, 28) is not None) is routes


def test_the_window_uses_the_london_day() -> None:
    # 23:30 UTC on 31 May is 00:30 on 1 June in London.
    late = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    assert routing_proposal([involvement("closed", date(2026, 5, 4))], late, 28) is not None
    assert routing_proposal([involvement("closed", date(2026, 5, 3))], late, 28) is None


def test_open_wins_over_recently_closed() -> None:
    proposal = routing_proposal(
        [involvement("closed", date(2026, 3, 28), worker="Bo Chan"), involvement("open", worker="Di Roe")],
        RECEIVED,
        28,
    )
    assert proposal is not None and proposal.worker == "Di Roe"


def test_no_involvements_no_routing() -> None:
    assert routing_proposal([], RECEIVED, 28) is None


@pytest.mark.parametrize(
    ("earlier", "repeat"),
    [
        ([], False),
        ([RECEIVED - timedelta(days=7)], True),  # the second within 7 days, boundary included
        ([RECEIVED - timedelta(days=7, seconds=1)], False),
        ([RECEIVED - timedelta(days=200), RECEIVED - timedelta(days=300)], True),  # the third in 12 months
        ([RECEIVED - timedelta(days=200), datetime(2025, 3, 29, 10, 0, tzinfo=UTC)], True),
        ([RECEIVED - timedelta(days=200), datetime(2025, 3, 29, 9, 59, tzinfo=UTC)], False),
        ([RECEIVED + timedelta(days=1)], False),  # later contacts do not count
    ],
)
def test_repeat_contacts_count_the_current_one(earlier: list[datetime], repeat: bool) -> None:
    assert is_repeat_contact(earlier, RECEIVED, REPEATS) is repeat


def test_the_finding_says_which_rule() -> None:
    assert repeat_contact_finding([RECEIVED - timedelta(days=2)], RECEIVED, REPEATS) == (
        "2 contacts about this child within 7 days"
    )
    assert repeat_contact_finding(
        [RECEIVED - timedelta(days=40), RECEIVED - timedelta(days=90)], RECEIVED, REPEATS
    ) == ("3 contacts about this child within 12 months")


def test_only_people_the_case_system_knows_route_a_contact() -> None:
    from mash_tui.domain.routing import routes_by, routing_by_confirmed

    assert routes_by("P-100")
    assert not routes_by("contact:C-1:children.0")
    # A contact's own copy of a person carries no involvement of its own to route by, even if given one.
    assert routing_by_confirmed([("contact:C-1:children.0", [involvement("open")])], RECEIVED, 28) is None
    proposal = routing_by_confirmed([("contact:C-1:children.0", []), ("P-100", [involvement("open")])], RECEIVED, 28)
    assert proposal is not None and proposal.worker == "Ann Lee"
