""""Take next" against the shared database: `FOR UPDATE SKIP LOCKED`, so concurrent takers never collide.

The machine first syncs, so its idea of the queue is fresh. Then, in one shared transaction, it
locks the first item in its urgency order that is still free on the server and that no other
transaction is locking, claims it here, and sends that claim in the same transaction. The local
outbox learns the answer only after the shared transaction commits: if the commit is lost, the
claim is still waiting here and goes with the next push, as an offline claim would.

A claim made here, online or not, is only *requested* until the shared database accepts it:
`requested_claims` finds those still waiting in the outbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mash_tui.domain.roles import Actor
    from mash_tui.services.context import Context

_FIRST_FREE = (
    "SELECT id FROM entity "
    "WHERE kind = 'work_item' AND id = ANY(%(ids)s) "
    "AND coalesce(data->>'claimed_by', '') = '' AND data->>'state' = 'escalated' "
    "ORDER BY array_position(%(ids)s::text[], id) LIMIT 1 FOR UPDATE SKIP LOCKED"
)


def requested_claims(session: Any) -> set[str]:
    """Ids of the items whose claim by this machine still waits for the shared database's answer."""
    from sqlalchemy import text

    rows = session.execute(
        text("SELECT DISTINCT json_extract(payload, '$.id') FROM outbox "
             "WHERE status = 'pending' AND name = 'claim_item.v1'")
    ).all()
    return {str(row[0]) for row in rows if row[0] is not None}


def claim_requested(session: Any, item_id: str) -> bool:
    """True while this machine's claim of the item waits for the shared database's answer."""
    return item_id in requested_claims(session)


def take_next_online(ctx: Context, actor: Actor) -> str:
    """Claim the most urgent item no one holds or is taking; its reference. SharedDatabaseUnavailable offline."""
    import psycopg

    # Here, not above: the queue asks `requested_claims` on every listing, and needs none of this.
    from mash_tui.server.apply import apply_batch
    from mash_tui.services import queue
    from mash_tui.sync.connection import connect_shared, deadline, identity_of
    from mash_tui.sync.errors import SharedDatabaseUnavailable, first_line
    from mash_tui.sync.push import acknowledge, pending_batch
    from mash_tui.sync.round import sync_store

    connection = connect_shared(ctx.shared_url, ctx.settings)
    try:
        sync_store(ctx, actor.username, connection=connection)
        with ctx.store.reading() as session:
            waiting = [(item.id, item.reference) for item in queue.waiting_in_urgency_order(session)]
        if not waiting:
            raise queue.ItemRefused("the queue is empty: nothing to take")
        references = dict(waiting)
        identity = identity_of(ctx.store, actor.username)
        reference = None
        try:
            with deadline(connection, ctx.settings.sync_deadline_s), connection.transaction():
                row = connection.execute(_FIRST_FREE, {"ids": [item_id for item_id, _ in waiting]}).fetchone()
                if row is None:
                    raise queue.ItemRefused("every waiting item is being taken by someone else: try again")
                queue.claim(ctx, actor, references[row[0]])
                reference = references[row[0]]
                batch = pending_batch(ctx.store)
                outcomes = apply_batch(connection, identity.client_id, batch)
        except psycopg.OperationalError as error:
            if reference is not None:
                # Claimed here already: it stays requested and goes with the next push.
                return reference
            raise SharedDatabaseUnavailable(f"shared database unreachable: {first_line(error)}") from None
        acknowledge(ctx.store, outcomes)
    finally:
        connection.close()
    ours = {mutation.mutation_id for mutation in batch
            if mutation.name == "claim_item.v1" and mutation.payload.get("id") == row[0]}
    refused = [outcome.reason for outcome in outcomes if outcome.mutation_id in ours and outcome.status == "rejected"]
    if refused:
        raise queue.ItemRefused(refused[-1] or f"{reference}: the shared database refused the claim")
    return reference
