"""Named points in a sync where the crash tests stop the process, as a power cut would.

In the app `fault_point` does nothing, and nothing in the app can change that: no setting, no
environment variable. Only the tests' worker scripts, running in a process of their own, put a
SIGKILL in its place before they sync (tests/sync/faults.py). Callers look it up on this module at
each call (`faults.fault_point(...)`), so the replacement is the one they reach.

The points: `before-push`, `after-server-commit`, `after-acknowledge` (sync.push) and
`between-reference-chunks` (sync.reference).
"""

from __future__ import annotations


def fault_point(name: str) -> None:  # noqa: ARG001 - a test's worker script gives the name a meaning
    """Nothing: the place a crash test stops the process."""
