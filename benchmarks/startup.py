"""Start-up (issue 3): process start to the first frame of the login screen, against a bare app.

    python benchmarks/startup.py [--runs 15] [--cols 80 --rows 24]

Each run starts a real process in a pseudo-terminal of the given size and times from just before
the fork to the moment the screen's text reaches the terminal: "Sign in to MASH Desk" for
`python -m mash_tui --home DIR`, and an Input's placeholder for a bare Textual app with one Input.
The two alternate, so a noisy neighbour slows both alike; each process is killed once its frame
is seen. The home is made (and migrated) before timing, as on a machine that has used MASH before.

Prints the median and p95 of each, the ratio of the medians, the resident memory at the first
frame and the machine it ran on. Goal: ratio ≤ 1.5.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOAL_RATIO = 1.5
FRAME_TIMEOUT_S = 30.0
MASH_MARKER = "Sign in to MASH Desk"
BARE_MARKER = "bare app first frame"

BARE_APP = textwrap.dedent(
    f"""
    from textual.app import App, ComposeResult
    from textual.widgets import Input


    class BareApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(placeholder={BARE_MARKER!r})


    BareApp().run()
    """
)

# CSI and OSC sequences, and the two-byte escapes Textual uses; the marker may sit between them.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


@dataclass
class Series:
    name: str
    seconds: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(self.seconds)

    def p95(self) -> float:
        ordered = sorted(self.seconds)
        # Nearest rank: with 15 runs this is the slowest but none.
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    from importlib.metadata import version

    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}; load average {load}; "
        f"Python {platform.python_version()}, textual {version('textual')}, {platform.system()} {platform.release()}"
    )


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return float("nan")


def time_to_frame(command: list[str], marker: str, cols: int, rows: int) -> tuple[float, float]:
    """Seconds from spawn until `marker` is on the terminal, and the RSS in MiB at that moment."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
    env.pop("TEXTUAL", None)
    wanted = marker.encode()
    output = b""
    started = time.perf_counter()
    child = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO, start_new_session=True
    )
    os.close(slave)
    try:
        while True:
            remaining = started + FRAME_TIMEOUT_S - time.perf_counter()
            if remaining <= 0:
                raise RuntimeError(f"no {marker!r} within {FRAME_TIMEOUT_S:g} s from {command}: {output[-500:]!r}")
            ready, _, _ = select.select([master], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal (it exited)
                chunk = b""
            if not chunk:
                raise RuntimeError(f"{command} ended before its first frame: {output[-2000:]!r}")
            output += chunk
            if wanted in _ESCAPES.sub(b"", output):
                elapsed = time.perf_counter() - started
                return elapsed, rss_mib(child.pid)
    finally:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()
        os.close(master)


def prepare_home(home: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from mash_tui.store.db import open_store; "
            "open_store(Path(sys.argv[1])).dispose()",
            str(home),
        ],
        check=True,
        cwd=REPO,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs of each first (default 2)")
    parser.add_argument("--cols", type=int, default=80)
    parser.add_argument("--rows", type=int, default=24)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mash-startup-") as scratch:
        home = Path(scratch) / "home"
        prepare_home(home)
        bare_script = Path(scratch) / "bare_app.py"
        bare_script.write_text(BARE_APP)
        subjects = [
            (Series("mash login"), [sys.executable, "-m", "mash_tui", "--home", str(home)], MASH_MARKER),
            (Series("bare Textual + Input"), [sys.executable, str(bare_script)], BARE_MARKER),
        ]
        for _ in range(args.warmup):
            for _series, command, marker in subjects:
                time_to_frame(command, marker, args.cols, args.rows)
        for run in range(args.runs):
            # Alternate which goes first, so neither always follows the other's teardown.
            order = subjects if run % 2 == 0 else list(reversed(subjects))
            for series, command, marker in order:
                seconds, rss = time_to_frame(command, marker, args.cols, args.rows)
                series.seconds.append(seconds)
                series.rss_mib.append(rss)

    mash, bare = subjects[0][0], subjects[1][0]
    ratio = mash.median() / bare.median()
    print(f"Start-up to first frame, {args.runs} runs each at {args.cols}x{args.rows}, alternating")
    for series in (mash, bare):
        print(
            f"  {series.name:<22} median {series.median() * 1000:6.0f} ms   p95 {series.p95() * 1000:6.0f} ms   "
            f"min {min(series.seconds) * 1000:5.0f} ms   RSS {statistics.median(series.rss_mib):5.1f} MiB"
        )
    verdict = "met" if ratio <= GOAL_RATIO else "MISSED"
    print(f"  ratio of medians      {ratio:.2f}  {verdict} (goal ≤ {GOAL_RATIO:g})")
    print(f"  machine: {machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
