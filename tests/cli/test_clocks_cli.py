"""`mash queue --json` and `mash breaches --json`, run as real processes against a store the services built.

The processes use the real clock: one item is from a fortnight before these tests were written
(every clock long breached) and one is made just now (every clock running with time to spare).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from mash_tui.services import contacts, queue
from mash_tui.store.tables import AuditEvent
from tests.conftest import PASSWORD
from tests.unit.contact_records import minimal_record


# A Tuesday morning well before these tests can run: decision due Wednesday 09:12, AMBER 10:15.
LONG_AGO = datetime(2026, 11, 10, 10, 15, tzinfo=UTC)


def mash(home: Path, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "MASH_HOME"}
    environment["MASH_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "mash_tui", "--home", str(home), *args],
        capture_output=True, text=True, encoding="utf-8", env=environment, timeout=120,
    )


def json_lines(result: subprocess.CompletedProcess[str]) -> list[dict]:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return [json.loads(line) for line in result.stdout.splitlines()]


def refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith("mash: error: "), result.stderr
    assert all(word in result.stderr for word in words), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.fixture
def items(ctx, users, clock) -> dict[str, str]:  # noqa: ANN001
    """An old AMBER item and a RED one raised a moment ago; the clock is then left at the real now."""
    officer = users["olivia"]
    now = datetime.now(UTC).replace(microsecond=0)
    clock.set(LONG_AGO)
    record = minimal_record(received_at=(LONG_AGO - timedelta(hours=1)).isoformat())
    record["concerns"]["categories"] = ["16A"]
    record["children"] = [{"first_name": "Zoë", "last_name": "O'Brien [/b]", "dob": "2019-03-02"}]
    draft = contacts.start_draft(ctx, officer, record)
    old = contacts.submit_draft(ctx, officer, draft.id).reference
    queue.escalate(ctx, officer, old)
    clock.set(now - timedelta(minutes=1))
    draft = contacts.start_draft(ctx, officer, {})
    fresh = queue.raise_immediate_danger(ctx, officer, draft.id, children="Ben Fenwick").reference
    clock.set(now)
    return {"old": old, "fresh": fresh}


def _audited(ctx, action: str) -> list[str]:  # noqa: ANN001
    with ctx.store.reading() as session:
        return list(session.exec(select(AuditEvent.actor).where(AuditEvent.action == action)).all())


def test_queue_lists_open_items_with_each_clock_state_now(ctx, items: dict[str, str]) -> None:  # noqa: ANN001
    lines = json_lines(mash(ctx.home, "queue", "--json", "--as", "sue"))
    by_reference = {line["reference"]: line for line in lines}
    assert set(by_reference) == {items["old"], items["fresh"]}
    old, fresh = by_reference[items["old"]], by_reference[items["fresh"]]
    # What people typed comes back exactly as typed.
    assert old["children"] == "Zoë O'Brien [/b]"
    assert old["rag"] == "AMBER" and old["state"] == "escalated" and old["claimed_by"] is None
    assert {clock["clock"]: clock["state"] for clock in old["clocks"]} == {"decision": "breached", "amber": "breached"}
    # The breaches were recorded before the answer was given.
    assert all(clock["breached_at"] is not None for clock in old["clocks"])
    assert fresh["rag"] == "RED" and fresh["immediate_danger"] is True
    assert {clock["clock"]: clock["state"] for clock in fresh["clocks"]} == {"red": "ok", "decision": "ok"}
    for line in lines:
        for clock in line["clocks"]:
            assert set(clock) == {"clock", "start", "due", "met_at", "breached_at", "state"}
            assert datetime.fromisoformat(clock["due"]).utcoffset() == timedelta(0)
    assert _audited(ctx, "queue.view") == ["sue"]

    # Decision makers may read the queue too; a partner may not.
    assert len(json_lines(mash(ctx.home, "queue", "--json", "--as", "dan"))) == 2
    refused(mash(ctx.home, "queue", "--json", "--as", "pat"), "partner", "may not")


def test_breaches_lists_each_breach_once_open_then_met_late(ctx, users, items: dict[str, str]) -> None:  # noqa: ANN001
    first = json_lines(mash(ctx.home, "breaches", "--json", "--as", "sue"))
    assert [(line["reference"], line["clock"], line["state"], line["met_at"]) for line in first] == [
        (items["old"], "decision", "open", None),
        (items["old"], "amber", "open", None),
    ]
    assert json_lines(mash(ctx.home, "breaches", "--json", "--as", "sue")) == first

    queue.claim(ctx, users["dan"], items["old"])
    queue.decide(ctx, users["dan"], items["old"], rag="AMBER", outcome="early_help")
    later = json_lines(mash(ctx.home, "breaches", "--json", "--as", "dan"))
    assert [(line["clock"], line["state"]) for line in later] == [("decision", "met_late"), ("amber", "met_late")]
    assert all(line["met_at"] is not None for line in later)
    assert [line["recorded_at"] for line in later] == [line["recorded_at"] for line in first]
    assert sorted(_audited(ctx, "breaches.view")) == ["dan", "sue", "sue"]
    # Decided, the old item has left the queue; its breaches have not left the record.
    assert [line["reference"] for line in json_lines(mash(ctx.home, "queue", "--json", "--as", "sue"))] == [
        items["fresh"]]


def test_breaches_since(ctx, items: dict[str, str]) -> None:  # noqa: ANN001
    everything = json_lines(mash(ctx.home, "breaches", "--json", "--as", "sue"))
    assert len(everything) == 2
    recorded = everything[0]["recorded_at"]
    assert len(json_lines(mash(ctx.home, "breaches", "--json", "--since", recorded, "--as", "sue"))) == 2
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert json_lines(mash(ctx.home, "breaches", "--json", "--since", tomorrow, "--as", "sue")) == []
    zulu = mash(ctx.home, "breaches", "--json", "--since", "2026-01-01T00:00:00Z", "--as", "sue")
    assert len(json_lines(zulu)) == 2


@pytest.mark.parametrize(
    ("since", "words"),
    [("yesterday", ("--since 'yesterday'", "ISO 8601")), ("2026-11-24T09:00:00", ("--since", "no UTC offset"))],
)
def test_a_bad_since_exits_2_naming_it(ctx, users, since: str, words: tuple[str, ...]) -> None:  # noqa: ANN001
    refused(mash(ctx.home, "breaches", "--json", "--since", since, "--as", "sue"), *words)


def test_who_may_ask(ctx, items: dict[str, str]) -> None:  # noqa: ANN001
    refused(mash(ctx.home, "breaches", "--json", "--as", "olivia"), "officer", "may not")
    refused(mash(ctx.home, "breaches", "--json", "--as", "pat"), "partner", "may not")
    refused(mash(ctx.home, "queue", "--json", "--as", "sue", password="not the password"))
    missing = mash(ctx.home, "queue", "--json")
    assert missing.returncode == 2 and "--as" in missing.stderr
    # Nothing was recorded for the refused: no breach sweep ran on their behalf.
    assert _audited(ctx, "clock.breached") == []
