"""The audit trail's hash chain against someone holding the store file and the sqlite3 shell.

Each test writes a real trail through the services, then tampers with it the way an attacker
with the file would: drop the insert-only triggers in their own connection, then edit, delete or
reorder rows. `verify` must name the first broken link, and the right one.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from mash_tui.services import audit
from mash_tui.services.audit import VerifyResult, verify_audit_file
from mash_tui.store.audit_chain import event_hash, hashed_fields
from tests.conftest import OWNER

REPO = Path(__file__).resolve().parents[2]


def _write_trail(ctx, users, clock) -> int:  # noqa: ANN001
    """A trail with every kind of event: user adds, logins, drafts, views, refusals. Returns its length."""
    from datetime import timedelta

    from mash_tui.errors import PermissionRefused
    from mash_tui.services import contacts
    from mash_tui.services.users import LoginRefused, authenticate
    from tests.conftest import PASSWORD
    from tests.unit.contact_records import minimal_record

    officer = users["olivia"]
    authenticate(ctx, "olivia", PASSWORD)
    with pytest.raises(LoginRefused):
        authenticate(ctx, "olivia", "not the password")
    for number in range(3):
        clock.advance(timedelta(minutes=1))
        draft = contacts.start_draft(ctx, officer, {"note": f"Zoë «{number}» [b]x[/b] \u202e"})
        contacts.save_draft(ctx, officer, draft.id, minimal_record())
        submitted = contacts.submit_draft(ctx, officer, draft.id)
        contacts.get_contact(ctx, users["sue"], submitted.reference)
    with pytest.raises(PermissionRefused):
        contacts.start_draft(ctx, users["pat"])
    with _attacker(ctx.store.path) as connection:
        return connection.execute("SELECT count(*) FROM audit_event").fetchone()[0]


class _attacker:
    """A plain connection to the file, with the insert-only triggers dropped first."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        self.connection.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        self.connection.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, int]:  # noqa: ANN001
    """One trail written through the services, shared: each test tampers with its own copy."""
    from mash_tui.clock import FrozenClock
    from mash_tui.domain.roles import Actor
    from mash_tui.services.context import open_context
    from mash_tui.services.users import add_user
    from tests.conftest import FROZEN_AT, PASSWORD, TEST_USERS

    home = tmp_path_factory.mktemp("pristine") / "home"
    clock = FrozenClock(FROZEN_AT)
    context = open_context(home, clock=clock)
    users = {}
    for username, role, agency, display in TEST_USERS:
        add_user(context, OWNER, username=username, role=role, agency=agency, password=PASSWORD,
                 display_name=display)
        users[username] = Actor(username, role, agency, display)
    length = _write_trail(context, users, clock)
    context.store.dispose()
    with sqlite3.connect(home / "mash.db") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return home / "mash.db", length


class _Copy:
    def __init__(self, path: Path) -> None:
        self.path = path


@pytest.fixture
def store(pristine, tmp_path: Path) -> _Copy:  # noqa: ANN001
    copy = tmp_path / "copy" / "mash.db"
    copy.parent.mkdir()
    shutil.copyfile(pristine[0], copy)
    return _Copy(copy)


@pytest.fixture(params=[1, 3, 7], ids=["one-walk", "3-stretches", "7-stretches"])
def verify(request):  # noqa: ANN001, ANN201
    """`verify_audit` in one walk, and split into stretches walked by separate processes.

    The stretches' joins fall on different events each way, so a break on a join is caught too.
    """

    def verify(store) -> VerifyResult:  # noqa: ANN001
        return audit.verify_audit(store, workers=request.param)

    return verify


@pytest.fixture
def trail(pristine) -> int:  # noqa: ANN001
    return pristine[1]


def _row(connection: sqlite3.Connection, seq: int) -> sqlite3.Row:
    connection.row_factory = sqlite3.Row
    row = connection.execute("SELECT * FROM audit_event WHERE seq = ?", (seq,)).fetchone()
    connection.row_factory = None
    return row


