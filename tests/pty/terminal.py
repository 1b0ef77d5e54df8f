"""`mash` in a real pseudo-terminal, driven byte by byte the way a keyboard, a paste or a barcode reader drives it."""

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

REPO = Path(__file__).resolve().parents[2]
SCREEN_TIMEOUT_S = 60.0
# CSI and OSC sequences and two-byte escapes: the text on screen sits between them.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


class Terminal:
    """`mash --home HOME` running in a pseudo-terminal of COLS x ROWS, with everything it drew kept as plain text."""

    def __init__(self, home: Path, cols: int = 80, rows: int = 24) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
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

    def type(self, keys: list[str], interval_s: float) -> None:
        """Each key's bytes in one write, `interval_s` apart; with no interval, every key in one write."""
        if interval_s == 0:
            self.send("".join(keys))
            return
        for key in keys:
            self.send(key)
            time.sleep(interval_s)

    def wait_for_exit(self, timeout: float = SCREEN_TIMEOUT_S) -> int:
        returncode = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return returncode

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        try:
            os.close(self.master)
        except OSError:
            pass


def keys_of(text: str) -> list[str]:
    """Text as the keys that type it, one character a key."""
    return list(text)
