"""Requested claims and refusals read from the local store, as the queue, the Sync screen and the app use them.

A refusal is the outbox row in the state the server's answer leaves it in (status 'rejected',
last_error the reason); tests/sync covers the push that writes it against PostgreSQL.
"""

from __future__ import annotations

from mash_tui.services import queue
from mash_tui.sync.claims import requested_claims
from mash_tui.sync.link import SharedLink
from mash_tui.sync.status import RefusalWatch, SyncState, sync_overview, sync_status
from tests.ui.test_queue_helpers import escalated, record

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/none"


def _refuse(ctx, reference: str, name: str, reason: str) -> None:  # noqa: ANN001
    from sqlmodel import select

    from mash_tui.store.tables import OutboxMutation

    with ctx.store.writing() as session:
        rows = session.exec(select(OutboxMutation).where(OutboxMutation.name == name)).all()
        row = next(row for row in rows if row.payload.get("reference") == reference)
        row.status, row.last_error = "rejected", reason
        session.add(row)


def _state(ctx) -> SyncState:  # noqa: ANN001
    status = sync_status(ctx)
    return SyncState(False, status.waiting, status.last_sync_at, "offline", status.rejected)


def test_requested_claims_only_with_a_shared_database(ctx, users) -> None:  # noqa: ANN001
    first = escalated(ctx, users["olivia"], record(["16A"]))
    second = escalated(ctx, users["olivia"], record(["7A"], first="Cal", last="Ng"))
    queue.claim(ctx, users["dan"], first)
    queue.claim(ctx, users["dan"], second)
    queue.release(ctx, users["dan"], second)
    # Without a shared database a claim applies at once: nothing is waiting for an answer.
    assert not any(view.claim_requested for view in queue.queue(ctx, users["dan"]))

    ctx.shared = SharedLink(UNREACHABLE)
    with ctx.store.reading() as session:
        pending = requested_claims(session)
    assert len(pending) == 2  # both claims wait; the released item is no longer held, so not requested
    views = {view.reference: view for view in queue.queue(ctx, users["dan"])}
    assert views[first].claim_requested and not views[second].claim_requested
    assert queue.item_view(ctx, first).claim_requested


def test_a_refused_claim_is_no_longer_requested(ctx, users) -> None:  # noqa: ANN001
    reference = escalated(ctx, users["olivia"], record(["16A"]))
    queue.claim(ctx, users["dan"], reference)
    ctx.shared = SharedLink(UNREACHABLE)
    _refuse(ctx, reference, "claim_item.v1", f"{reference} is already held by dee")
    assert not queue.item_view(ctx, reference).claim_requested


def test_the_overview_lists_only_the_users_refusals_newest_first(ctx, users) -> None:  # noqa: ANN001
    older = escalated(ctx, users["olivia"], record(["16A"]))
    newer = escalated(ctx, users["olivia"], record(["7A"], first="Cal", last="Ng"))
    queue.claim(ctx, users["dan"], older)
    queue.claim(ctx, users["dan"], newer)
    _refuse(ctx, older, "claim_item.v1", "older refusal")
    _refuse(ctx, newer, "claim_item.v1", "newer refusal")
    _refuse(ctx, newer, "escalate.v1", "olivia's refusal")
    overview = sync_overview(ctx, users["dan"])
    assert [rejection.reason for rejection in overview.refusals] == ["newer refusal", "older refusal"]
    assert overview.waiting == sync_status(ctx).waiting and not overview.configured


def test_each_refusal_is_told_once_and_only_to_its_author(ctx, users) -> None:  # noqa: ANN001
    earlier = escalated(ctx, users["olivia"], record(["16A"]))
    queue.claim(ctx, users["dan"], earlier)
    _refuse(ctx, earlier, "claim_item.v1", "refused before this session")
    watch = RefusalWatch(ctx, users["dan"])
    assert watch.news(_state(ctx)) is None  # shown in an earlier session, not news now

    first = escalated(ctx, users["olivia"], record(["7A"], first="Cal", last="Ng"))
    second = escalated(ctx, users["olivia"], record(["19C"], first="Bea", last="Ng"))
    queue.claim(ctx, users["dan"], first)
    queue.claim(ctx, users["dan"], second)
    _refuse(ctx, first, "claim_item.v1", f"{first} is already held by dee")
    _refuse(ctx, second, "claim_item.v1", f"{second} is already held by dee")
    assert watch.news(_state(ctx)) == (f"The shared database refused your claim item: {second} is already held "
                                       "by dee (and 1 more: see the Sync screen, F2)")
    assert watch.news(_state(ctx)) is None

    # Another user's refusal on this machine grows the count but is not dan's news.
    _refuse(ctx, second, "escalate.v1", "not dan's")
    assert watch.news(_state(ctx)) is None
