"""Leaving a field on the capture screen (issue 21): how long the UI thread works when a field loses focus.

    python benchmarks/leave_field.py [--samples 200]

A draft with three children, two adults, concerns, consent and an agency is opened on the capture
screen; the focus moves on from field to field (as Tab does) `--samples` times. For each move the
time spent in the screen's handlers of the focus leaving a field, on the UI thread, is timed
(the screen's handling of DescendantBlur, and of the check's answer where a thread makes it). Keys typed meanwhile wait for that work, so it is what a Tab costs the typist.

Prints the median, p95 and worst in milliseconds, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.keystroke import OFFICER, percentile, prepare  # noqa: E402
from mash_tui.app import MashApp  # noqa: E402


async def measure(home: Path, draft_id: str, samples: int) -> list[float]:
    from mash_tui.screens.contact import ContactScreen

    from textual import events

    costs: list[float] = []
    original = ContactScreen._dispatch_message

    async def timed(self, message):  # noqa: ANN001, ANN202
        # The blur reaches the screen as DescendantBlur; the check's answer, where a thread makes it, as a message.
        if not isinstance(message, (events.DescendantBlur, getattr(ContactScreen, "Checked", events.DescendantBlur))):
            return await original(self, message)
        started = time.perf_counter()
        try:
            return await original(self, message)
        finally:
            costs.append((time.perf_counter() - started) * 1000)

    ContactScreen._dispatch_message = timed
    app = MashApp(home, ticking=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.actor = OFFICER
            await app.switch_screen(app.home_screen())
            app.open_screen("new_contact", draft_id=draft_id)
            while not (isinstance(app.screen, ContactScreen) and app.screen.mode == "draft"):
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
            await app.workers.wait_for_complete()
            costs.clear()
            for _ in range(samples):
                app.screen.focus_next()
                await pilot.pause(0.03)
            await app.workers.wait_for_complete()
            await pilot.pause()
    finally:
        ContactScreen._dispatch_message = original
    return costs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        draft_id = prepare(home)
        costs = asyncio.run(measure(home, draft_id, args.samples))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"UI-thread work per field left ({len(costs)} handler runs, {args.samples} focus moves): "
          f"median {statistics.median(costs):.2f} ms, p95 {percentile(costs, 0.95):.2f} ms, worst {max(costs):.2f} ms")
    print(f"load average {load}")


if __name__ == "__main__":
    main()
