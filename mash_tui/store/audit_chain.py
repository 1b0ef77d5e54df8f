"""The audit trail's hash chain, and the keyed MAC that a recomputed chain cannot forge.

Each event's `hash` is SHA-256 over its content and the hash before it. That alone proves order
and content only to someone who trusts the file: anyone holding it, and this source, can edit an
event and recompute every hash after it. So each event since migration 0007 (its `seq` at or
after `audit_key_start.keyed_from_seq`) also has a row in `audit_mac`: HMAC-SHA256, under a
per-store key, over its `seq` and `hash`. As the hash covers the whole trail before it, one MAC
vouches for every event up to its own. The key is 32 random bytes in `HOME/audit.key` (mode
0600), outside the SQLite file, created with the first keyed event, and registered with the
shared database at the store's first sync (`audit_key`), which can then tell a replaced key.

What an attacker with the store file but not the key can still do:
- cut events from the end: every remaining MAC stays valid. Only the shared database's witnessed
  heads (`mash audit verify --shared URL`) show a cut, and only of events a sync had witnessed;
- edit, insert or reorder events and recompute the chain: the MACs from there on no longer match
  and they cannot make new ones, so verify names the first such event as forged;
- delete the MACs and move `keyed_from_seq` past the end, passing the trail off as never keyed:
  verify refuses a keyed start beyond the last event while the key file exists, and a MAC kept
  before the start; with a shared database, a start other than the one registered there fails;
- delete or replace the key file: without it verify reports the keyed events unchecked (it cannot
  tell an investigator's copy of the file from a theft of the key); with a shared database it
  fails, as the registered key's fingerprint is gone or no longer matches.
An attacker who also holds the key (the same OS account, normally) can do all of it, and only
the witnessed heads still stand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64
KEY_FILENAME = "audit.key"
_keys: dict[Path, bytes] = {}


def key_path(home: Path) -> Path:
    return home / KEY_FILENAME


def read_key(home: Path) -> bytes | None:
    """The store's key, or None when there is none (or it is not a key)."""
    try:
        text = key_path(home).read_text().strip()
        return bytes.fromhex(text) if len(text) == 64 else None
    except (OSError, ValueError):
        return None


def store_key(home: Path) -> bytes:
    """The store's key, made at first need: 32 random bytes, hex, in a file only its owner reads."""
    home = home.absolute()
    cached = _keys.get(home)
    if cached is not None:
        return cached
    key = read_key(home)
    if key is None:
        fresh = secrets.token_bytes(32)
        try:
            fd = os.open(key_path(home), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            key = read_key(home)
            if key is None:
                raise RuntimeError(f"{key_path(home)} is not an audit key: move it aside") from None
        else:
            with os.fdopen(fd, "w") as file:
                file.write(fresh.hex() + "\n")
                file.flush()
                os.fsync(file.fileno())
            key = fresh
    _keys[home] = key
    return key


def key_fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"mash audit key\n" + key).hexdigest()


def event_mac(key: bytes, seq: int, hash_: str) -> str:
    return hmac.digest(key, f"{seq}\n{hash_}".encode(), "sha256").hex()


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    def default(value: Any) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)

    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def hashed_fields(
    *,
    event_id: str,
    occurred_at: datetime,
    actor: str,
    role: str,
    action: str,
    entity: str,
    entity_id: str | None,
    subject_ref: str | None,
    details: dict[str, Any],
) -> dict[str, Any]:
    return {
        "id": event_id,
        "occurred_at": occurred_at.isoformat(),
        "actor": actor,
        "role": role,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "subject_ref": subject_ref,
        "details": details,
    }
