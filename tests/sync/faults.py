"""The crash tests' side of `mash_tui.sync.faults`: a SIGKILL at a named point, in a worker process only.

The app's fault points do nothing and nothing in the app can change that. A worker script the
tests start calls `install_from_environment()` before it syncs: when `MASH_SYNC_FAULT` (set by the
test, for that process alone) names a point, the process kills itself there as a power cut would.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

FAULT_ENV = "MASH_SYNC_FAULT"


def crash_at(name: str) -> Callable[[str], None]:
    def fault_point(point: str) -> None:
        if point == name:
            os.kill(os.getpid(), signal.SIGKILL)

    return fault_point


def install_from_environment() -> str | None:
    """Put a SIGKILL at the point `MASH_SYNC_FAULT` names, if it names one; that name."""
    from mash_tui.sync import faults

    name = os.environ.get(FAULT_ENV)
    if name:
        faults.fault_point = crash_at(name)
    return name
