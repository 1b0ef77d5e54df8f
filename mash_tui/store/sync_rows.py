"""What a unit of work sends to the shared database: an image of every row it wrote.

The server applies mutations from these images alone, so a new kind of row replicates without
server code. A mutable row carries the version it was read at, so the server can tell an edit
of the value it holds from an edit of one that has since changed.
"""

from __future__ import annotations

from typing import Any

# Per-machine bookkeeping that never leaves the machine: a lock-out counts wrong passwords typed here.
LOCAL_ONLY_FIELDS: dict[str, frozenset[str]] = {
    "app_user": frozenset({"failed_attempts", "locked_until"}),
}


def kind_of(row: Any) -> str:
    return row.__tablename__


def row_image(row: Any, base_version: int | None) -> dict[str, Any]:
    kind = kind_of(row)
    data = row.model_dump(mode="json")
    for name in LOCAL_ONLY_FIELDS.get(kind, ()):
        data.pop(name, None)
    image: dict[str, Any] = {"kind": kind, "id": str(data["id"]), "data": data}
    if base_version is not None:
        image["base_version"] = base_version
    return image


def audit_image(event: Any) -> dict[str, Any]:
    return event.model_dump(mode="json")
