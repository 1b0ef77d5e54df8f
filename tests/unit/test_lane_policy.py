"""The policy sections of the notification and child protection lanes: shipped defaults, checks,
and a hub's own file overriding them."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from mash_tui.config import PolicyError, default_policy, load_policy
from mash_tui.domain.policy import DashPolicy, Policy, SchoolPolicy, SchoolTerm


def test_the_shipped_policy_has_domain_section_9_and_10_defaults() -> None:
    policy = default_policy()
    assert (policy.notifications.dash.medium_from, policy.notifications.dash.high_from) == (10, 14)
    assert (policy.notifications.pattern_count, policy.notifications.pattern_window_months) == (3, 3)
    assert policy.school.day_starts == time(8, 30)
    assert [term.name for term in policy.school.terms] == [
        "Autumn 2026", "Spring 2027", "Summer 2027", "Autumn 2027", "Spring 2028", "Summer 2028"]
    assert policy.conferences.quorum.lead == "social_care" and policy.conferences.quorum.others == 2
    assert set(policy.conferences.quorum.one_of) == {"police", "health"}
    assert policy.conferences.strategy_required == ("social_care", "police", "health")
    assert policy.conferences.chairs and all(chair.sessions for chair in policy.conferences.chairs)


def test_a_policy_without_the_new_sections_still_loads_with_their_defaults() -> None:
    shipped = default_policy().model_dump()
    for section in ("notifications", "school", "conferences"):
        del shipped[section]
    policy = Policy.model_validate(shipped)
    assert policy.notifications.dash == DashPolicy()
    assert policy.school.terms == () and policy.conferences.chairs == ()


def test_terms_must_be_in_order_with_half_terms_inside() -> None:
    with pytest.raises(ValueError, match="half term must lie inside"):
        SchoolTerm(name="Autumn", starts=date(2026, 9, 3), ends=date(2026, 12, 18),
                   half_term=(date(2026, 12, 21), date(2026, 12, 23)))
    autumn = SchoolTerm(name="Autumn", starts=date(2026, 9, 3), ends=date(2026, 12, 18))
    spring = SchoolTerm(name="Spring", starts=date(2026, 12, 1), ends=date(2027, 3, 25))
    with pytest.raises(ValueError, match="Spring must start after Autumn ends"):
        SchoolPolicy(terms=(autumn, spring))


def test_a_hub_overrides_term_dates_and_thresholds_in_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text(
        '[school]\nday_starts = "08:45"\n'
        '[[school.terms]]\nname = "Autumn 2026"\nstarts = "2026-09-02"\nends = "2026-12-17"\n'
        '[notifications.dash]\nhigh_from = 15\n',
        encoding="utf-8",
    )
    policy = load_policy(tmp_path)
    assert policy.school.day_starts == time(8, 45)
    assert [term.name for term in policy.school.terms] == ["Autumn 2026"]
    assert policy.notifications.dash.high_from == 15 and policy.notifications.dash.medium_from == 10


def test_a_bad_chair_session_is_refused_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text(
        '[[conferences.chairs]]\nid = "x"\nname = "X"\n'
        'sessions = [{ id = "x1", weekday = "funday", starts = "10:00", room = "R" }]\n',
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match=r"conferences\.chairs\.0\.sessions\.0\.weekday"):
        load_policy(tmp_path)


def test_a_new_clock_with_an_unknown_unit_is_refused(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text('[clocks]\nencompass = { unit = "school_weeks", length = 1 }\n',
                                          encoding="utf-8")
    with pytest.raises(PolicyError, match=r"clocks\.encompass\.unit"):
        load_policy(tmp_path)
