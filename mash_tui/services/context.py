"""What every service needs: the store, the policy in force and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mash_tui.clock import Clock, SystemClock
from mash_tui.domain.policy import Policy
from mash_tui.domain.timescales import WorkingCalendar
from mash_tui.store.db import Store


@dataclass
class Context:
    store: Store
    policy: Policy
    clock: Clock = field(default_factory=SystemClock)
    # The shared PostgreSQL database this store syncs with; None works from the local store alone.
    shared_url: str | None = None

    @property
    def home(self) -> Path:
        return self.store.home

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.policy.calendar)


def open_context(home: Path, *, clock: Clock | None = None, policy: Policy | None = None,
                 shared_url: str | None = None) -> Context:
    """Open (and migrate) the store of `home` with the policy in force there.

    The shared database is `shared_url`, else `$MASH_SHARED_DB` (which `mash --shared` sets).
    """
    import os

    from mash_tui.config import load_policy
    from mash_tui.store.db import open_store

    policy = policy or load_policy(home)
    return Context(store=open_store(home), policy=policy, clock=clock or SystemClock(),
                   shared_url=shared_url or os.environ.get("MASH_SHARED_DB") or None)
