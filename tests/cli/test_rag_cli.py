"""`mash rag FILE --json` as a real process (DOMAIN.md section 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contacts"
EXPECTED = [
    {
        "index": 0,
        "rag": "RED",
        "rules": ["R5"],
        "reasons": ["Physical abuse by an adult with an injury"],
        "flags": [],
    },
    {
        "index": 1,
        "rag": "AMBER",
        "rules": ["A1"],
        "reasons": ["Domestic abuse with a child present or living there"],
        "flags": ["operation_encompass"],
    },
    {
        "index": 2,
        "rag": "GREEN",
        "rules": ["G1"],
        "reasons": [
            "A concern is recorded that no higher rule covers: a wellbeing concern below the statutory threshold"
        ],
        "flags": [],
    },
    {"index": 3, "rag": "none", "rules": [], "reasons": [], "flags": []},
]


@pytest.fixture
def mash(tmp_path):
    home = tmp_path / "home"
    home.mkdir()

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "MASH_HOME": str(home), "PYTHONIOENCODING": "utf-8"}
        return subprocess.run(
            [sys.executable, "-m", "mash_tui", *args],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            timeout=60,
        )

    run.home = home
    return run


@pytest.mark.parametrize("name", ["four_contacts.json", "four_contacts.jsonl"])
def test_one_json_line_per_contact_in_file_order(mash, name):
    result = mash("rag", str(FIXTURES / name), "--json")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == EXPECTED
    assert result.stderr == ""


def test_an_invalid_contact_prints_nothing_and_names_index_and_field(mash):
    result = mash("rag", str(FIXTURES / "invalid.json"), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "mash: error: contact 1, children.0.dob: Date of birth is after the time the contact was received",
        "mash: error: contact 2, referrer.pager: Not a field of mash.contact/1",
    ]


def test_a_missing_file_is_one_clear_line(mash, tmp_path):
    result = mash("rag", str(tmp_path / "absent.json"), "--json")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"mash: error: {tmp_path / 'absent.json'}: no such file\n"


def test_contacts_can_come_from_standard_input(mash):
    text = (FIXTURES / "four_contacts.jsonl").read_text(encoding="utf-8")
    result = mash("rag", "-", "--json", stdin=text)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 4


def test_without_json_a_person_reads_a_summary(mash):
    result = mash("rag", str(FIXTURES / "four_contacts.json"))
    assert result.returncode == 0, result.stderr
    assert "Contact 0 (Maisie Thorne; received 2026-11-24 09:12 GMT): RED" in result.stdout
    assert "  R5  Physical abuse by an adult with an injury" in result.stdout
    assert "flags: operation_encompass" in result.stdout


def test_a_hub_rules_file_in_the_home_is_used_and_a_bad_one_refused(mash):
    rules = mash.home / "rag_rules.toml"
    rules.write_text(
        '[[rule]]\nid = "H1"\nreason = "Synthetic hub rule"\nrating = "RED"\nwhen = { any_category = ["20"] }\n',
        encoding="utf-8",
    )
    result = mash("rag", str(FIXTURES / "four_contacts.json"), "--json")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["rag"] for line in result.stdout.splitlines()] == ["none", "none", "RED", "none"]

    rules.write_text(rules.read_text(encoding="utf-8").replace('"RED"', '"SCARLET"'), encoding="utf-8")
    result = mash("rag", str(FIXTURES / "four_contacts.json"), "--json")
    assert result.returncode == 2 and result.stdout == ""
    assert "rule H1: rating 'SCARLET'" in result.stderr
