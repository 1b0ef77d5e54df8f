"""Reading known people from the command line leaves a trace: one audit event per run."""

from __future__ import annotations

from mash_tui.domain.roles import Actor
from mash_tui.services.authz import require
from mash_tui.services.context import Context
from mash_tui.store.unit_of_work import unit_of_work


def may_look_up(ctx: Context, actor: Actor) -> None:
    """Looking up who a person may be is a prior-involvement check: refused (and audited) otherwise."""
    require(ctx, actor, "check.run")


def audit_lookup_run(ctx: Context, actor: Actor, *, queries: int, candidates: int, batch: str | None) -> None:
    """Record that `actor` looked up `queries` people (from the file `batch`, if any) and saw `candidates`."""
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        uow.audit(
            "persons.lookup",
            "known_person",
            details={"queries": queries, "candidates": candidates, "batch": batch},
        )
