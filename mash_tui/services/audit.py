"""Reading the audit trail, and proving nobody has quietly changed it.

`show_audit` answers "who looked at this child's record" for supervisors and administrators; the
read is itself an audit event. `verify_audit` walks the hash chain in `seq` order and reports the
first broken link. It streams rows through a plain sqlite3 cursor and opens nothing else, so it
reads a million events in seconds and works on a copy of a store taken for an investigation.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mash_tui.domain.roles import Actor
from mash_tui.services.authz import require
from mash_tui.services.views import AuditEntry, BrokenLink, VerifyResult
from mash_tui.store.audit_chain import GENESIS_HASH

if TYPE_CHECKING:
    from mash_tui.services.context import Context
    from mash_tui.store.db import Store

DEFAULT_SHOW_LIMIT = 10_000


def show_audit(
    ctx: Context,
    actor: Actor,
    *,
    user: str | None = None,
    subject: str | None = None,
    since: datetime | None = None,
    limit: int | None = DEFAULT_SHOW_LIMIT,
) -> list[AuditEntry]:
    """The events matching every filter given, oldest first (the latest `limit` of them).

    `subject` matches the event's subject reference (a contact or item reference) or the id of
    the row it touched, so a child's record, a match result and a request can all be traced.
    """
    from mash_tui.store.audit_events import latest_events
    from mash_tui.store.unit_of_work import unit_of_work

    require(ctx, actor, "audit.view", subject_ref=subject)
    if since is not None and since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    with unit_of_work(ctx.store, actor, ctx.clock) as uow:
        rows = latest_events(uow.session, user=user, subject=subject, since=since, limit=limit)
        entries = [
            AuditEntry(row.seq or 0, row.id, row.occurred_at, row.actor, row.role, row.action, row.entity,
                       row.entity_id, row.subject_ref, dict(row.details))
            for row in reversed(rows)
        ]
        # Reading the trail leaves a trace too: otherwise a curious supervisor is invisible.
        uow.audit(
            "audit.view",
            "audit_event",
            None,
            subject_ref=subject,
            details={
                "user": user,
                "subject": subject,
                "since": since.isoformat() if since else None,
                "events": len(entries),
            },
        )
    return entries


# -- verification ---------------------------------------------------------------------------------


class AuditStoreUnreadable(Exception):
    """The file is not a store whose audit trail can be read."""


_COLUMNS = "seq, id, occurred_at, actor, role, action, entity, entity_id, subject_ref, details, prev_hash, hash"
_HASHED_TIME_SQL = (
    "CASE WHEN substr(occurred_at, -13) = '.000000+00:00' "
    "THEN substr(occurred_at, 1, length(occurred_at) - 13) || '+00:00' ELSE occurred_at END"
)
# The canonical JSON of every field but the details, built by SQLite in C: fewer Python objects
# per row is most of the speed. Keys are given in sorted order; `json_object` escapes exactly as
# `json.dumps(ensure_ascii=False)`, and should the two ever differ on some string, the row is
# recomputed in Python before it is called broken. The details go in place of the 0: inside a
# JSON string every quote is escaped, so `"details":0` can only be the key.
_DETAILS_SLOT = '"details":0'
_WALK_SQL = (
    "SELECT seq, prev_hash, hash, details, json_object('action', action, 'actor', actor, 'details', 0, "
    "'entity', entity, 'entity_id', entity_id, 'id', id, 'occurred_at', " + _HASHED_TIME_SQL + ", "
    "'role', role, 'subject_ref', subject_ref) "
    "FROM audit_event WHERE seq >= ? AND seq < ? ORDER BY seq"
)
_FETCH_ROWS = 20_000
# Bounded so a trail of repetitive details (`{}`, a version number) canonicalises each text once.
_DETAILS_CACHE_LIMIT = 4_096


def _canonical_details(text: str) -> str:
    value = json.loads(text)

    def default(item: Any) -> str:
        return item.isoformat() if isinstance(item, datetime) else str(item)

    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default)


def _hashed_time(stored: str) -> str:
    """The text `datetime.isoformat()` gave when the event was hashed, from the fixed-width stored text."""
    if stored.endswith(".000000+00:00"):
        return stored[:-13] + "+00:00"
    return stored


def _json_text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _expected_hash(row: tuple) -> str:
    """`audit_chain.event_hash` of a full stored row, field by field in Python."""
    _seq, event_id, occurred_at, actor, role, action, entity, entity_id, subject_ref, details, prev_hash, _ = row
    text = (
        f'{prev_hash}\n{{"action":{_json_text(action)},"actor":{_json_text(actor)},'
        f'"details":{_canonical_details(details)},'
        f'"entity":{_json_text(entity)},"entity_id":{_json_text(entity_id)},"id":{_json_text(event_id)},'
        f'"occurred_at":{_json_text(_hashed_time(occurred_at))},"role":{_json_text(role)},'
        f'"subject_ref":{_json_text(subject_ref)}}}'
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _intact_in_python(connection: sqlite3.Connection, seq: int) -> bool:
    row = connection.execute(f"SELECT {_COLUMNS} FROM audit_event WHERE seq = ?", (seq,)).fetchone()
    try:
        return _expected_hash(row) == row[11]
    except (TypeError, ValueError, AttributeError):
        # A value of the wrong type, or details that are no longer JSON: edited by hand.
        return False


def _later_position_of(connection: sqlite3.Connection, wanted_hash: str, after_seq: int) -> int | None:
    found = connection.execute(
        "SELECT seq FROM audit_event WHERE hash = ? AND seq > ? ORDER BY seq LIMIT 1", (wanted_hash, after_seq)
    ).fetchone()
    return found[0] if found else None


def _broken_link(connection: sqlite3.Connection, row: tuple, previous: tuple | None) -> BrokenLink:
    seq, event_id, prev_hash = row[0], row[1], row[10]
    previous_seq = previous[0] if previous else 0
    if seq > previous_seq + 1:
        first_missing, last_missing = previous_seq + 1, seq - 1
        span = f"{first_missing}" if first_missing == last_missing else f"{first_missing} to {last_missing}"
        where = f"after event {previous_seq}" if previous else "at the start of the trail"
        return BrokenLink(seq, event_id, "deleted",
                          f"event(s) {span} are missing {where}", previous[0] if previous else None)
    expected_prev = previous[11] if previous else GENESIS_HASH
    if prev_hash != expected_prev:
        later = _later_position_of(connection, prev_hash, seq) if isinstance(prev_hash, str) else None
        if later is not None:
            return BrokenLink(seq, event_id, "reordered",
                              f"it should follow event {later}, not event {previous_seq}", previous_seq or None)
        if previous is None:
            return BrokenLink(seq, event_id, "unlinked", "the first event does not start the chain", None)
        return BrokenLink(seq, event_id, "unlinked",
                          f"it does not follow event {previous_seq}: the event it followed is gone "
                          "(deleted and renumbered, or rewritten with a new hash)", previous_seq)
    return BrokenLink(seq, event_id, "edited",
                      "its content no longer matches its hash: changed after it was written", previous_seq or None)


@dataclass(frozen=True)
class _Stretch:
    """One walk over `seq` in [low, high): its own links checked, its ends left for the caller to join."""

    checked: int
    first: tuple[int, str] | None  # (seq, prev_hash) of its first event
    last_hash: str | None
    failed_at: int | None  # the first event in it that fails its content or its link inside the stretch


def _walk(connection: sqlite3.Connection, low: int, high: int) -> _Stretch:
    cursor = connection.execute(_WALK_SQL, (low, high))
    details_cache: dict[str, str] = {}
    sha256 = hashlib.sha256
    first: tuple[int, str] | None = None
    previous_seq: int | None = None
    previous_hash: str | None = None
    checked = 0
    while True:
        rows = cursor.fetchmany(_FETCH_ROWS)
        if not rows:
            break
        for seq, prev_hash, stored_hash, details, fields in rows:
            if previous_seq is None:
                first = (seq, prev_hash)
            elif seq != previous_seq + 1 or prev_hash != previous_hash:
                return _Stretch(checked, first, previous_hash, seq)
            canonical = details_cache.get(details)
            if canonical is None:
                try:
                    canonical = _canonical_details(details)
                except (TypeError, ValueError):
                    return _Stretch(checked, first, previous_hash, seq)
                if len(details_cache) < _DETAILS_CACHE_LIMIT:
                    details_cache[details] = canonical
            before, _, after = fields.partition(_DETAILS_SLOT)
            try:
                digest = sha256(f'{prev_hash}\n{before}"details":{canonical}{after}'.encode()).hexdigest()
            except TypeError:
                digest = None
            if digest != stored_hash and not _intact_in_python(connection, seq):
                return _Stretch(checked, first, previous_hash, seq)
            previous_seq, previous_hash = seq, stored_hash
            checked += 1
    return _Stretch(checked, first, previous_hash, None)


def _open_read_only(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None)
    connection.execute("PRAGMA query_only = ON")
    return connection


def _walk_file(path: Path, low: int, high: int) -> _Stretch:
    connection = _open_read_only(path)
    try:
        return _walk(connection, low, high)
    finally:
        connection.close()


# Below this many events one process is quicker than starting others.
_PARALLEL_FROM_EVENTS = 200_000
_MAX_WORKERS = 8


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _stretches(connection: sqlite3.Connection, path: Path, low: int, high: int, workers: int | None) -> list[_Stretch]:
    if workers is None:
        workers = min(_available_cpus(), _MAX_WORKERS) if high - low >= _PARALLEL_FROM_EVENTS else 1
    if workers < 2:
        return [_walk(connection, low, high)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    step = -(-(high - low) // workers)
    bounds = [(start, min(start + step, high)) for start in range(low, high, step)]
    # Each stretch checks its own links; `_first_break` joins their ends in order.
    with ProcessPoolExecutor(len(bounds), mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_walk_file, [path] * len(bounds), *zip(*bounds, strict=True)))


def _first_break(stretches: list[_Stretch]) -> int | None:
    """The seq of the first event that breaks the chain, joining each stretch to the one before."""
    previous_seq, previous_hash = 0, GENESIS_HASH
    for stretch in stretches:
        if stretch.first is None:
            continue
        seq, prev_hash = stretch.first
        if seq != previous_seq + 1 or prev_hash != previous_hash:
            return seq
        if stretch.failed_at is not None:
            return stretch.failed_at
        previous_seq, previous_hash = seq + stretch.checked - 1, stretch.last_hash
    return None


def _full_row(connection: sqlite3.Connection, where: str, seq: int) -> tuple | None:
    return connection.execute(
        f"SELECT {_COLUMNS} FROM audit_event WHERE {where} ORDER BY seq DESC LIMIT 1", (seq,)
    ).fetchone()


@dataclass(frozen=True)
class KeyStatus:
    """Where the keyed chain starts, and whether this store's key is there to check it."""

    keyed_from_seq: int | None
    """None: a store from before keyed chains (not migrated yet)."""
    key_present: bool
    fingerprint: str | None

    def as_json(self) -> dict[str, Any]:
        return {"keyed_from_seq": self.keyed_from_seq, "key_present": self.key_present,
                "key_fingerprint": self.fingerprint}


