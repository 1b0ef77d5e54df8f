"""The shared database's own audit trail and the client heads it witnessed.

`audit_event` on the server is insert-only for every login (a trigger refuses UPDATE, DELETE
and TRUNCATE, and client logins hold INSERT alone), and since s0004 it is chained: each row's
`chain_hash` is SHA-256 over the hash before it and the row's content (`CHAIN_TEXT`), numbered
without gaps by `chain_seq`. `verify_server_chain` walks it in Python, so an owner who turns the
triggers off to edit or delete a row without recomputing every hash after it is found out; one
who recomputes them is not (the owner holds the whole database, and the chain has no key).

`register_key` keeps a store's audit key (its MACs, `mash_tui.store.audit_chain`) from its
first sync on; a client reads back only the fingerprint. `record_witness` keeps a client's local chain head as it was at a sync; `witnessed_heads` reads
back what this login may see of one client's witnesses, oldest first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from mash_tui.server.migrations.versions.s0004_audit_witness import CHAIN_TEXT

if TYPE_CHECKING:
    import psycopg

GENESIS = "0" * 64


@dataclass(frozen=True)
class WitnessedHead:
    seq: int
    hash: str
    witnessed_at: datetime


@dataclass(frozen=True)
class ServerChainResult:
    events: int
    head_hash: str
    first_broken: int | None = None  # chain_seq of the first bad event
    broken_id: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def record_witness(connection: psycopg.Connection, client_id: str, seq: int, head_hash: str) -> bool:
    """Keep the head unless it is the one last witnessed (a background sync every 30 s would
    otherwise add a row a round); whether a row was added."""
    last = connection.execute("SELECT seq, hash FROM audit_witness WHERE client_id = %s ORDER BY id DESC LIMIT 1",
                              (client_id,)).fetchone()
    if last is not None and (last[0], last[1]) == (seq, head_hash):
        return False
    connection.execute("INSERT INTO audit_witness (client_id, seq, hash) VALUES (%s, %s, %s)",
                       (client_id, seq, head_hash))
    return True


@dataclass(frozen=True)
class RegisteredKey:
    fingerprint: str
    keyed_from_seq: int
    registered_at: datetime


def register_key(connection: psycopg.Connection, client_id: str, key_hex: str, fingerprint: str,
                 keyed_from_seq: int) -> None:
    """Keep a store's audit key; the first registration stands, later ones change nothing."""
    connection.execute(
        "INSERT INTO audit_key (client_id, key, fingerprint, keyed_from_seq) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (client_id) DO NOTHING", (client_id, key_hex, fingerprint, keyed_from_seq))


def registered_key(connection: psycopg.Connection, client_id: str) -> RegisteredKey | None:
    row = connection.execute("SELECT fingerprint, keyed_from_seq, registered_at FROM audit_key WHERE client_id = %s",
                             (client_id,)).fetchone()
    return RegisteredKey(*row) if row else None


def witnessed_heads(connection: psycopg.Connection, client_id: str) -> list[WitnessedHead]:
    rows = connection.execute(
        "SELECT seq, hash, witnessed_at FROM audit_witness WHERE client_id = %s ORDER BY id", (client_id,)
    ).fetchall()
    return [WitnessedHead(seq, head_hash, witnessed_at) for seq, head_hash, witnessed_at in rows]


_WALK = (f"SELECT a.chain_seq, a.id, a.chain_prev, a.chain_hash, {CHAIN_TEXT.format(r='a')} "
         "FROM audit_event a ORDER BY a.chain_seq NULLS FIRST")


def verify_server_chain(connection: psycopg.Connection) -> ServerChainResult:
    """Walk the server's chain in order; the first event that is missing, unchained or altered."""
    previous_seq, previous_hash, checked = 0, GENESIS, 0
    with connection.cursor() as cursor:
        cursor.execute(_WALK)
        for chain_seq, event_id, chain_prev, chain_hash, body in cursor:
            if chain_seq is None:
                return ServerChainResult(checked, previous_hash, previous_seq + 1, event_id,
                                         "it carries no place in the chain: inserted with the chain turned off")
            if chain_seq != previous_seq + 1:
                span = (f"{previous_seq + 1}" if chain_seq == previous_seq + 2
                        else f"{previous_seq + 1} to {chain_seq - 1}")
                return ServerChainResult(checked, previous_hash, chain_seq, event_id,
                                         f"event(s) {span} are missing before it")
            if chain_prev != previous_hash:
                return ServerChainResult(checked, previous_hash, chain_seq, event_id,
                                         f"it does not follow event {previous_seq}")
            if hashlib.sha256(f"{chain_prev}\n{body}".encode()).hexdigest() != chain_hash:
                return ServerChainResult(checked, previous_hash, chain_seq, event_id,
                                         "its content no longer matches its hash: changed after it was written")
            previous_seq, previous_hash = chain_seq, chain_hash
            checked += 1
    head = connection.execute("SELECT seq, hash FROM audit_chain_head").fetchone()
    if head is not None and (head[0], head[1]) != (previous_seq, previous_hash):
        return ServerChainResult(checked, previous_hash, previous_seq + 1, None,
                                 f"the chain's recorded head is event {head[0]}, but the trail ends at "
                                 f"event {previous_seq}: the last events were removed")
    return ServerChainResult(checked, previous_hash)
