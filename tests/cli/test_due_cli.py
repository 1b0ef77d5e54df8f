"""`mash due CLOCK START`, run as a real process (DOMAIN.md sections 3 and 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def mash(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MASH_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "mash_tui", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )


def due_json(home: Path, clock: str, start: str) -> dict[str, str]:
    result = mash(home, "due", clock, start, "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


@pytest.mark.parametrize(
    ("clock", "start", "due", "due_local"),
    [
        # Christmas Day, the weekend and the Boxing Day substitute on Monday 28th.
        ("decision", "2026-12-24T15:00:00+00:00", "2026-12-29T15:00:00+00:00", "2026-12-29T15:00:00+00:00"),
        # Thursday 16:45: Friday closes at 16:30.
        ("decision", "2026-11-19T16:45:00+00:00", "2026-11-20T16:30:00+00:00", "2026-11-20T16:30:00+00:00"),
        ("decision", "2026-07-02T16:45:00+01:00", "2026-07-03T15:30:00+00:00", "2026-07-03T16:30:00+01:00"),
        # Thursday 17:00: the clock starts at 08:30 on Friday.
        ("decision", "2026-11-19T17:00:00+00:00", "2026-11-23T08:30:00+00:00", "2026-11-23T08:30:00+00:00"),
        # Saturday.
        ("decision", "2026-11-21T11:00:00+00:00", "2026-11-24T08:30:00+00:00", "2026-11-24T08:30:00+00:00"),
        # RED at 23:30 on the night the clocks go back: four real hours.
        ("red", "2026-10-24T23:30:00+01:00", "2026-10-25T02:30:00+00:00", "2026-10-25T02:30:00+00:00"),
        # Over the spring change a working day keeps its local time.
        ("amber", "2026-03-27T15:00:00+00:00", "2026-03-30T14:00:00+00:00", "2026-03-30T15:00:00+01:00"),
    ],
)
def test_domain_examples(home: Path, clock: str, start: str, due: str, due_local: str) -> None:
    expected = {"clock": clock, "start": start, "due": due, "due_local": due_local}
    assert due_json(home, clock, start) == expected


def test_start_is_echoed_as_iso_8601_with_seconds_and_offset(home: Path) -> None:
    answer = due_json(home, "red", "2026-11-24T09:12Z")
    assert answer["start"] == "2026-11-24T09:12:00+00:00"
    assert answer["due"] == "2026-11-24T13:12:00+00:00"


def test_without_json_prints_a_readable_line(home: Path) -> None:
    result = mash(home, "due", "decision", "2026-12-24T15:00:00+00:00")
    assert result.returncode == 0, result.stderr
    assert "Tue 29 Dec 2026 15:00 GMT" in result.stdout
    assert "1 working day" in result.stdout


def test_the_home_directory_is_not_created(home: Path) -> None:
    due_json(home, "decision", "2026-12-24T15:00:00+00:00")
    assert not home.exists()


def test_a_bad_clock_name_exits_2_naming_it(home: Path) -> None:
    result = mash(home, "due", "purple", "2026-12-24T15:00:00+00:00", "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "purple" in result.stderr
    assert result.stderr.startswith("mash: error:")


@pytest.mark.parametrize("start", ["2026-12-24T15:00:00", "2026-12-24"])
def test_a_start_without_an_offset_exits_2_naming_it(home: Path, start: str) -> None:
    result = mash(home, "due", "decision", start, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert start in result.stderr
    assert "offset" in result.stderr


def test_an_unreadable_start_exits_2_naming_it(home: Path) -> None:
    result = mash(home, "due", "decision", "next tuesday", "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "next tuesday" in result.stderr


def test_a_start_at_the_end_of_time_exits_2(home: Path) -> None:
    result = mash(home, "due", "icpc", "9999-12-31T12:00:00+00:00", "--json")
    assert result.returncode == 2
    assert "9999-12-31T12:00:00+00:00" in result.stderr


def test_a_policy_override_changes_the_answer(home: Path) -> None:
    home.mkdir()
    override = '[clocks]\nred = { unit = "clock_hours", length = 2 }\n'
    (home / "policy.toml").write_text(override, encoding="utf-8")
    assert due_json(home, "red", "2026-11-24T09:12:00+00:00")["due"] == "2026-11-24T11:12:00+00:00"
    # Keys the override does not name keep the shipped values.
    assert due_json(home, "amber", "2026-11-24T09:12:00+00:00")["due"] == "2026-11-25T09:12:00+00:00"


def test_the_home_option_picks_the_override(home: Path, tmp_path: Path) -> None:
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    override = '[clocks]\nred = { unit = "clock_hours", length = 1 }\n'
    (chosen / "policy.toml").write_text(override, encoding="utf-8")
    result = mash(home, "--home", str(chosen), "due", "red", "2026-11-24T09:12:00+00:00", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["due"] == "2026-11-24T10:12:00+00:00"


def test_closure_days_and_hours_from_an_override(home: Path) -> None:
    home.mkdir()
    (home / "policy.toml").write_text(
        '[calendar]\nclosure_days = [2026-11-20]\n[calendar.opening_hours]\nmonday = ["09:00", "17:00"]\n',
        encoding="utf-8",
    )
    answer = due_json(home, "decision", "2026-11-19T08:45:00+00:00")
    assert answer["due"] == "2026-11-23T09:00:00+00:00"


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ('[clocks]\nred = { unit = "clock_hours", length = 0 }\n', "clocks.red.length"),
        ('[clocks]\nred = { unit = "fortnights", length = 1 }\n', "clocks.red.unit"),
        ("[clocks\nred = 4\n", "not valid TOML"),
    ],
)
def test_a_bad_policy_override_exits_2_naming_the_file_and_key(home: Path, override: str, named: str) -> None:
    home.mkdir()
    policy_file = home / "policy.toml"
    policy_file.write_text(override, encoding="utf-8")
    result = mash(home, "due", "red", "2026-11-24T09:12:00+00:00", "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert str(policy_file) in result.stderr
    assert named in result.stderr