def key_status(path: Path) -> KeyStatus:
    from mash_tui.store.audit_chain import key_fingerprint, read_key

    connection = _open_read_only(path)
    try:
        keyed_from = _keyed_from(connection)
    finally:
        connection.close()
    key = read_key(path.parent)
    return KeyStatus(keyed_from, key is not None, key_fingerprint(key) if key else None)


def _keyed_from(connection: sqlite3.Connection) -> int | None:
    try:
        row = connection.execute("SELECT keyed_from_seq FROM audit_key_start WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _first_forged(connection: sqlite3.Connection, path: Path, high: int) -> tuple[int, str] | None:
    """The first event whose keyed MAC is missing or wrong, with why; None when all hold or none can be checked.

    Runs only on an intact chain, so an event here is one whose hashes were recomputed by someone
    without the key. Without the key file nothing can be checked (see `key_status`).
    """
    import hmac as hmac_module

    from mash_tui.store.audit_chain import read_key

    keyed_from = _keyed_from(connection)
    key = read_key(path.parent)
    if keyed_from is None or key is None:
        return None
    early = connection.execute("SELECT min(seq) FROM audit_mac WHERE seq < ?", (keyed_from,)).fetchone()[0]
    if early is not None:
        return early, ("it has a keyed MAC but the trail says keyed events start later, at "
                       f"{keyed_from}: the keyed start was moved")
    if keyed_from > high:
        return high, "the keyed chain is said to start after the trail's end, yet the store has a key"
    digest = hmac_module.digest
    cursor = connection.execute(
        "SELECT e.seq, e.hash, m.mac FROM audit_event e LEFT JOIN audit_mac m ON m.seq = e.seq "
        "WHERE e.seq >= ? AND e.seq <= ? ORDER BY e.seq", (keyed_from, high))
    while rows := cursor.fetchmany(_FETCH_ROWS):
        for seq, stored_hash, mac in rows:
            if mac is None:
                return seq, "it has no keyed MAC: written, or rewritten, without the store's key"
            if digest(key, f"{seq}\n{stored_hash}".encode(), "sha256").hex() != mac:
                return seq, ("its keyed MAC does not match: the chain was recomputed from here "
                             "by someone without the store's key")
    return None


def verify_audit_file(path: Path, *, workers: int | None = None) -> VerifyResult:
    """Walk the chain of the store file at `path`, in `seq` order; reads only.

    A long trail is split into stretches walked by `workers` processes (by default one per CPU);
    the answer is the same as one walk's.
    """
    if not path.is_file():
        raise AuditStoreUnreadable(f"{path}: no store there")
    started = time.perf_counter()
    try:
        connection = _open_read_only(path)
    except sqlite3.Error as error:
        raise AuditStoreUnreadable(f"{path}: cannot be opened: {error}") from None
    try:
        try:
            low, high = connection.execute("SELECT min(seq), max(seq) FROM audit_event").fetchone()
        except sqlite3.Error as error:
            raise AuditStoreUnreadable(f"{path}: not a MASH Desk store ({error})") from None
        if low is None:
            return VerifyResult(0, GENESIS_HASH, None, time.perf_counter() - started)
        # Events appended while the walk runs lie beyond `high` and are left for the next run.
        broken_seq = _first_break(_stretches(connection, path, min(low, 1), high + 1, workers))
        if broken_seq is None:
            forged = _first_forged(connection, path, high)
            if forged is not None:
                broken_seq, forged_why = forged
                checked = connection.execute("SELECT count(*) FROM audit_event WHERE seq < ?",
                                             (broken_seq,)).fetchone()[0]
                previous = _full_row(connection, "seq < ?", broken_seq)
                event_id = connection.execute("SELECT id FROM audit_event WHERE seq = ?",
                                              (broken_seq,)).fetchone()
                return VerifyResult(checked, previous[11] if previous else GENESIS_HASH,
                                    BrokenLink(broken_seq, event_id[0] if event_id else "", "forged", forged_why,
                                               previous[0] if previous else None),
                                    time.perf_counter() - started)
            count = connection.execute("SELECT count(*) FROM audit_event WHERE seq <= ?", (high,)).fetchone()[0]
            head = _full_row(connection, "seq <= ?", high)
            return VerifyResult(count, head[11], None, time.perf_counter() - started)
        row = _full_row(connection, "seq = ?", broken_seq)
        previous = _full_row(connection, "seq < ?", broken_seq)
        checked = connection.execute("SELECT count(*) FROM audit_event WHERE seq < ?", (broken_seq,)).fetchone()[0]
        broken = _broken_link(connection, row, previous)
        head_hash = previous[11] if previous else GENESIS_HASH
        return VerifyResult(checked, head_hash, broken, time.perf_counter() - started)
    except sqlite3.DatabaseError as error:
        raise AuditStoreUnreadable(f"{path}: cannot be read: {error}") from None
    finally:
        connection.close()


def verify_audit(store: Store, *, workers: int | None = None) -> VerifyResult:
    return verify_audit_file(store.path, workers=workers)


# -- the heads the shared database witnessed ------------------------------------------------------


@dataclass(frozen=True)
class WitnessMismatch:
    seq: int
    witnessed_hash: str
    witnessed_at: datetime
    local_hash: str | None
    """None when the local trail has no event at that seq any more."""

    def describe(self) -> str:
        from mash_tui.clock import to_local

        when = to_local(self.witnessed_at).strftime("%Y-%m-%d %H:%M %Z")
        if self.local_hash is None:
            return (f"event {self.seq} (hash {self.witnessed_hash[:16]}…), witnessed at {when}, "
                    "is missing here: the trail was cut after it was witnessed")
        return (f"event {self.seq}, witnessed at {when} with hash {self.witnessed_hash[:16]}…, "
                f"has hash {self.local_hash[:16]}… here: the trail was rewritten after it was witnessed")


@dataclass(frozen=True)
class WitnessCheck:
    """The local trail against every chain head the shared database witnessed for this machine."""

    client_id: str | None
    witnesses: int
    mismatches: list[WitnessMismatch]
    last_witnessed_seq: int | None
    last_witnessed_at: datetime | None
    unwitnessed: int
    """Events after the last witnessed head: nothing outside this machine vouches for them yet."""
    key_problem: str | None = None
    """How the store's audit key differs from the one registered with the shared database."""

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.key_problem is None

    def tail_words(self) -> str:
        from mash_tui.clock import to_local

        count = f"{self.unwitnessed} event" + ("" if self.unwitnessed == 1 else "s")
        if self.last_witnessed_at is None:
            return f"{count}, none of them witnessed by the shared database yet"
        when = to_local(self.last_witnessed_at)
        today = to_local(datetime.now(when.tzinfo)).date()
        stamp = when.strftime("%H:%M") if when.date() == today else when.strftime("%Y-%m-%d %H:%M")
        return f"{count} since the last witness at {stamp}"

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "client_id": self.client_id,
            "witnesses": self.witnesses,
            "mismatches": [
                {"seq": m.seq, "witnessed_hash": m.witnessed_hash, "witnessed_at": m.witnessed_at.isoformat(),
                 "local_hash": m.local_hash}
                for m in self.mismatches
            ],
            "last_witnessed_seq": self.last_witnessed_seq,
            "last_witnessed_at": self.last_witnessed_at.isoformat() if self.last_witnessed_at else None,
            "unwitnessed_events": self.unwitnessed,
            "key_problem": self.key_problem,
        }


