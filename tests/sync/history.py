"""Jepsen's definitions over a recorded history: lost = acknowledged but absent, duplicated = applied twice."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg


@dataclass(frozen=True)
class Verdict:
    acknowledged: set[int]
    applied: Counter
    lost: set[int]
    duplicated: set[int]


def acknowledged_ops(history: Path) -> set[int]:
    if not history.exists():
        return set()
    return {int(line.split()[1]) for line in history.read_text().splitlines() if line.startswith("ok ")}


def applied_ops(url: str) -> Counter:
    """How many times each op's draft was applied: inserts in the change log and in the audit trail."""
    with psycopg.connect(url) as connection:
        inserts = connection.execute(
            "SELECT data->'form'->>'note' FROM change_log WHERE kind = 'contact_draft' AND op = 'insert'"
        ).fetchall()
        audits = connection.execute(
            "SELECT count(*) FROM audit_event WHERE action = 'draft.start'"
        ).fetchone()[0]
    counted = Counter(int(note.removeprefix("op-")) for (note,) in inserts)
    assert audits == sum(counted.values()), "audit trail and change log disagree"
    return counted


def check(history: Path, url: str) -> Verdict:
    acknowledged = acknowledged_ops(history)
    applied = applied_ops(url)
    lost = {op for op in acknowledged if applied[op] == 0}
    duplicated = {op for op, times in applied.items() if times > 1}
    return Verdict(acknowledged, applied, lost, duplicated)