def _rehash(row: sqlite3.Row, prev_hash: str) -> str:
    fields = hashed_fields(
        event_id=row["id"],
        occurred_at=datetime.fromisoformat(row["occurred_at"]),
        actor=row["actor"],
        role=row["role"],
        action=row["action"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        subject_ref=row["subject_ref"],
        details=json.loads(row["details"]),
    )
    return event_hash(prev_hash, fields)


def test_an_untouched_trail_is_intact(store, verify, trail) -> None:  # noqa: ANN001
    result = verify(store)
    assert result.ok, result.first_broken
    assert result.events == trail >= 20
    with _attacker(store.path) as connection:
        last = connection.execute("SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert result.head_hash == last


def test_an_empty_trail_is_intact(home) -> None:  # noqa: ANN001
    from mash_tui.store.db import open_store

    empty = open_store(home)
    try:
        result = audit.verify_audit(empty)
    finally:
        empty.dispose()
    assert result.ok and result.events == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "someone_else"),
        ("action", "contact.nothing_to_see"),
        ("subject_ref", "C-FAKE-00001"),
        ("entity_id", None),
        ("occurred_at", "2026-11-24T03:00:00.000000+00:00"),
        ("details", '{"username": "olivia", "known_user": true, "locked": false, "extra": 1}'),
        ("details", "not json at all"),
        ("hash", "f" * 64),
    ],
)
def test_an_edited_event_is_caught_at_that_event(store, verify, trail, column, value) -> None:  # noqa: ANN001
    target = 7
    with _attacker(store.path) as connection:
        event_id = _row(connection, target)["id"]
        connection.execute(f"UPDATE audit_event SET {column} = ? WHERE seq = ?", (value, target))
    result = verify(store)
    assert not result.ok
    broken = result.first_broken
    assert (broken.seq, broken.event_id, broken.kind) == (target, event_id, "edited")
    assert result.events == target - 1


def test_a_details_key_order_change_alone_is_no_tampering(store, verify, trail) -> None:  # noqa: ANN001
    """The hash covers the details' meaning, not how a JSON library spaced or ordered them."""
    with _attacker(store.path) as connection:
        row = _row(connection, 3)
        details = json.loads(row["details"])
        reordered = json.dumps(dict(reversed(list(details.items()))), indent=2)
        connection.execute("UPDATE audit_event SET details = ? WHERE seq = 3", (reordered,))
    assert verify(store).ok


def test_an_edit_with_its_own_hash_rewritten_breaks_the_next_link(store, verify, trail) -> None:  # noqa: ANN001
    with _attacker(store.path) as connection:
        row = _row(connection, 5)
        forged = dict(row)
        forged["actor"] = "nobody"
        new_hash = _rehash(forged, row["prev_hash"])
        connection.execute("UPDATE audit_event SET actor = 'nobody', hash = ? WHERE seq = 5", (new_hash,))
    result = verify(store)
    assert (result.first_broken.seq, result.first_broken.kind) == (6, "unlinked")
    assert result.events == 5


@pytest.mark.parametrize("target", [1, 9, "last_but_one"])
def test_a_deleted_event_is_caught_at_the_gap(store, verify, trail, target) -> None:  # noqa: ANN001
    seq = trail - 1 if target == "last_but_one" else target
    with _attacker(store.path) as connection:
        follower_id = _row(connection, seq + 1)["id"]
        connection.execute("DELETE FROM audit_event WHERE seq = ?", (seq,))
    result = verify(store)
    broken = result.first_broken
    assert (broken.seq, broken.event_id, broken.kind) == (seq + 1, follower_id, "deleted")
    assert f"{seq} are missing" in broken.detail
    assert result.events == seq - 1


def test_several_deleted_events_are_named_as_a_range(store, verify, trail) -> None:  # noqa: ANN001
    with _attacker(store.path) as connection:
        connection.execute("DELETE FROM audit_event WHERE seq BETWEEN 4 AND 6")
    broken = verify(store).first_broken
    assert (broken.seq, broken.kind, broken.previous_seq) == (7, "deleted", 3)
    assert "4 to 6 are missing after event 3" in broken.detail


def test_a_deletion_hidden_by_renumbering_is_caught(store, verify, trail) -> None:  # noqa: ANN001
    with _attacker(store.path) as connection:
        connection.execute("DELETE FROM audit_event WHERE seq = 10")
        # Shift every later event down one, in ascending order so no two rows share a seq.
        for seq in range(11, trail + 1):
            connection.execute("UPDATE audit_event SET seq = ? WHERE seq = ?", (seq - 1, seq))
    result = verify(store)
    assert (result.first_broken.seq, result.first_broken.kind) == (10, "unlinked")
    assert result.events == 9


def _swap(connection: sqlite3.Connection, first: int, second: int) -> None:
    connection.execute("UPDATE audit_event SET seq = -1 WHERE seq = ?", (first,))
    connection.execute("UPDATE audit_event SET seq = ? WHERE seq = ?", (first, second))
    connection.execute("UPDATE audit_event SET seq = ? WHERE seq = -1", (second,))


