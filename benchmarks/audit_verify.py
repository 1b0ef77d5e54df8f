"""`mash audit verify` on a million audit events (issue 10): goal at most 10 s.

    python benchmarks/audit_verify.py [--events 1000000] [--runs 3] [--keep DIR]

Builds a store through the real migrations, then bulk-inserts a chained trail in one transaction:
each event's hash is `mash_tui.store.audit_chain.event_hash` over its fields and the hash before,
exactly as the unit of work writes them, with the details stored as SQLAlchemy stores them. The
events look like a working hub's: views, saves, submissions, claims and decisions about thousands
of contacts, with times spread over months. Then times `mash audit verify` as a subprocess (the
whole command: interpreter start, imports and the walk) and prints the median, the spread and the
machine it ran on. The build is not part of the figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

GOAL_SECONDS = 10.0
ACTORS = (("olivia", "officer"), ("dan", "decision_maker"), ("sue", "supervisor"), ("pat", "partner"))


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
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}; load average {load}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def _event_shapes(number: int) -> tuple[str, str, str | None, dict]:
    """(action, entity, subject reference, details) cycling through what a hub's day records."""
    reference = f"C-BNCH-{number // 8 % 60000:05d}"
    kind = number % 8
    if kind == 0:
        return "draft.save", "contact_draft", reference, {"version": number % 17 + 1}
    if kind == 1:
        return "contact.view", "contact", reference, {}
    if kind == 2:
        return "contact.submit", "contact", reference, {"version": 1, "recommended_rag": "AMBER"}
    if kind == 3:
        return "contact.escalate", "work_item", reference, {
            "rag": "AMBER", "rules": ["A2"], "note": f"School worried about Zoë ({number % 97})"}
    if kind == 4:
        return "item.claim", "work_item", reference, {}
    if kind == 5:
        return "item.decide", "work_item", reference, {
            "outcome": "mash_information_gathering", "rag": "AMBER", "flags": [], "reason": None}
    if kind == 6:
        return "login.succeeded", "app_user", None, {}
    return "queue.view", "work_item", None, {"open_items": number % 230}


def _rows(count: int) -> Iterator[tuple]:
    from mash_tui.store.audit_chain import GENESIS_HASH, event_hash, hashed_fields
    from mash_tui.store.types import new_id

    prev_hash = GENESIS_HASH
    start = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    for number in range(count):
        # Some events fall on the second exactly: their stored text and hashed text differ in form.
        microseconds = (number * 7919) % 1_000_000 if number % 5 else 0
        occurred_at = start + timedelta(seconds=number * 7, microseconds=microseconds)
        actor, role = ACTORS[number % len(ACTORS)]
        action, entity, subject_ref, details = _event_shapes(number)
        event_id = new_id()
        entity_id = new_id() if number % 3 else None
        fields = hashed_fields(event_id=event_id, occurred_at=occurred_at, actor=actor, role=role, action=action,
                               entity=entity, entity_id=entity_id, subject_ref=subject_ref, details=details)
        digest = event_hash(prev_hash, fields)
        yield (event_id, occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"), actor, role, action, entity,
               entity_id, subject_ref, json.dumps(details), prev_hash, digest)
        prev_hash = digest


def build_store(home: Path, events: int) -> float:
    from mash_tui.store.db import open_store

    store = open_store(home)
    store.dispose()
    started = time.perf_counter()
    connection = sqlite3.connect(home / "mash.db", isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO audit_event (id, occurred_at, actor, role, action, entity, entity_id, subject_ref, "
            "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _rows(events),
        )
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return time.perf_counter() - started


def time_verify(home: Path) -> tuple[float, dict]:
    command = [sys.executable, "-m", "mash_tui", "--home", str(home), "audit", "verify", "--json"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=600)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"verify exited {result.returncode}: {result.stdout} {result.stderr}")
    return elapsed, json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the store in this directory and keep it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mash-audit-") as scratch:
        home = args.keep or Path(scratch) / "home"
        if not (home / "mash.db").exists() or args.keep is None:
            built = build_store(home, args.events)
            print(f"built {args.events:,} chained events in {built:.1f} s "
                  f"({(home / 'mash.db').stat().st_size / 2**20:.0f} MiB)")
        runs = []
        for _ in range(args.runs):
            seconds, answer = time_verify(home)
            if answer["events"] != args.events or not answer["ok"]:
                raise RuntimeError(f"unexpected answer: {answer}")
            runs.append((seconds, answer["elapsed_seconds"]))

    totals = [total for total, _ in runs]
    walks = [walk for _, walk in runs]
    median = statistics.median(totals)
    verdict = "met" if median <= GOAL_SECONDS else "MISSED"
    print(f"mash audit verify, {args.events:,} events, {args.runs} runs")
    print(f"  whole command  median {median:6.2f} s   min {min(totals):6.2f} s   max {max(totals):6.2f} s")
    print(f"  chain walk     median {statistics.median(walks):6.2f} s   "
          f"({args.events / statistics.median(walks) / 1000:,.0f}k events/s)")
    print(f"  {verdict} (goal ≤ {GOAL_SECONDS:g} s)")
    print(f"  machine: {machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