def store_client_id(path: Path) -> str | None:
    """The client id the shared database knows this store by, read without writing."""
    try:
        connection = _open_read_only(path)
    except sqlite3.Error as error:
        raise AuditStoreUnreadable(f"{path}: cannot be opened: {error}") from None
    try:
        row = connection.execute("SELECT client_id FROM client_state WHERE id = 1").fetchone()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return row[0] if row else None


def check_witnesses(path: Path, client_id: str | None, heads: list[tuple[int, str, datetime]], *,
                    registered_key: tuple[str, int, datetime] | None = None) -> WitnessCheck:
    """Each witnessed (seq, hash) must still be in the local trail, unchanged.

    `heads` are the shared database's witnesses for this store, oldest first. A head missing here
    means events were cut from the end; a head whose hash differs means an event at or before it
    was rewritten and the chain after it recomputed. The events after the last witness are the
    tail nobody else has seen yet: a cut there cannot be told from events never written.
    """
    connection = _open_read_only(path)
    try:
        mismatches = []
        seen: set[tuple[int, str]] = set()
        for seq, witnessed_hash, witnessed_at in heads:
            if (seq, witnessed_hash) in seen:
                continue
            seen.add((seq, witnessed_hash))
            row = connection.execute("SELECT hash FROM audit_event WHERE seq = ?", (seq,)).fetchone()
            local_hash = row[0] if row else None
            if local_hash != witnessed_hash:
                mismatches.append(WitnessMismatch(seq, witnessed_hash, witnessed_at, local_hash))
        last_seq = max((seq for seq, _, _ in heads), default=None)
        last_at = max((at for _, _, at in heads), default=None)
        unwitnessed = connection.execute(
            "SELECT count(*) FROM audit_event WHERE seq > ?", (last_seq or 0,)
        ).fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise AuditStoreUnreadable(f"{path}: cannot be read: {error}") from None
    finally:
        connection.close()
    return WitnessCheck(client_id, len(heads), mismatches, last_seq, last_at, unwitnessed,
                        _key_problem(path, registered_key))


def _key_problem(path: Path, registered: tuple[str, int, datetime] | None) -> str | None:
    """The local key and keyed start against those registered at the first sync; None when they agree."""
    if registered is None:
        return None
    fingerprint, keyed_from, _registered_at = registered
    local = key_status(path)
    if not local.key_present:
        return f"the audit key registered with the shared database is missing here ({path.parent / 'audit.key'})"
    if local.fingerprint != fingerprint:
        return "the audit key here is not the one registered with the shared database: it was replaced"
    if local.keyed_from_seq != keyed_from:
        return (f"the keyed chain starts at event {local.keyed_from_seq} here but at event {keyed_from} "
                "as registered with the shared database: the start was moved")
    return None