@pytest.mark.parametrize(("first", "second"), [(4, 5), (2, 12), (1, 2)])
def test_reordered_events_are_caught_at_the_first_out_of_place(store, verify, trail, first, second) -> None:  # noqa
    with _attacker(store.path) as connection:
        moved_id = _row(connection, second)["id"]
        _swap(connection, first, second)
    result = verify(store)
    broken = result.first_broken
    assert (broken.seq, broken.event_id) == (first, moved_id)
    assert broken.kind == "reordered"
    # The moved event's true predecessor now sits at `second` when the two were neighbours.
    predecessor = second if second == first + 1 else second - 1
    assert f"should follow event {predecessor}," in broken.detail
    assert result.events == first - 1


def test_only_the_first_of_several_breaks_is_reported(store, verify, trail) -> None:  # noqa: ANN001
    with _attacker(store.path) as connection:
        connection.execute("UPDATE audit_event SET actor = 'x' WHERE seq = 15")
        connection.execute("DELETE FROM audit_event WHERE seq = 8")
    broken = verify(store).first_broken
    assert (broken.seq, broken.kind) == (9, "deleted")


def test_the_verifier_agrees_with_the_writer_on_every_kind_of_value(ctx, clock, monkeypatch) -> None:  # noqa: ANN001
    """Times on the second (no microseconds), non-ASCII, control characters, nested details.

    SQLite's quoting alone must agree with the writer's: the slower recomputation in Python, kept
    for a string where the two might differ, is switched off here.
    """
    monkeypatch.setattr(audit, "_intact_in_python", lambda connection, seq: False)
    from mash_tui.domain.roles import Actor
    from mash_tui.store.unit_of_work import unit_of_work

    awkward = [
        {},
        {"n": 1, "f": 0.1, "t": True, "none": None},
        {"text": "Zoë \x1b[31m \u202e \x00 \"quoted\" \\ back", "list": [1, "two", {"three": 3}]},
        {"nested": {"b": 1, "a": [None, False]}, "ünïcode": "日本"},
        {"del": "\x7f\x9b", "emoji": "😀", "separators": "\u2028\u2029", "slash": "</script>"},
    ]
    awkward_names = ["Zoë \x1b[31m", 'O\'Brien "[/b]"', "\t\n\r\\", "日本"]
    with unit_of_work(ctx.store, OWNER, clock) as uow:
        for details in awkward:
            uow.audit("test.awkward", "thing", "id-1", subject_ref="C-TEST-00001", details=details)
        for name in awkward_names:
            uow.actor = Actor(name, "officer")
            uow.audit(name, name, name, subject_ref=name, details={name: name})
    assert clock.now().microsecond == 0
    result = audit.verify_audit(ctx.store)
    assert result.ok, result.first_broken
    assert result.events == len(awkward) + len(awkward_names)


def test_a_missing_or_foreign_file_is_refused(tmp_path: Path) -> None:
    from mash_tui.services.audit import AuditStoreUnreadable

    with pytest.raises(AuditStoreUnreadable, match="no store"):
        verify_audit_file(tmp_path / "absent.db")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(AuditStoreUnreadable, match="not a MASH Desk store"):
        verify_audit_file(other)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(AuditStoreUnreadable):
        verify_audit_file(garbage)


def _mash(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mash_tui", "--home", str(home), *args],
        capture_output=True, text=True, timeout=120, cwd=REPO, env={**os.environ, "MASH_HOME": ""},
    )


def test_the_cli_exits_0_when_intact_and_1_with_the_first_broken_link(store, trail) -> None:  # noqa: ANN001
    intact = _mash(store.path.parent, "audit", "verify", "--json")
    assert intact.returncode == 0, intact.stderr
    answer = json.loads(intact.stdout)
    assert answer["ok"] is True and answer["events"] == trail and answer["first_broken"] is None
    human = _mash(store.path.parent, "audit", "verify")
    assert human.returncode == 0 and f"intact: {trail} events" in human.stdout

    with _attacker(store.path) as connection:
        connection.execute("DELETE FROM audit_event WHERE seq = 3")
    broken = _mash(store.path.parent, "audit", "verify", "--json")
    assert broken.returncode == 1, broken.stderr
    answer = json.loads(broken.stdout)
    assert answer["ok"] is False and answer["events"] == 2
    assert answer["first_broken"]["seq"] == 4 and answer["first_broken"]["kind"] == "deleted"
    human = _mash(store.path.parent, "audit", "verify")
    assert human.returncode == 1
    assert "BROKEN at event seq 4" in human.stdout and "deleted" in human.stdout


