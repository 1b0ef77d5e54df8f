"""The store's query modules on a real SQLite store: what each question answers, and what it leaves out."""

from __future__ import annotations

import sqlite3

from mash_tui.services import contacts, outbox
from mash_tui.store.contacts import contact_versions, first_received_at, latest_contact, reference_is_known
from mash_tui.store.outbox import last_client_seq, pending_actors_after, rejections_after
from tests.unit.contact_records import minimal_record


def _submitted(ctx, officer, **top) -> str:  # noqa: ANN001
    draft = contacts.start_draft(ctx, officer, minimal_record(**top))
    return contacts.submit_draft(ctx, officer, draft.id).reference


def test_the_latest_contact_is_the_last_correction(ctx, users) -> None:  # noqa: ANN001
    officer = users["olivia"]
    reference = _submitted(ctx, officer)
    other = _submitted(ctx, officer)
    contacts.correct_contact(ctx, officer, reference, minimal_record(channel="email"))
    contacts.correct_contact(ctx, officer, reference, minimal_record(channel="letter"))

    with ctx.store.reading() as session:
        latest = latest_contact(session, reference)
        versions = contact_versions(session, reference)
        assert latest is not None
        assert (latest.version, latest.record["channel"]) == (3, "letter")
        assert [row.version for row in versions] == [1, 2, 3]
        assert latest_contact(session, "C-NONE-00001") is None
        assert contact_versions(session, "C-NONE-00001") == []
        # One time per contact asked for, from its first version; unknown references are left out.
        assert set(first_received_at(session, [reference, other, "C-NONE-00001"])) == {reference, other}


def test_a_draft_reference_is_known_before_it_is_submitted(ctx, users) -> None:  # noqa: ANN001
    draft = contacts.start_draft(ctx, users["olivia"], {})
    with ctx.store.reading() as session:
        assert reference_is_known(session, draft.reference)
        assert not reference_is_known(session, "C-NONE-00001")


def _set_status(ctx, client_seq: int, status: str, error: str | None) -> None:  # noqa: ANN001
    connection = sqlite3.connect(ctx.store.path)
    try:
        with connection:
            connection.execute("UPDATE outbox SET status = ?, last_error = ? WHERE client_seq = ?",
                               (status, error, client_seq))
    finally:
        connection.close()


def test_the_outbox_answers_what_was_queued_after_a_point(ctx, users) -> None:  # noqa: ANN001
    before = outbox.last_queued(ctx)
    assert before > 0  # adding the users queued their changes
    _submitted(ctx, users["olivia"])
    contacts.start_draft(ctx, users["olivia"], {})
    after = outbox.last_queued(ctx)
    assert after > before

    with ctx.store.reading() as session:
        assert last_client_seq(session) == after
        queued = pending_actors_after(session, before)
        assert queued and set(queued) == {"olivia"}
        assert pending_actors_after(session, after) == []

    _set_status(ctx, before + 1, "rejected", "the item is held by someone else")
    _set_status(ctx, after, "rejected", None)
    _set_status(ctx, before, "rejected", "queued before the point")
    with ctx.store.reading() as session:
        assert rejections_after(session, before) == ["the item is held by someone else", None]
        # A refused change leaves the pending ones behind it.
        assert len(pending_actors_after(session, before)) == len(queued) - 2
    assert outbox.refusals_since(ctx, before) == ["the item is held by someone else", "no reason given"]
    assert outbox.waiting_since(ctx, after) == []
