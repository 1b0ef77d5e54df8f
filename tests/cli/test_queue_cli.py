"""`mash escalate|close|claim|release|reassign|rerate|decide|step-up` as real processes.

Users are added with `mash users add`; contacts are captured through the services (there is no
capture command), then each queue command runs in its own process and must print the item's new
state, or exit 2 with the reason it was refused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.contact_records import minimal_record

PASSWORD = "correct horse battery"
USERS = (("olivia", "officer"), ("dan", "decision_maker"), ("dee", "decision_maker"), ("sue", "supervisor"))


def _mash(home: Path, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MASH_PASSWORD": password, "PYTHONIOENCODING": "utf-8"}
    env.pop("MASH_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "mash_tui", "--home", str(home), *args],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=120,
    )


@pytest.fixture(scope="module")
def template_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("queue-cli") / "home"
    for name, role in USERS:
        added = subprocess.run(
            [sys.executable, "-m", "mash_tui", "--home", str(home), "users", "add", name, "--role", role,
             "--password-stdin"],
            input=PASSWORD + "\n", capture_output=True, text=True, timeout=120,
        )
        assert added.returncode == 0, added.stderr
    return home


@pytest.fixture
def home(template_home: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(template_home, copy)
    return copy


def _contacts(home: Path, *category_lists: list[str], escalate: bool = False,
              claim_by: str | None = None) -> list[str]:
    """Submit one contact per list of concern categories as olivia, in this process: only the
    command under test runs as a subprocess. Optionally escalate each and have someone claim it."""
    from mash_tui.domain.roles import Actor
    from mash_tui.services import contacts, queue
    from mash_tui.services.context import open_context

    ctx = open_context(home)
    officer = Actor("olivia", "officer")
    references = []
    try:
        for categories in category_lists:
            form = minimal_record()
            form["concerns"]["categories"] = categories
            draft = contacts.start_draft(ctx, officer, form)
            reference = contacts.submit_draft(ctx, officer, draft.id).reference
            if escalate or claim_by:
                queue.escalate(ctx, officer, reference)
            if claim_by:
                queue.claim(ctx, Actor(claim_by, "decision_maker"), reference)
            references.append(reference)
    finally:
        ctx.store.dispose()
    return references


def _decided(home: Path, reference: str, **decision: str) -> None:
    from mash_tui.domain.roles import Actor
    from mash_tui.services import queue
    from mash_tui.services.context import open_context

    ctx = open_context(home)
    try:
        queue.decide(ctx, Actor("dan", "decision_maker"), reference, **decision)
    finally:
        ctx.store.dispose()


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _refused(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _json(result: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(_ok(result))


def test_escalate_prints_the_new_state(home: Path) -> None:
    [reference] = _contacts(home, ["16A"])
    out = _ok(_mash(home, "escalate", reference, "--note", "school [b]worried[/b]", "--as", "olivia"))
    assert out.splitlines()[0] == f"{reference}: escalated, AMBER, not held (Fenwick)"
    assert "MASH information gathering: due" in out
    _refused(_mash(home, "escalate", reference, "--as", "olivia"), "already left the officer's hands")


def test_escalate_json_is_the_item_view(home: Path) -> None:
    [reference] = _contacts(home, ["19C"])
    item = _json(_mash(home, "escalate", reference, "--as", "olivia", "--json"))
    assert (item["reference"], item["state"], item["rag"], item["claimed_by"]) == (reference, "escalated", "RED", None)
    assert {clock["clock"] for clock in item["clocks"]} == {"decision", "red"}


def test_claim_and_the_next_claimant_is_told_who_holds_it(home: Path) -> None:
    [reference] = _contacts(home, ["16A"], escalate=True)
    assert "claimed, AMBER, held by dan" in _ok(_mash(home, "claim", reference, "--as", "dan"))
    _refused(_mash(home, "claim", reference, "--as", "dee"), f"{reference} is already held by dan")


def test_claim_next_takes_red_first(home: Path) -> None:
    _amber, red = _contacts(home, ["16A"], ["19C"], escalate=True)
    item = _json(_mash(home, "claim", "--next", "--as", "dan", "--json"))
    assert (item["reference"], item["claimed_by"], item["state"]) == (red, "dan", "claimed")


def test_claim_next_on_an_empty_queue_and_claim_without_a_reference(home: Path) -> None:
    _refused(_mash(home, "claim", "--next", "--as", "dan"), "the queue is empty")
    _refused(_mash(home, "claim", "--as", "dan"), "give the item's reference, or --next")


def test_release_returns_the_item_and_only_the_holder_may(home: Path) -> None:
    [reference] = _contacts(home, ["16A"], claim_by="dan")
    _refused(_mash(home, "release", reference, "--as", "dee"), "held by dan")
    item = _json(_mash(home, "release", reference, "--as", "dan", "--json"))
    assert (item["state"], item["claimed_by"]) == ("escalated", None)


def test_decide_overrides_with_a_reason_and_flags(home: Path) -> None:
    [reference] = _contacts(home, ["16A"], claim_by="dan")
    _refused(_mash(home, "decide", reference, "--rag", "RED", "--outcome", "strategy_discussion", "--as", "dan"),
             "changing the rating from AMBER to RED needs a reason")
    item = _json(_mash(home, "decide", reference, "--rag", "RED", "--outcome", "strategy_discussion",
                       "--flag", "police_notified", "--flag", "lado_referral", "--reason", "bruising seen",
                       "--as", "dan", "--json"))
    assert (item["state"], item["rag"], item["outcome"], item["claimed_by"]) == (
        "decided", "RED", "strategy_discussion", None)
    assert all(clock["met_at"] for clock in item["clocks"] if clock["clock"] in ("decision", "red"))


def test_deciding_an_unclaimed_item_and_an_officer_deciding_are_refused(home: Path) -> None:
    [reference] = _contacts(home, ["16A"], escalate=True)
    _refused(_mash(home, "decide", reference, "--rag", "AMBER", "--outcome", "assessment", "--as", "dan"),
             "claim the item before recording a decision")
    _refused(_mash(home, "decide", reference, "--rag", "AMBER", "--outcome", "assessment", "--as", "olivia"),
             "a user with the role officer may not record decisions")


def test_bad_choices_and_a_wrong_password_exit_2(home: Path) -> None:
    result = _mash(home, "decide", "C-X", "--rag", "PURPLE", "--outcome", "assessment", "--as", "dan")
    assert result.returncode == 2 and "invalid choice: 'PURPLE'" in result.stderr
    result = _mash(home, "claim", "C-X", "--as", "dan", password="wrong password")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_rerate_restarts_the_rag_clock(home: Path) -> None:
    [reference] = _contacts(home, ["16A"], claim_by="dan")
    _decided(home, reference, rag="AMBER", outcome="mash_information_gathering")
    item = _json(_mash(home, "rerate", reference, "--rag", "RED", "--reason", "police report a weapon",
                       "--as", "dan", "--json"))
    assert (item["state"], item["rag"]) == ("information_gathering", "RED")
    assert [clock["met_at"] for clock in item["clocks"] if clock["clock"] == "red"] == [None]


def test_step_up_returns_early_help_to_the_queue(home: Path) -> None:
    early_help, claimed = _contacts(home, ["7A"], ["16A"], claim_by="dan")
    _decided(home, early_help, rag="GREEN", outcome="early_help")
    out = _ok(_mash(home, "step-up", early_help, "--reason", "school reports bruising", "--as", "dan"))
    assert out.startswith(f"{early_help}: escalated, GREEN, not held")
    _refused(_mash(home, "step-up", claimed, "--reason", "new information", "--as", "dan"),
             "only an early-help item can be stepped up")


def test_supervisor_reassigns(home: Path) -> None:
    [reference] = _contacts(home, ["16A"], claim_by="dan")
    _refused(_mash(home, "reassign", reference, "--to", "olivia", "--as", "sue"), "'olivia' is not a decision maker")
    assert _json(_mash(home, "reassign", reference, "--to", "dee", "--as", "sue", "--json"))["claimed_by"] == "dee"


def test_close_only_below_green(home: Path) -> None:
    nothing, amber = _contacts(home, [], ["16A"])
    _refused(_mash(home, "close", amber, "--outcome", "no_further_action", "--reason", "none", "--as", "olivia"),
             "rated AMBER: it must be escalated, not closed")
    item = _json(_mash(home, "close", nothing, "--outcome", "advice_and_information", "--reason",
                       "signposted to the school nurse", "--as", "olivia", "--json"))
    assert (item["state"], item["outcome"], item["rag"]) == ("closed", "advice_and_information", "none")


def test_feedback_once_there_is_an_outcome_and_then_again(home: Path) -> None:
    [reference] = _contacts(home, ["16A"], claim_by="dan")
    _refused(_mash(home, "feedback", reference, "--how", "phone", "--as", "olivia"),
             f"{reference} has no outcome yet (it is claimed)")
    _decided(home, reference, rag="AMBER", outcome="assessment")
    item = _json(_mash(home, "feedback", reference, "--how", "phone", "--note", "told [b]Priya[/b]",
                       "--as", "olivia", "--json"))
    assert [(given["how"], given["by"], given["note"]) for given in item["feedback"]] == [
        ("phone", "olivia", "told [b]Priya[/b]")]
    assert item["feedback_given_at"] == item["feedback"][0]["at"]
    out = _ok(_mash(home, "feedback", reference, "--how", "letter", "--as", "dan"))
    assert out.splitlines()[0].startswith(f"{reference}: decided, AMBER, not held, outcome assessment")
    told = [line.strip() for line in out.splitlines() if "referrer told" in line]
    assert [line.split(" 20")[0] for line in told] == ["referrer told the outcome by phone",
                                                       "referrer told the outcome by letter"]
    assert told[1].endswith("by dan")


def test_feedback_with_a_bad_method_or_by_a_supervisor_exits_2(home: Path) -> None:
    [reference] = _contacts(home, [], escalate=False)
    result = _mash(home, "feedback", reference, "--how", "fax", "--as", "olivia")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "invalid choice: 'fax'" in result.stderr
    assert all(method in result.stderr for method in ("phone", "email", "letter", "in_person", "meeting"))
    _refused(_mash(home, "feedback", reference, "--how", "email", "--as", "sue"),
             "a user with the role supervisor may not record feedback to referrers")
    _refused(_mash(home, "feedback", reference, "--how", "email", "--as", "olivia"),
             f"no queue item with reference '{reference}'")


def test_the_queue_json_shows_when_the_referrer_was_told(home: Path) -> None:
    from mash_tui.domain.roles import Actor
    from mash_tui.services import queue
    from mash_tui.services.context import open_context

    # Passed to the allocated worker: it has its outcome yet stays open, so `mash queue` lists it.
    [reference] = _contacts(home, ["16A"])
    ctx = open_context(home)
    try:
        queue.pass_to_allocated_worker(ctx, Actor("olivia", "officer"), reference, "Jo Allocated", "open case")
    finally:
        ctx.store.dispose()
    _ok(_mash(home, "feedback", reference, "--how", "in_person", "--as", "olivia"))
    [line] = [json.loads(row) for row in _ok(_mash(home, "queue", "--json", "--as", "olivia")).splitlines()]
    assert line["reference"] == reference
    assert [(given["how"], given["by"]) for given in line["feedback"]] == [("in_person", "olivia")]
    assert line["feedback_given_at"] == line["feedback"][0]["at"]
    assert line["feedback_given_at"].endswith("+00:00")