def test_the_cli_refuses_a_home_without_a_store(tmp_path: Path) -> None:
    result = _mash(tmp_path / "nowhere", "audit", "verify")
    assert result.returncode == 2
    assert result.stderr.startswith("mash: error:") and "no store" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "nowhere").exists(), "verify must not create a store"


# -- the keyed chain ------------------------------------------------------------------------------


def recompute_chain(connection: sqlite3.Connection, from_seq: int) -> None:
    """What an attacker with the file and the source does: rehash every event from `from_seq` on."""
    from mash_tui.store.audit_chain import GENESIS_HASH

    previous = connection.execute("SELECT hash FROM audit_event WHERE seq < ? ORDER BY seq DESC LIMIT 1",
                                  (from_seq,)).fetchone()
    prev_hash = previous[0] if previous else GENESIS_HASH
    for seq in [seq for (seq,) in connection.execute("SELECT seq FROM audit_event WHERE seq >= ? ORDER BY seq",
                                                     (from_seq,))]:
        new_hash = _rehash(_row(connection, seq), prev_hash)
        connection.execute("UPDATE audit_event SET prev_hash = ?, hash = ? WHERE seq = ?", (prev_hash, new_hash, seq))
        prev_hash = new_hash


def test_a_chain_recomputed_without_the_key_is_caught_as_forged(ctx, users) -> None:  # noqa: ANN001
    with _attacker(ctx.store.path) as connection:
        connection.execute("UPDATE audit_event SET actor = 'nobody' WHERE seq = 3")
        recompute_chain(connection, 3)
    result = verify_audit_file(ctx.store.path)
    assert (result.first_broken.seq, result.first_broken.kind) == (3, "forged")
    assert result.events == 2


def test_events_written_by_hand_after_the_last_are_caught_as_forged(ctx, users) -> None:  # noqa: ANN001
    with _attacker(ctx.store.path) as connection:
        last = _row(connection, connection.execute("SELECT max(seq) FROM audit_event").fetchone()[0])
        forged = {**dict(last), "id": "0190a000-0000-7000-8000-0000000000ff", "seq": last["seq"] + 1}
        new_hash = _rehash(forged, last["hash"])
        connection.execute(
            "INSERT INTO audit_event (seq, id, occurred_at, actor, role, action, entity, entity_id, subject_ref, "
            "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (forged["seq"], forged["id"], last["occurred_at"], last["actor"], last["role"], last["action"],
             last["entity"], last["entity_id"], last["subject_ref"], last["details"], last["hash"], new_hash))
    result = verify_audit_file(ctx.store.path)
    assert (result.first_broken.seq, result.first_broken.kind) == (last["seq"] + 1, "forged")


def test_the_key_is_kept_outside_the_store_file_and_only_its_owner_reads_it(ctx, users) -> None:  # noqa: ANN001
    from mash_tui.store.audit_chain import key_path, read_key

    path = key_path(ctx.store.home)
    assert path.is_file() and path.stat().st_mode & 0o777 == 0o600
    key = read_key(ctx.store.home)
    assert key is not None and key.hex().encode() not in ctx.store.path.read_bytes() and key not in \
        ctx.store.path.read_bytes()


def test_events_from_before_the_keyed_chain_verify_and_are_then_held_by_the_keyed_ones(home, clock) -> None:  # noqa: ANN001
    from mash_tui.domain.roles import Actor
    from mash_tui.store.db import Store
    from mash_tui.store.migrate import upgrade_to, upgrade_to_head
    from mash_tui.store.unit_of_work import unit_of_work
    from tests.store.test_migrations import _fill_as_the_first_release_did

    store = Store(home)
    try:
        upgrade_to(store, "0001_foundation")
        connection = store.raw_connection()
        try:
            _fill_as_the_first_release_did(connection)  # two unkeyed events
        finally:
            connection.close()
        upgrade_to_head(store)
        with unit_of_work(store, Actor("os:tester", "system"), clock) as uow:
            uow.audit("audit.view", "audit_event")
    finally:
        store.dispose()
    assert audit.key_status(store.path).keyed_from_seq == 3
    assert verify_audit_file(store.path).ok
    # Rewriting an old, unkeyed event means recomputing the keyed ones after it: caught there.
    with _attacker(store.path) as connection:
        connection.execute("UPDATE audit_event SET actor = 'nobody' WHERE seq = 1")
        recompute_chain(connection, 1)
    result = verify_audit_file(store.path)
    assert (result.first_broken.seq, result.first_broken.kind) == (3, "forged")
