"""How each kind of replicated row is merged, and who may see it.

Pure rules, shared by the server's apply and the client's pull.
"""

from __future__ import annotations

from typing import Any

# Records appended, never overwritten: a second copy of one is the same record arriving again.
INSERT_ONLY_KINDS = frozenset(
    {"contact", "rating", "decision", "breach", "match_decision", "item_event", "request_answer", "mash_discussion"}
)
# Fields set once (a clock is met, superseded or breached once): the first value to arrive stays.
SET_ONCE_FIELDS = {"item_clock": ("met_at", "superseded_at", "breached_at")}
# Parents first, so a row never arrives before the row it points to.
KIND_ORDER = {
    kind: rank
    for rank, kind in enumerate(
        ("app_user", "contact_draft", "contact", "work_item", "item_clock", "rating", "decision", "breach",
         "item_event", "match_decision", "information_request", "request_answer", "mash_discussion")
    )
}
USERS_SCOPE = "users"
CASEWORK_SCOPE = "casework"


def scopes_for(kind: str, data: dict[str, Any]) -> list[str]:
    """Users reach every machine; case work reaches case workers; an agency's rows reach that agency too."""
    if kind == "app_user":
        return [USERS_SCOPE]
    agency = data.get("agency")
    if isinstance(agency, str) and agency:
        return [CASEWORK_SCOPE, f"agency:{agency}"]
    return [CASEWORK_SCOPE]


def is_versioned(kind: str, data: dict[str, Any]) -> bool:
    return kind not in INSERT_ONLY_KINDS and isinstance(data.get("version"), int)


def kind_rank(kind: str) -> int:
    return KIND_ORDER.get(kind, len(KIND_ORDER))
