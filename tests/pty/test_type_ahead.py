"""Keys typed ahead of a focus change land where the officer meant them, at any typing speed.

The real `mash` in an 80x24 pseudo-terminal: the sign-in and the capture form are typed as bursts
with Tab between fields, the bytes 0 (one write, as a paste or a barcode reader sends them), 10,
30 and 120 ms apart. Every key must go to the field that has focus once every key before it was
handled, so every field holds exactly what was typed for it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mash_tui.domain.roles import Actor
from tests.pty.terminal import REPO, Terminal, keys_of

PASSWORD = "demo-password"
TAB, ENTER, F3, CTRL_S, CTRL_Q = "\t", "\r", "\x1bOR", "\x13", "\x11"
INTERVALS_S = [0, 0.01, 0.03, 0.12]
SIGNED_IN = "My work"

REFERRER = {
    "name": "Priya Shah-Okonkwo",
    "role": "Designated safeguarding lead",
    "organisation": "Oakfield Primary School",
    "phone": "0161 496 0123",
    "email": "p.shah@oakfield.example.org",
    "relationship_to_child": "Class teacher",
}
CHILD = {"first_name": "Amara", "last_name": "Okafor", "aliases": "Mara, Ami", "dob": "14/03/2019"}
CHILD_STORED = {"first_name": "Amara", "last_name": "Okafor", "aliases": ["Mara", "Ami"], "dob": "2019-03-14"}


def _officer_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    subprocess.run(
        [sys.executable, "-m", "mash_tui", "--home", str(home), "users", "add", "olivia", "--role", "officer",
         "--password-stdin"],
        input=PASSWORD + "\n", text=True, check=True, capture_output=True, cwd=REPO, timeout=120,
    )
    return home


def _sign_in(terminal: Terminal, interval_s: float) -> None:
    terminal.wait_for("Sign in to MASH Desk")
    terminal.type([*keys_of("olivia"), TAB, *keys_of(PASSWORD), ENTER], interval_s)
    terminal.wait_for(SIGNED_IN, timeout=30)


def _fields(values: list[str]) -> list[str]:
    """Each value typed, with Tab to the next field after it."""
    keys: list[str] = []
    for value in values:
        keys += [*keys_of(value), TAB]
    return keys


def _drafts(home: Path):  # noqa: ANN202 - list[DraftView]
    from mash_tui.services.contacts import open_drafts
    from mash_tui.services.context import open_context

    ctx = open_context(home)
    try:
        return open_drafts(ctx, Actor("olivia", "officer"))
    finally:
        ctx.store.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("interval_s", INTERVALS_S, ids=lambda s: f"{int(s * 1000)}ms")
def test_sign_in_typed_ahead_signs_in(tmp_path: Path, interval_s: float) -> None:
    home = _officer_home(tmp_path)
    terminal = Terminal(home)
    try:
        _sign_in(terminal, interval_s)
    finally:
        terminal.kill()


@pytest.mark.slow
def test_sign_in_with_enter_between_fields_typed_in_one_burst_signs_in(tmp_path: Path) -> None:
    """Enter moves on to the password through a message of the user name's own: the password waits for it too."""
    home = _officer_home(tmp_path)
    terminal = Terminal(home)
    try:
        terminal.wait_for("Sign in to MASH Desk")
        terminal.type([*keys_of("olivia"), ENTER, *keys_of(PASSWORD), ENTER], 0)
        terminal.wait_for(SIGNED_IN, timeout=30)
    finally:
        terminal.kill()


@pytest.mark.slow
@pytest.mark.parametrize("interval_s", INTERVALS_S, ids=lambda s: f"{int(s * 1000)}ms")
def test_referrer_and_child_typed_ahead_land_in_their_own_fields(tmp_path: Path, interval_s: float) -> None:
    home = _officer_home(tmp_path)
    terminal = Terminal(home)
    try:
        _sign_in(terminal, interval_s)
        terminal.send("n")
        terminal.wait_for("Not saved yet")
        # F3 is the referrer's section, on its source-of-contact picker; Tab to the name, then the
        # referrer's fields, past its two checkboxes, into the first child's.
        keys = [F3, TAB, *_fields(list(REFERRER.values())), TAB, TAB, *_fields(list(CHILD.values())), CTRL_S]
        terminal.type(keys, interval_s)
        terminal.wait_for("Saved ", timeout=30)
        terminal.send(CTRL_Q)  # leaving saves what came after ctrl+s, before the process ends
        assert terminal.wait_for_exit() == 0
    finally:
        terminal.kill()

    (draft,) = _drafts(home)
    referrer = draft.form["referrer"]
    child = draft.form["children"][0]
    assert {key: referrer.get(key) for key in REFERRER} == REFERRER
    assert referrer.get("source") is None, "a key typed for the name reached the source-of-contact picker"
    assert referrer.get("anonymous") is False and referrer.get("wants_feedback") is False
    assert {key: child.get(key) for key in CHILD_STORED} == CHILD_STORED
