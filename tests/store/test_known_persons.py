"""Loading known persons and involvements, and finding them through the matching index."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mash_tui.clock import FrozenClock
from mash_tui.config import default_policy
from mash_tui.domain.matching import PersonDetails
from mash_tui.domain.roles import SYSTEM_ROLE, Actor
from mash_tui.services.prior_involvement import (
    import_involvements,
    import_persons,
    involvements_of,
    lookup,
    lookup_many,
)
from mash_tui.store import known_persons
from mash_tui.store.db import Store, open_store
from mash_tui.store.known_persons import ReferenceDataError, index_contact_people
from mash_tui.store.unit_of_work import unit_of_work

LOADER = Actor("os:loader", SYSTEM_ROLE)
POLICY = default_policy()
PERSONS_HEADER = "person_id,first_name,last_name,dob,sex,address,postcode"
PERSONS = f"""{PERSONS_HEADER}
P1,Amelia,Brown,2019-03-02,F,"12 Mill Lane, Tipton",DY4 7AA
P2,Isla,Brown,2019-03-02,female,"12 Mill Lane, Tipton",DY4 7AA
P3,Dean,Brown,1990-07-14,M,"12 Mill Lane, Tipton",DY4 7AA
P4,,Okafor,2026-10-01,,,
"""
INVOLVEMENTS_HEADER = "person_id,service,status,start_date,end_date,allocated_worker,team,phone"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = open_store(tmp_path / "home")
    yield opened
    opened.dispose()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_persons(store: Store, clock: FrozenClock, path: Path) -> known_persons.PersonImport:
    return import_persons(store, path, LOADER, clock)


def counts(store: Store) -> known_persons.KnownCounts:
    connection = store.raw_connection()
    try:
        return known_persons.known_counts(connection)
    finally:
        connection.close()


def audit_actions(store: Store) -> list[tuple[str, str, str, dict]]:
    import json

    connection = store.raw_connection()
    try:
        rows = connection.execute("SELECT action, actor, role, details FROM audit_event ORDER BY seq").fetchall()
    finally:
        connection.close()
    return [(action, actor, role, json.loads(details)) for action, actor, role, details in rows]


def test_import_stores_every_person_and_audits_the_counts(store: Store, clock: FrozenClock, tmp_path: Path) -> None:
    result = load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS))
    assert (result.rows, result.added, result.replaced) == (4, 4, 0)
    assert counts(store).persons == 4
    connection = store.raw_connection()
    try:
        assert known_persons.known_person(connection, "P2") == PersonDetails(
            "Isla", "Brown", date(2019, 3, 2), "F", "12 Mill Lane, Tipton", "DY4 7AA"
        )
        assert known_persons.known_person(connection, "P4") == PersonDetails(None, "Okafor", date(2026, 10, 1))
    finally:
        connection.close()
    assert audit_actions(store) == [
        ("persons.import", "os:loader", SYSTEM_ROLE, {"file": "persons.csv", "rows": 4, "added": 4, "replaced": 0})
    ]


def test_columns_in_any_order_with_extra_columns_and_a_byte_order_mark(
    store: Store, clock: FrozenClock, tmp_path: Path
) -> None:
    text = "\ufeffPostcode,dob,extra,person_id,last_name,first_name,sex,address\nB1 1AA,2010-01-02,x,P9,Khan,Zara,f,1 Road\n"
    load_persons(store, clock, write(tmp_path, "persons.csv", text))
    found = lookup(store, PersonDetails("Zara", "Khan", date(2010, 1, 2)), POLICY)
    assert [candidate.person_id for candidate in found] == ["P9"]


BAD_PERSONS = [
    ("person_id,first_name,last_name,dob,sex,address\nP1,A,B,,,\n", "line 1: the header lacks column(s) postcode"),
    (f"{PERSONS_HEADER}\nP1,A,B,2010-01-01,F,,\nP2,A,B,2010-02-30,F,,\n", "line 3, column dob: '2010-02-30'"),
    (f"{PERSONS_HEADER}\nP1,A,B,01/02/2010,F,,\n", "line 2, column dob: '01/02/2010' is not a date"),
    (f"{PERSONS_HEADER}\nP1,A,B,,X,,\n", "line 2, column sex: 'X' is not a sex"),
    (f"{PERSONS_HEADER}\nP1,A,B,,,,\n\nP1,C,D,,,,\n", "line 4, column person_id: 'P1' is also on line 2"),
    (f"{PERSONS_HEADER}\n,A,B,,,,\n", "line 2, column person_id: empty"),
    (f"{PERSONS_HEADER}\nP1,A,B,,,\n", "line 2: 6 values where the header has 7 columns"),
    ("", "line 1: empty file"),
]


@pytest.mark.parametrize(("text", "message"), BAD_PERSONS, ids=[message for _text, message in BAD_PERSONS])
def test_a_bad_row_stores_nothing_and_names_line_and_column(
    store: Store, clock: FrozenClock, tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, "persons.csv", text)
    with pytest.raises(ReferenceDataError) as raised:
        load_persons(store, clock, path)
    assert f"{path}: {message}" in str(raised.value)
    assert counts(store).persons == 0
    assert audit_actions(store) == []


def test_a_bad_file_leaves_the_earlier_import_untouched(store: Store, clock: FrozenClock, tmp_path: Path) -> None:
    load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS))
    changed = f"{PERSONS_HEADER}\nP1,Amelia,Smith,2019-03-02,F,,\nP5,New,Person,2019-13-01,,,\n"
    with pytest.raises(ReferenceDataError, match="line 3, column dob"):
        load_persons(store, clock, write(tmp_path, "changed.csv", changed))
    assert counts(store).persons == 4
    assert [c.person_id for c in lookup(store, PersonDetails("Amelia", "Brown", date(2019, 3, 2)), POLICY)] == ["P1"]
    assert [action for action, *_rest in audit_actions(store)] == ["persons.import"]


def test_reimporting_a_person_replaces_their_row_and_their_keys(
    store: Store, clock: FrozenClock, tmp_path: Path
) -> None:
    load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS))
    connection = store.raw_connection()
    keys_before = connection.execute("SELECT COUNT(*) FROM match_key").fetchone()[0]
    connection.close()

    renamed = f"{PERSONS_HEADER}\nP1,Amelia,Okonjo,2019-03-02,F,\"4 New Road, Walsall\",WS1 1AA\n"
    result = load_persons(store, clock, write(tmp_path, "renamed.csv", renamed))
    assert (result.added, result.replaced) == (0, 1)
    assert counts(store).persons == 4

    connection = store.raw_connection()
    assert connection.execute("SELECT COUNT(*) FROM match_key").fetchone()[0] == keys_before
    connection.close()
    old = lookup(store, PersonDetails("Amelia", "Brown", date(2019, 3, 2), postcode="DY4 7AA"), POLICY)
    assert "P1" not in [candidate.person_id for candidate in old if candidate.band in ("certain", "likely")]
    new = lookup(store, PersonDetails("Amelia", "Okonjo", date(2019, 3, 2)), POLICY)
    assert new[0].person_id == "P1" and new[0].band == "certain"


def test_lookup_reads_candidates_through_the_index(store: Store, clock: FrozenClock, tmp_path: Path) -> None:
    load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS))
    connection = store.raw_connection()
    try:
        plan = " ".join(
            row[-1]
            for row in connection.execute(
                "EXPLAIN QUERY PLAN SELECT DISTINCT source, record FROM match_key "
                "WHERE key IN (SELECT value FROM json_each(?))",
                ("[1]",),
            )
        )
        assert "SEARCH match_key USING PRIMARY KEY" in plan
        found = known_persons.candidate_records(connection, PersonDetails("Dean", "Brown", date(1990, 7, 14)))
        # Amelia and Isla share Dean's surname and postcode but no key with a query for Dean's DOB.
        assert [item.record.record_id for item in found] == ["P3"]
    finally:
        connection.close()


def test_twins_are_told_apart(store: Store, clock: FrozenClock, tmp_path: Path) -> None:
    load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS))
    found = lookup(store, PersonDetails("Amelia", "Brown", date(2019, 3, 2), "F", "12 Mill Lane", "DY4 7AA"), POLICY)
    assert [(candidate.person_id, candidate.band) for candidate in found] == [("P1", "certain")]


def test_an_empty_store_answers_with_no_candidates(store: Store) -> None:
    assert lookup(store, PersonDetails("Amelia", "Brown", date(2019, 3, 2)), POLICY) == []
    answers = list(lookup_many(store, [PersonDetails("A", "B"), PersonDetails()], POLICY))
    assert [answer.candidates for answer in answers] == [[], []]
    assert all(answer.elapsed_ms >= 0 for answer in answers)


INVOLVEMENTS = f"""{INVOLVEMENTS_HEADER}
P1,social_care,open,2025-01-06,,Ann Lee,Child in Need North,0161 496 0000
P1,early_help,closed,2023-02-01,2023-09-30,Bo Chan,Early Help East,
P3,youth_offending,CLOSED,2010-01-01,2011-01-01,,,
"""


def test_involvements_are_loaded_and_listed_open_first(store: Store, clock: FrozenClock, tmp_path: Path) -> None:
    load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS))
    result = import_involvements(store, write(tmp_path, "involvements.csv", INVOLVEMENTS), LOADER, clock)
    assert (result.rows, result.persons) == (3, 2)
    listed = involvements_of(store, ["P1", "P2", "contact:C-1:child:0"])
    assert [(item.service, item.status) for item in listed["P1"]] == [("social_care", "open"), ("early_help", "closed")]
    assert listed["P1"][0].allocated_worker == "Ann Lee" and listed["P1"][0].phone == "0161 496 0000"
    assert listed["P1"][1].end_date == date(2023, 9, 30)
    assert listed["P2"] == []
    assert "contact:C-1:child:0" not in listed
    assert audit_actions(store)[-1][0] == "involvements.import"


def test_a_persons_involvements_are_replaced_by_a_later_file(
    store: Store, clock: FrozenClock, tmp_path: Path
) -> None:
    load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS))
    import_involvements(store, write(tmp_path, "involvements.csv", INVOLVEMENTS), LOADER, clock)
    later = f"{INVOLVEMENTS_HEADER}\nP1,cp_plan,open,2026-01-01,,Cy Dee,Child Protection,0121 496 0001\n"
    import_involvements(store, write(tmp_path, "later.csv", later), LOADER, clock)
    listed = involvements_of(store, ["P1", "P3"])
    assert [item.service for item in listed["P1"]] == ["cp_plan"]
    assert [item.service for item in listed["P3"]] == ["youth_offending"]


BAD_INVOLVEMENTS = [
    (f"{INVOLVEMENTS_HEADER}\nP1,social_work,open,,,,,\n", "line 2, column service: 'social_work' is not one of"),
    (f"{INVOLVEMENTS_HEADER}\nP1,social_care,open,,,,,\nP1,early_help,pending,,,,,\n", "line 3, column status"),
    (f"{INVOLVEMENTS_HEADER}\nP1,cp_plan,closed,2020-05-01,2020-04-01,,,\n", "line 2, column end_date: 2020-04-01 is"),
    (f"{INVOLVEMENTS_HEADER}\nP1,cp_plan,open,2020-5-1,,,,\n", "line 2, column start_date"),
    (f"{INVOLVEMENTS_HEADER}\nP1,cp_plan,open,,,,,\nP99,cp_plan,open,,,,,\n", "line 3, column person_id: no person 'P99'"),
]


@pytest.mark.parametrize(("text", "message"), BAD_INVOLVEMENTS, ids=[message for _text, message in BAD_INVOLVEMENTS])
def test_a_bad_involvement_stores_nothing(
    store: Store, clock: FrozenClock, tmp_path: Path, text: str, message: str
) -> None:
    load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS))
    import_involvements(store, write(tmp_path, "involvements.csv", INVOLVEMENTS), LOADER, clock)
    with pytest.raises(ReferenceDataError, match=message):
        import_involvements(store, write(tmp_path, "bad.csv", text), LOADER, clock)
    assert counts(store).involvements == 3
    assert [item.service for item in involvements_of(store, ["P1"])["P1"]] == ["social_care", "early_help"]


def test_people_on_earlier_contacts_are_found_with_case_system_people(
    store: Store, clock: FrozenClock, tmp_path: Path
) -> None:
    load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS))
    people = [
        {"role": "child", "first_name": "Amelia", "last_name": "Brown", "dob": "2019-03-02", "sex": "female"},
        {"role": "child", "first_name": "Leo", "last_name": "Mensah", "dob": date(2021, 5, 5)},
        {"role": "adult", "first_name": "Dean", "last_name": "Brown", "dob": "1990-07-14"},
    ]
    with unit_of_work(store, LOADER, clock) as uow:
        ids = index_contact_people(uow.session, "C-AB12-00001", people)
    assert ids == ["contact:C-AB12-00001:child:0", "contact:C-AB12-00001:child:1", "contact:C-AB12-00001:adult:0"]

    amelia = lookup(store, PersonDetails("Amelia", "Brown", date(2019, 3, 2)), POLICY)
    assert {(c.person_id, c.source, c.band) for c in amelia} == {
        ("P1", "case_system", "certain"),
        ("contact:C-AB12-00001:child:0", "contact", "certain"),
    }
    leo = lookup(store, PersonDetails("Leo", "Mensah", date(2021, 5, 5)), POLICY)
    assert [(c.person_id, c.contact_ref) for c in leo] == [("contact:C-AB12-00001:child:1", "C-AB12-00001")]

    # Indexing the contact again (an edited draft) replaces what it indexed.
    connection = store.raw_connection()
    try:
        connection.execute("BEGIN IMMEDIATE")
        index_contact_people(connection, "C-AB12-00001", [{"role": "child", "first_name": "Leon", "last_name": "Mensah"}])
        connection.execute("COMMIT")
    finally:
        connection.close()
    assert lookup(store, PersonDetails("Leo", "Mensah", date(2021, 5, 5)), POLICY) == []
    assert counts(store).contact_people == 1


# --- aliases and earlier names (issue 16) -------------------------------------------------------

PERSONS_WITH_ALIASES = f"""{PERSONS_HEADER},aliases
P1,Amelia,Brown,2019-03-02,F,"12 Mill Lane, Tipton",DY4 7AA,Okafor; Amy Mensah
P2,Isla,Brown,2019-03-02,F,"12 Mill Lane, Tipton",DY4 7AA,
"""


def test_a_child_is_found_under_an_alias_or_an_earlier_surname(
    store: Store, clock: FrozenClock, tmp_path: Path
) -> None:
    load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS_WITH_ALIASES))
    for query, alias in (
        (PersonDetails("Amelia", "Okafor", date(2019, 3, 2)), "known as Amelia Okafor"),
        # Only a name: found through the alias's first name and surname alone.
        (PersonDetails("Amy", "Mensah"), "known as Amy Mensah"),
    ):
        found = lookup(store, query, POLICY)
        assert found[0].person_id == "P1"
        assert alias in found[0].reasons
    connection = store.raw_connection()
    try:
        stored = connection.execute("SELECT person_id, aliases FROM known_person ORDER BY person_id").fetchall()
    finally:
        connection.close()
    assert stored == [("P1", "Okafor; Amy Mensah"), ("P2", None)]


def test_reimporting_without_an_alias_forgets_it(store: Store, clock: FrozenClock, tmp_path: Path) -> None:
    load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS_WITH_ALIASES))
    assert [c.person_id for c in lookup(store, PersonDetails("Amy", "Mensah"), POLICY)] == ["P1"]
    result = load_persons(store, clock, write(tmp_path, "again.csv", PERSONS))
    assert (result.added, result.replaced) == (2, 2)
    assert lookup(store, PersonDetails("Amy", "Mensah"), POLICY) == []


def test_a_contact_childs_aliases_are_indexed(store: Store, clock: FrozenClock) -> None:
    child = {"role": "child", "first_name": "Leo", "last_name": "Mensah", "dob": "2021-05-05", "aliases": ["Leo Adams"]}
    with unit_of_work(store, LOADER, clock) as uow:
        (record_id,) = index_contact_people(uow.session, "C-AB12-00002", [child])
    found = lookup(store, PersonDetails("Leo", "Adams", date(2021, 5, 5)), POLICY)
    assert [(c.person_id, c.band) for c in found] == [(record_id, "certain")]
    assert "known as Leo Adams" in found[0].reasons


def test_rebuilding_the_index_finds_every_record_again(store: Store, clock: FrozenClock, tmp_path: Path) -> None:
    load_persons(store, clock, write(tmp_path, "persons.csv", PERSONS_WITH_ALIASES))
    query = PersonDetails("Amelia", "Okafor", date(2019, 3, 2))
    connection = store.raw_connection()
    try:
        before = connection.execute("SELECT key, source, record FROM match_key ORDER BY 1, 2, 3").fetchall()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("DELETE FROM match_key")
        connection.execute("COMMIT")
        assert lookup(store, query, POLICY) == []
        connection.execute("BEGIN IMMEDIATE")
        known_persons.rebuild_match_keys(connection)
        connection.execute("COMMIT")
        after = connection.execute("SELECT key, source, record FROM match_key ORDER BY 1, 2, 3").fetchall()
    finally:
        connection.close()
    assert after == before
    assert lookup(store, query, POLICY)[0].person_id == "P1"


def test_a_store_from_before_aliases_is_reindexed_on_upgrade(tmp_path: Path) -> None:
    from mash_tui.store.migrate import upgrade_to, upgrade_to_head

    older = Store(tmp_path / "older")
    try:
        upgrade_to(older, "0005_sync")
        connection = older.raw_connection()
        try:
            connection.execute("BEGIN IMMEDIATE")
            # As 0005 left it: a named person was not indexed under DOB + postcode.
            connection.execute(
                "INSERT INTO known_person (id, person_id, first_name, last_name, dob, sex, address, postcode) "
                "VALUES (1, 'P1', 'Amelia', 'Brown', '2019-03-02', 'F', '12 Mill Lane', 'DY4 7AA')"
            )
            connection.execute("COMMIT")
        finally:
            connection.close()
        upgrade_to_head(older)
        # Both names wrong: only the DOB and postcode key finds her.
        found = lookup(older, PersonDetails("Isabelle", "Okafor", date(2019, 3, 2), None, None, "DY4 7AA"), POLICY)
        assert [(c.person_id, c.band) for c in found] == [("P1", "possible")]
    finally:
        older.dispose()


def test_a_common_names_block_is_read_nearest_dob_first(
    store: Store, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(known_persons, "NAME_ONLY_DEPTH", 3)
    rows = [f"N{year},Oliver,Smith,{year}-06-01,M,{year} Long Road,B{year % 90} 1AA" for year in range(1990, 2000)]
    load_persons(store, clock, write(tmp_path, "persons.csv", "\n".join([PERSONS_HEADER, *rows]) + "\n"))
    # A DOB and address no record shares: every Oliver Smith is plausible on the names alone.
    query = PersonDetails("Oliver", "Smith", date(1996, 2, 1), "M", "1 Elsewhere", "ZZ9 9ZZ")
    connection = store.raw_connection()
    try:
        found = sorted(item.record.record_id for item in known_persons.candidate_records(connection, query))
    finally:
        connection.close()
    assert found == ["N1995", "N1996", "N1997"]
    assert [c.band for c in lookup(store, query, POLICY)] == ["possible"] * 3
