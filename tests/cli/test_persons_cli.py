"""`mash persons import`, `mash involvements import` and `mash lookup`, run as real processes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

PERSONS = """person_id,first_name,last_name,dob,sex,address,postcode
P1,William,Thompson,2015-04-11,M,"3 Oak Road, Dudley",DY1 2AB
P2,Harry,Thompson,2015-04-11,M,"3 Oak Road, Dudley",DY1 2AB
P3,Amelia,Brown,2019-03-02,F,"12 Mill Lane, Tipton",DY4 7AA
P4,Zoë,O'Brien,2008-12-30,F,"1 Quay Street, Walsall",WS1 1AA
"""
INVOLVEMENTS = """person_id,service,status,start_date,end_date,allocated_worker,team,phone
P1,social_care,open,2025-01-06,,Ann Lee,Child in Need North,0161 496 0000
"""
QUERIES = """query_id,first_name,last_name,dob,sex,address,postcode
q1,Bill,Tomson,2015-04-11,,,
q2,Amelia,Brown,31/02/2010,X,,
q3,Nobody,Known,2001-01-01,,,
q1,Thompson,William,11/04/2015,male,,
q4,zoe,obrien,2008-12-30,,,
"""


def mash(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "MASH_HOME"}
    environment["MASH_PASSWORD"] = PASSWORD
    return subprocess.run(
        [sys.executable, "-m", "mash_tui", "--home", str(home), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment,
        timeout=60,
    )


def with_officer(home: Path) -> Path:
    """The home with the officer olivia, who looks people up (`--as olivia`)."""
    added = mash(home, "users", "add", "olivia", "--role", "officer", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    return home


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def persons_stored(home: Path) -> int:
    database = home / "mash.db"
    if not database.exists():
        return 0
    connection = sqlite3.connect(database)
    try:
        exists = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'known_person'"
        ).fetchone()
        return connection.execute("SELECT COUNT(*) FROM known_person").fetchone()[0] if exists else 0
    finally:
        connection.close()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A home with the persons and involvements above, imported once for every lookup test."""
    folder = tmp_path_factory.mktemp("loaded")
    home = folder / "home"
    imported = mash(home, "persons", "import", str(write(folder, "persons.csv", PERSONS)), "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout) == {
        "file": str(folder / "persons.csv"),
        "rows": 4,
        "added": 4,
        "replaced": 0,
    }
    assert imported.stderr == ""  # no progress bar when standard error is not a terminal
    involvements = mash(home, "involvements", "import", str(write(folder, "involvements.csv", INVOLVEMENTS)))
    assert involvements.returncode == 0, involvements.stderr
    assert involvements.stdout.startswith("imported 1 involvements of 1 persons")
    return with_officer(home), folder


def test_lookup_prints_the_top_candidates_as_json(loaded: tuple[Path, Path]) -> None:
    home, _folder = loaded
    result = mash(home, "lookup", "--first", "Bill", "--last", "Tomson", "--dob", "2015-04-11", "--json",
                  "--as", "olivia")
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    answer = json.loads(line)
    assert answer["warnings"] == []
    assert answer["elapsed_ms"] >= 0
    top = answer["candidates"][0]
    assert set(top) == {"person_id", "score", "band", "reasons"}
    assert top["person_id"] == "P1"
    assert top["band"] in ("certain", "likely")
    assert "Bill is a form of William" in top["reasons"]
    assert "surname sounds alike" in top["reasons"]
    # Harry is William's twin: same surname, DOB and address, another first name.
    assert "P2" not in [candidate["person_id"] for candidate in answer["candidates"]]


def test_batch_answers_every_line_in_order(loaded: tuple[Path, Path]) -> None:
    home, folder = loaded
    result = mash(home, "lookup", "--batch", str(write(folder, "queries.csv", QUERIES)), "--json", "--as", "olivia")
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [answer["query_id"] for answer in answers] == ["q1", "q2", "q3", "q1", "q4"]
    assert [list(answer) for answer in answers] == [["query_id", "elapsed_ms", "candidates", "warnings"]] * 5
    by_line = [[candidate["person_id"] for candidate in answer["candidates"]] for answer in answers]
    assert by_line[0][0] == "P1"
    assert by_line[2] == []
    assert by_line[3][0] == "P1"  # names swapped, DOB day-first
    assert "first and last names swapped" in answers[3]["candidates"][0]["reasons"]
    assert by_line[4] == ["P4"]  # accents and apostrophes do not matter
    # The unreadable DOB and sex are ignored and said; the name alone still finds Amelia.
    assert answers[1]["warnings"] == [
        "dob '31/02/2010' is not a date (YYYY-MM-DD or DD/MM/YYYY); ignored",
        "sex 'X' is not F, M, U, female, male or unknown; ignored",
    ]
    assert by_line[1] == ["P3"]
    for answer in answers:
        assert len(answer["candidates"]) <= 10
        scores = [candidate["score"] for candidate in answer["candidates"]]
        assert scores == sorted(scores, reverse=True)


def test_text_people_typed_comes_back_as_typed(tmp_path: Path) -> None:
    home = with_officer(tmp_path / "home")
    assert mash(home, "persons", "import", str(write(tmp_path, "p.csv", PERSONS))).returncode == 0
    result = mash(home, "lookup", "--first", "Zoë", "--last", "O'Brien", "--as", "olivia")
    assert result.returncode == 0, result.stderr
    assert "Zoë O'Brien" in result.stdout


def test_an_empty_store_answers_with_no_candidates(tmp_path: Path) -> None:
    queries = write(tmp_path, "queries.csv", QUERIES)
    result = mash(with_officer(tmp_path / "home"), "lookup", "--batch", str(queries), "--json", "--as", "olivia")
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [answer["candidates"] for answer in answers] == [[]] * 5


def test_a_bad_persons_file_exits_2_naming_line_and_column_and_stores_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bad = PERSONS + "P5,Noah,Clarke,2019-02-30,M,,\n"
    path = write(tmp_path, "persons.csv", bad)
    result = mash(home, "persons", "import", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"mash: error: {path}: line 6, column dob: '2019-02-30' is not a real date\n"
    assert persons_stored(home) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lookup", "--json", "--as", "olivia"), "give at least one of --first"),
        (("lookup", "--dob", "31/02/2010", "--json", "--as", "olivia"), "--dob '31/02/2010' is not a date"),
        (("lookup", "--sex", "X", "--as", "olivia"), "--sex 'X' is not F, M, U"),
        (("lookup", "--batch", "missing.csv", "--first", "A", "--as", "olivia"), "--batch reads every detail from the file"),
        (("lookup", "--batch", "/nonexistent/queries.csv", "--json", "--as", "olivia"), "/nonexistent/queries.csv: cannot be read"),
        (("persons", "import", "/nonexistent/persons.csv"), "/nonexistent/persons.csv: no such file"),
    ],
)
def test_bad_flags_exit_2_with_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = mash(tmp_path / "home", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("mash: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_bad_batch_file_prints_no_answers(tmp_path: Path) -> None:
    no_id = QUERIES + ",Lone,Query,,,,\n"
    result = mash(tmp_path / "home", "lookup", "--batch", str(write(tmp_path, "q.csv", no_id)), "--json",
                  "--as", "olivia")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "line 7, column query_id: empty" in result.stderr

    no_header = "query_id,first_name\nq1,Amelia\n"
    result = mash(tmp_path / "home", "lookup", "--batch", str(write(tmp_path, "h.csv", no_header)), "--json",
                  "--as", "olivia")
    assert result.returncode == 2
    assert "line 1: the header lacks column(s) last_name, dob, sex, address, postcode" in result.stderr
