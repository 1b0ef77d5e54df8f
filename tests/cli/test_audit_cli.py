"""`mash audit show`: who looked at a child's record, from the command line, as a supervisor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSWORD
from tests.unit.contact_records import minimal_record

REPO = Path(__file__).resolve().parents[2]


def _mash(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MASH_PASSWORD": PASSWORD, "MASH_HOME": ""}
    env.pop("MASH_SHARED_DB", None)
    return subprocess.run([sys.executable, "-m", "mash_tui", "--home", str(home), *args], input=stdin,
                          capture_output=True, text=True, timeout=180, cwd=REPO, env=env)


def _events(result: subprocess.CompletedProcess[str]) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_who_looked_at_a_record(ctx, users, clock) -> None:  # noqa: ANN001
    from datetime import timedelta

    from mash_tui.services import contacts

    draft = contacts.start_draft(ctx, users["olivia"], minimal_record())
    reference = contacts.submit_draft(ctx, users["olivia"], draft.id).reference
    clock.advance(timedelta(hours=2))
    contacts.get_contact(ctx, users["dan"], reference)
    contacts.get_contact(ctx, users["sue"], reference)
    ctx.store.dispose()

    about = _events(_mash(ctx.home, "audit", "show", "--subject", reference, "--json", "--as", "sue"))
    assert [event["action"] for event in about] == ["draft.start", "contact.submit", "contact.view", "contact.view"]
    assert [event["actor"] for event in about if event["action"] == "contact.view"] == ["dan", "sue"]
    assert all(event["subject_ref"] == reference for event in about)
    assert [event["seq"] for event in about] == sorted(event["seq"] for event in about)

    dan_only = _events(_mash(ctx.home, "audit", "show", "--user", "dan", "--subject", reference, "--json",
                             "--as", "sue"))
    assert [(event["actor"], event["action"]) for event in dan_only] == [("dan", "contact.view")]

    since = (clock.now() - timedelta(minutes=1)).isoformat()
    recent = _events(_mash(ctx.home, "audit", "show", "--since", since, "--subject", reference, "--json",
                           "--as", "adam"))
    assert {event["actor"] for event in recent} == {"dan", "sue"}

    # Reading the trail is itself in the trail, with the filters used.
    reads = [event for event in _events(_mash(ctx.home, "audit", "show", "--json", "--as", "adam"))
             if event["action"] == "audit.view"]
    assert [event["actor"] for event in reads] == ["sue", "sue", "adam"]
    assert reads[0]["details"]["subject"] == reference

    human = _mash(ctx.home, "audit", "show", "--subject", reference, "--as", "sue")
    assert human.returncode == 0 and "contact.view" in human.stdout and "dan" in human.stdout


def test_only_supervisors_and_admins_read_the_trail(ctx, users) -> None:  # noqa: ANN001
    ctx.store.dispose()
    for name in ("olivia", "dan", "pat"):
        refused = _mash(ctx.home, "audit", "show", "--as", name)
        assert refused.returncode == 2
        assert refused.stderr.startswith("mash: error:") and "Traceback" not in refused.stderr
        assert refused.stdout == ""
    refusals = [event for event in _events(_mash(ctx.home, "audit", "show", "--json", "--as", "sue"))
                if event["action"] == "permission.refused"]
    assert [event["actor"] for event in refusals] == ["olivia", "dan", "pat"]
    assert {event["details"]["action"] for event in refusals} == {"audit.view"}


def test_bad_filters_are_one_clear_line(ctx, users) -> None:  # noqa: ANN001
    ctx.store.dispose()
    for args, words in ((("--since", "yesterday"), "ISO 8601"), (("--since", "2026-11-24T09:00:00"), "offset"),
                        (("--limit", "0"), "--limit")):
        result = _mash(ctx.home, "audit", "show", *args, "--as", "sue")
        assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
