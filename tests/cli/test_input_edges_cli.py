"""Input at the edges of the command line, run as real processes: odd characters, dates and files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.unit.contact_records import minimal_record


def _mash(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "MASH_PASSWORD": PASSWORD}
    env.pop("MASH_HOME", None)
    env.pop("MASH_SHARED_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "mash_tui", "--home", str(home), *args],
        input=stdin.encode() if stdin is not None else None, capture_output=True, timeout=120, env=env,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    added = _mash(home, "users", "add", "olivia", "--role", "officer", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    return home


def _exported(home: Path) -> list[str]:
    result = _mash(home, "contacts", "export", "--as", "olivia")
    assert result.returncode == 0, result.stderr
    return result.stdout.decode().splitlines()


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "contacts.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_lone_surrogate_in_a_contact_file_exits_2_naming_record_and_field(home: Path, tmp_path: Path) -> None:
    good = json.dumps(minimal_record())
    bad = good.replace('"Fenwick"', '"Fen\\ud800wick"')
    path = _file(tmp_path, f"{good}\n{bad}\n")
    for argv in (("contacts", "import", str(path), "--as", "olivia"), ("rag", str(path), "--json")):
        result = _mash(home, *argv)
        assert result.returncode == 2, result.stderr
        assert b"Traceback" not in result.stderr
        assert result.stderr.decode().startswith("mash: error: contact 1, children.0.last_name: ")
        assert result.stdout == b""
    assert _exported(home) == []


def test_an_escape_sequence_in_a_field_name_never_reaches_standard_error(home: Path, tmp_path: Path) -> None:
    record = minimal_record()
    record["children"][0]["\x1b]0;owned\x07\x1b[2J"] = "x"
    path = _file(tmp_path, json.dumps([record]))
    for argv in (("contacts", "import", str(path), "--as", "olivia"), ("rag", str(path), "--json")):
        result = _mash(home, *argv)
        assert result.returncode == 2
        assert b"\x1b" not in result.stderr and b"\x07" not in result.stderr
        assert "␛]0;owned␇␛[2J" in result.stderr.decode()
    assert _exported(home) == []


def test_control_characters_in_a_name_are_refused_and_nothing_is_stored(home: Path, tmp_path: Path) -> None:
    record = minimal_record()
    record["children"][0]["first_name"] = "Ann\x00e"
    result = _mash(home, "contacts", "import", str(_file(tmp_path, json.dumps([record]))), "--as", "olivia")
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "mash: error: contact 0, children.0.first_name: The text holds the control character U+0000; "
        "it is not free text\n")
    assert _exported(home) == []


def test_a_date_of_birth_before_1000_is_refused_at_import_and_by_rag(home: Path, tmp_path: Path) -> None:
    record = minimal_record()
    record["children"][0]["dob"] = "0999-01-01"
    path = _file(tmp_path, json.dumps([record]))
    for argv in (("contacts", "import", str(path), "--as", "olivia"), ("rag", str(path))):
        result = _mash(home, *argv)
        assert result.returncode == 2
        assert result.stderr.decode() == "mash: error: contact 0, children.0.dob: Date of birth 0999-01-01 is before 1900\n"
    assert _exported(home) == []


def test_export_refuses_to_overwrite_a_file_unless_forced(home: Path, tmp_path: Path) -> None:
    assert _mash(home, "contacts", "import", str(_file(tmp_path, json.dumps([minimal_record()]))),
                 "--as", "olivia").returncode == 0
    out = tmp_path / "out" / "export.jsonl"
    out.parent.mkdir()
    out.write_text("what was there\n", encoding="utf-8")
    refused = _mash(home, "contacts", "export", "--as", "olivia", "--out", str(out))
    assert refused.returncode == 2
    assert refused.stderr.decode() == f"mash: error: --out {out}: the file exists; give --force to replace it\n"
    assert out.read_text(encoding="utf-8") == "what was there\n"

    forced = _mash(home, "contacts", "export", "--as", "olivia", "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.read_text(encoding="utf-8").splitlines() == _exported(home)
    assert sorted(path.name for path in out.parent.iterdir()) == ["export.jsonl"]  # no temporary file left

    fresh = out.parent / "new.jsonl"
    assert _mash(home, "contacts", "export", "--as", "olivia", "--out", str(fresh)).returncode == 0
    assert fresh.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def _audited(home: Path) -> list[tuple[str, str]]:
    from sqlmodel import select

    from mash_tui.services.context import open_context
    from mash_tui.store.tables import AuditEvent

    ctx = open_context(home)
    try:
        with ctx.store.reading() as session:
            return [(event.actor, event.action) for event in session.exec(select(AuditEvent)).all()]
    finally:
        ctx.store.dispose()


def test_listing_contacts_is_audited_under_the_user(home: Path, tmp_path: Path) -> None:
    assert _mash(home, "contacts", "import", str(_file(tmp_path, json.dumps([minimal_record()]))),
                 "--as", "olivia").returncode == 0
    listed = _mash(home, "contacts", "list", "--as", "olivia")
    assert listed.returncode == 0 and b"Fenwick" in listed.stdout
    assert ("olivia", "contact.list") in _audited(home)


PERSONS = "person_id,first_name,last_name,dob,sex,address,postcode\nP1,William,Thompson,2015-04-11,M,,DY1 2AB\n"


def test_lookup_needs_a_user_and_is_audited_under_her(home: Path, tmp_path: Path) -> None:
    persons = tmp_path / "persons.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    assert _mash(home, "persons", "import", str(persons)).returncode == 0
    anonymous = _mash(home, "lookup", "--last", "Thompson")
    assert anonymous.returncode == 2 and b"--as" in anonymous.stderr
    found = _mash(home, "lookup", "--first", "William", "--last", "Thompson", "--json", "--as", "olivia")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["candidates"][0]["person_id"] == "P1"
    lookups = [actor for actor, action in _audited(home) if action == "persons.lookup"]
    assert lookups == ["olivia"]


def test_lookup_with_a_date_of_birth_before_1900_warns_and_searches_on(home: Path, tmp_path: Path) -> None:
    persons = tmp_path / "persons.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    assert _mash(home, "persons", "import", str(persons)).returncode == 0
    single = _mash(home, "lookup", "--first", "William", "--last", "Thompson", "--dob", "0999-01-01", "--json",
                   "--as", "olivia")
    assert single.returncode == 0, single.stderr
    answer = json.loads(single.stdout)
    assert answer["warnings"] == ["dob '0999-01-01' is before 1900; ignored"]
    assert answer["candidates"][0]["person_id"] == "P1"
    queries = tmp_path / "queries.csv"
    queries.write_text("query_id,first_name,last_name,dob,sex,address,postcode\nq1,William,Thompson,0001-01-01,,,\n",
                       encoding="utf-8")
    batch = _mash(home, "lookup", "--batch", str(queries), "--json", "--as", "olivia")
    assert batch.returncode == 0, batch.stderr
    assert json.loads(batch.stdout)["warnings"] == ["dob '0001-01-01' is before 1900; ignored"]


def test_only_an_administrator_or_a_supervisor_lists_the_hubs_users(home: Path) -> None:
    assert _mash(home, "users", "add", "ada", "--role", "admin", "--password-stdin",
                 stdin=PASSWORD + "\n").returncode == 0
    assert _mash(home, "users", "add", "sue", "--role", "supervisor", "--password-stdin", "--as", "ada",
                 stdin=PASSWORD + "\n").returncode == 0
    assert _mash(home, "users", "list").returncode == 2
    officer = _mash(home, "users", "list", "--as", "olivia")
    assert officer.returncode == 2 and officer.stdout == b""
    assert officer.stderr == b"mash: error: a user with the role officer may not list the hub's users\n"
    for manager in ("ada", "sue"):
        listed = _mash(home, "users", "list", "--json", "--as", manager)
        assert listed.returncode == 0, listed.stderr
        assert [json.loads(line)["username"] for line in listed.stdout.splitlines()] == ["ada", "olivia", "sue"]
    audited = _audited(home)
    assert ("olivia", "permission.refused") in audited and ("sue", "user.list") in audited
