"""The audit trail's hash chain: each event's hash covers its content and the hash before it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


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
