"""What every service needs: the store, the settings with the policy and rules in force, the clock.

A context opened here works from the local store alone. The sync wing (`mash_tui.sync.link.attach`)
fills in `shared` when the settings name a shared database: services ask it what only the shared
database can settle (a claim's arbitration, "take next" among concurrent takers, sending a change
now), and never import the sync wing themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mash_tui.clock import Clock, SystemClock
from mash_tui.domain.policy import Policy
from mash_tui.domain.timescales import WorkingCalendar
from mash_tui.store.db import Store

if TYPE_CHECKING:
    from mash_tui.config import Settings
    from mash_tui.domain.rag import RuleSet
    from mash_tui.domain.roles import Actor


class SharedDatabase(Protocol):
    """The shared database as the services see it; `mash_tui.sync.link.SharedLink` is the one there is."""

    url: str

    def requested_claims(self, session: Any) -> set[str]:
        """Ids of the items whose claim made here waits for the shared database's answer."""

    def take_next(self, ctx: Context, actor: Actor) -> str | None:
        """Claim the most urgent item no one holds or is taking, online; its reference.

        None when the shared database does not answer: the caller picks here, and the claim is
        requested until it does. A refusal is raised as the queue's own ItemRefused.
        """

    def send_now(self, ctx: Context, actor: Actor) -> bool:
        """Send what waits here now, if the shared database answers; False when it does not."""


@dataclass
class Context:
    store: Store
    policy: Policy
    rules: RuleSet
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    # The shared database this store syncs with, filled in by the sync wing; None: the local store alone.
    shared: SharedDatabase | None = None

    @property
    def home(self) -> Path:
        return self.store.home

    @property
    def shared_url(self) -> str | None:
        return self.shared.url if self.shared is not None else None

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.policy.calendar)


def open_context(where: Path | Settings, *, clock: Clock | None = None, policy: Policy | None = None) -> Context:
    """Open (and migrate) the store of the settings' home, with the policy and rules in force there.

    Given a bare home, its settings are the defaults: no shared database, nothing from the
    environment. The policy is loaded here unless given (tests pass a frozen one).
    """
    from mash_tui.config import Settings
    from mash_tui.store.db import open_store

    settings = where if isinstance(where, Settings) else Settings(home=where)
    policy = policy or settings.load_policy()
    rules = settings.load_rules()
    return Context(store=open_store(settings.home), policy=policy, rules=rules, settings=settings,
                   clock=clock or SystemClock())
