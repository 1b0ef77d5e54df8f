""""My work": what a user has in hand, for their home screen."""

from __future__ import annotations

from typing import Any

from mash_tui.domain.roles import Actor
from mash_tui.services.context import Context
from mash_tui.services.views import WorkRow

RECENT_CONTACTS = 30
DRAFT_KEY = "draft:"
CONTACT_KEY = "contact:"


def my_work(ctx: Context, actor: Actor) -> list[WorkRow]:
    """Unsent drafts first, so an officer back after a crash sees theirs at the top; then recent contacts."""
    from mash_tui.services.contacts import list_contacts, open_drafts

    rows = [
        WorkRow(f"{DRAFT_KEY}{draft.id}", draft.reference, "draft (not sent)", draft_children(draft.form),
                draft.updated_at)
        for draft in open_drafts(ctx, actor)
    ]
    rows += [
        WorkRow(f"{CONTACT_KEY}{contact.reference}", contact.reference,
                f"submitted v{contact.version}, {contact.recommended_rag}", contact.children, contact.submitted_at)
        for contact in list_contacts(ctx, actor, author=actor.username, limit=RECENT_CONTACTS)
    ]
    return rows


def draft_children(form: dict[str, Any]) -> str:
    """The children of a form however unfinished it is: whatever parts of their names are typed."""
    children = form.get("children") if isinstance(form, dict) else None
    names = []
    for child in children if isinstance(children, list) else []:
        if not isinstance(child, dict):
            continue
        parts = [child.get("first_name"), child.get("last_name")]
        name = " ".join(part for part in parts if isinstance(part, str) and part.strip())
        if not name and isinstance(child.get("aliases"), list) and child["aliases"]:
            name = str(child["aliases"][0])
        if name:
            names.append(name)
    return ", ".join(names)
