"""`mash request ...` and `mash chronology`, run as real processes against a store the services built."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.requests_setup import claimed_item, neglect_record


def mash(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "MASH_HOME"}
    environment["MASH_PASSWORD"] = PASSWORD
    return subprocess.run(
        [sys.executable, "-m", "mash_tui", "--home", str(home), *args],
        capture_output=True, text=True, encoding="utf-8", env=environment, input=stdin, timeout=120,
    )


def json_lines(result: subprocess.CompletedProcess[str]) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def refused(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith("mash: error: ") and words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def item(ctx, users) -> str:  # noqa: ANN001
    return claimed_item(ctx, users, neglect_record(first_name="Zoë", last_name="O'Brien [/b]"))


def _add_health_partner(home: Path) -> None:
    added = mash(home, "users", "add", "hana", "--role", "partner", "--agency", "health", "--password-stdin",
                 "--as", "adam", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr


def test_send_list_open_answer_and_the_chronology(ctx, item: str) -> None:  # noqa: ANN001
    home = ctx.home
    sent = json_lines(mash(home, "request", "send", item, "--agency", "police", "--agency", "health",
                           "--question", "police=Any call-outs to the address?", "--json", "--as", "dan"))
    assert [(line["agency"], line["question"], line["state"]) for line in sent] == [
        ("police", "Any call-outs to the address?", "sent"), ("health", None, "sent")]
    police, health = sent
    assert [person["name"] for person in police["people"]] == ["Zoë O'Brien [/b]", "Rose O'Brien [/b]"]

    listed = json_lines(mash(home, "request", "list", "--json", "--as", "pat"))
    assert [line["request_ref"] for line in listed] == [police["request_ref"]]

    opened = json_lines(mash(home, "request", "open", police["request_ref"], "--json", "--as", "pat"))
    assert opened[0]["state"] == "seen" and opened[0]["seen_at"]

    finding = json.dumps({"person": "adult:0", "known": True, "summary": "Two call-outs",
                          "agency_contact": "PC Lee, PPU"})
    answered = json_lines(mash(home, "request", "answer", police["request_ref"], "--finding", finding,
                               "--none-known", "--text", "No markers on the address.", "--json", "--as", "pat"))
    answer = answered[0]["answer"]
    assert answered[0]["state"] == "answered"
    assert [(f["person"], f["known"]) for f in answer["findings"]] == [("child:0", False), ("adult:0", True)]

    corrected = json_lines(mash(home, "request", "answer", police["request_ref"], "--findings", "-", "--correct",
                                "--json", "--as", "pat",
                                stdin=json.dumps([{"person": "child:0", "known": True, "summary": "Missing once"}])))
    assert corrected[0]["corrections"] == 1 and corrected[0]["answer"]["supersedes_id"] == answer["id"]

    on_item = json_lines(mash(home, "request", "list", "--item", item, "--json", "--as", "dan"))
    assert [(line["agency"], line["state"]) for line in on_item] == [("police", "answered"), ("health", "sent")]

    chased = mash(home, "request", "chase", health["request_ref"], "--note", "Phoned", "--as", "dan")
    assert chased.returncode == 0 and "chased (1 so far)" in chased.stdout

    entries = json_lines(mash(home, "chronology", item, "--json", "--as", "dan"))
    kinds = [entry["kind"] for entry in entries]
    assert kinds[0] == "contact_received" and "Zoë O'Brien [/b]" in entries[0]["summary"]
    assert kinds.count("request_sent") == 2
    for expected in ("request_seen", "request_answered", "request_corrected", "request_chased", "claimed"):
        assert expected in kinds, expected
    assert [entry["at"] for entry in entries] == sorted(entry["at"] for entry in entries)
    assert set(entries[0]) == {"at", "at_local", "kind", "actor", "summary", "details"}

    text = mash(home, "chronology", item, "--as", "sue")
    assert text.returncode == 0 and "Police answered request" in text.stdout


def test_a_partner_opening_another_agencys_request_is_refused_and_audited(ctx, item: str) -> None:  # noqa: ANN001
    home = ctx.home
    _add_health_partner(home)
    sent = json_lines(mash(home, "request", "send", item, "--defaults", "--json", "--as", "dan"))
    assert [line["agency"] for line in sent] == ["police", "health", "education"]
    health = next(line for line in sent if line["agency"] == "health")

    refused(mash(home, "request", "open", health["request_ref"], "--as", "pat"), "among Police's requests")
    refused(mash(home, "request", "answer", health["request_ref"], "--text", "Nothing", "--as", "pat"),
            "among Police's requests")
    assert [line["agency"] for line in json_lines(mash(home, "request", "list", "--json", "--as", "hana"))] == [
        "health"]

    connection = sqlite3.connect(home / "mash.db")
    try:
        rows = connection.execute(
            "SELECT actor, entity_id FROM audit_event WHERE action = 'request.refused' ORDER BY seq").fetchall()
    finally:
        connection.close()
    assert rows == [("pat", health["id"]), ("pat", health["id"])]


def test_bad_input_exits_2_with_one_line(ctx, item: str) -> None:  # noqa: ANN001
    home = ctx.home
    refused(mash(home, "request", "send", item, "--agency", "fire", "--as", "dan"), "agency 'fire'")
    refused(mash(home, "request", "send", item, "--as", "dan"), "--agency")
    refused(mash(home, "request", "send", item, "--agency", "police", "--as", "olivia"), "may not")
    refused(mash(home, "request", "send", "C-NONE-00001", "--agency", "police", "--as", "dan"), "no queue item")
    refused(mash(home, "chronology", item, "--as", "pat"), "may not")
    refused(mash(home, "request", "list", "--as", "dan"), "--item")
    sent = json_lines(mash(home, "request", "send", item, "--agency", "police", "--json", "--as", "dan"))
    reference = sent[0]["request_ref"]
    refused(mash(home, "request", "answer", reference, "--finding", "{not json", "--as", "pat"), "not JSON")
    refused(mash(home, "request", "answer", reference, "--finding", '{"person": "adult:9", "known": false}',
                 "--as", "pat"), "not one of")
    refused(mash(home, "request", "withdraw", reference, "--reason", " ", "--as", "dan"), "reason")
