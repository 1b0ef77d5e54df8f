"""Nothing typed is lost to a crash: the real `mash` in a terminal, killed with SIGKILL mid-typing.

The officer signs in, opens a new contact and types the caller's name at a steady pace; straight
after the last key the process is killed. The draft on disk must hold everything typed up to one
second before the kill (autosave's promise) and nothing that was not typed. Then `mash` starts
again and offers the unsent draft, which reopens with what was saved.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from mash_tui.domain.roles import Actor
from tests.conftest import PASSWORD

REPO = Path(__file__).resolve().parents[2]
COLS, ROWS = 100, 30
SCREEN_TIMEOUT_S = 60.0
KEY_INTERVAL_S = 0.06
TYPED = "Priya Shah-Okonkwo, designated safeguarding lead at Oakfield Primary"
F3 = "\x1bOR"
ENTER = "\r"
TAB = "\t"
# CSI and OSC sequences and two-byte escapes: the text on screen sits between them.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


class Terminal:
    """`mash` running in a pseudo-terminal, with everything it has drawn kept as plain text."""

    def __init__(self, home: Path) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLS), "LINES": str(ROWS)}
        env.pop("TEXTUAL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mash_tui", "--home", str(home)],
            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO, start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self._raw = ""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        # Drained all the time: a terminal nobody reads blocks the app's writes.
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.1)
                if not ready:
                    if self.process.poll() is not None:
                        return
                    continue
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._raw += chunk.decode("utf-8", errors="replace")

    def text(self) -> str:
        with self._lock:
            return _ESCAPES.sub("", self._raw)

    def wait_for(self, words: str, timeout: float = SCREEN_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while words not in self.text():
            if self.process.poll() is not None:
                raise AssertionError(f"mash ended before showing {words!r}: {self.text()[-2000:]!r}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{words!r} not shown within {timeout} s: {self.text()[-2000:]!r}")
            time.sleep(0.02)

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        os.close(self.master)


def _mash(home: Path, *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "mash_tui", "--home", str(home), *args],
        input=stdin, text=True, check=True, capture_output=True, cwd=REPO, timeout=120,
    )


def _sign_in(terminal: Terminal) -> None:
    terminal.wait_for("Sign in to MASH Desk")
    # In one burst: Enter moves the focus to the password through a message of its own, and the
    # app holds the password's keys until it has (MashApp's type-ahead).
    terminal.send("olivia" + ENTER + PASSWORD + ENTER)
    terminal.wait_for("My work")


def _drafts(home: Path):  # noqa: ANN202 - list[DraftView]
    from mash_tui.services.contacts import open_drafts
    from mash_tui.services.context import open_context

    ctx = open_context(home)
    try:
        return open_drafts(ctx, Actor("olivia", "officer"))
    finally:
        ctx.store.dispose()


@pytest.mark.slow
def test_sigkill_mid_typing_loses_at_most_the_last_second(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _mash(home, "users", "add", "olivia", "--role", "officer", "--password-stdin", stdin=PASSWORD + "\n")

    terminal = Terminal(home)
    try:
        _sign_in(terminal)
        terminal.send("n")
        terminal.wait_for("Not saved yet")
        terminal.send(F3)  # the referrer's section: source of contact, then Tab to the name
        terminal.wait_for("Type to search the code list")
        terminal.send(TAB)
        time.sleep(0.5)
        sent_at = []
        for character in TYPED:
            terminal.send(character)
            sent_at.append(time.monotonic())
            time.sleep(KEY_INTERVAL_S)
        killed_at = time.monotonic()
        os.killpg(terminal.process.pid, signal.SIGKILL)
    finally:
        terminal.kill()
    assert terminal.process.returncode == -signal.SIGKILL

    (draft,) = _drafts(home)
    saved = draft.form["referrer"]["name"] or ""
    typed_a_second_before = sum(1 for moment in sent_at if moment <= killed_at - 1.0)
    assert TYPED.startswith(saved), f"the draft holds {saved!r}, which was never typed"
    assert len(saved) >= typed_a_second_before, (
        f"only {len(saved)} of the {typed_a_second_before} characters typed more than a second before "
        f"the kill reached the draft: {saved!r}"
    )

    # The next start offers the unsent draft, and it reopens with what was saved.
    terminal = Terminal(home)
    try:
        _sign_in(terminal)
        terminal.wait_for(f"You have an unsent draft, {draft.reference}")
        terminal.send(ENTER)
        terminal.wait_for(f"Contact {draft.reference} (draft)")
        terminal.wait_for(saved[:20])
    finally:
        terminal.kill()
    (reopened,) = _drafts(home)
    assert reopened.form == draft.form
