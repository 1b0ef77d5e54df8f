"""One sync conflict as a supervisor reads it: each differing value, the shared database's beside the other's.

A conflict keeps two whole records (a draft's `form` is one JSON document), so comparing the
top-level fields alone would put two near-identical forms side by side. Nested values are walked
down to the leaves that differ, and each is named by its path ("form › children 1 › last name").
Every value is shown through `safe_text`: it came from a person, by way of the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mash_tui.clock import to_local
from mash_tui.widgets.safe_text import safe_text

if TYPE_CHECKING:
    from mash_tui.services.views import ConflictView

# A reordered list can differ at every index: past this many rows the rest are counted, not shown.
MAX_DIFFERENCES = 12


class _Missing:
    """A path one side has and the other has not: unlike None, which is a value someone saved."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class FieldDifference:
    label: str
    server: Any
    client: Any


def _leaves(value: Any, path: tuple[str | int, ...]) -> dict[tuple[str | int, ...], Any]:
    """Every leaf under `value` by its path. A list of plain values is one leaf: it reads as a list."""
    if isinstance(value, dict) and value:
        found: dict[tuple[str | int, ...], Any] = {}
        for key, inner in value.items():
            found.update(_leaves(inner, (*path, str(key))))
        return found
    if isinstance(value, list) and any(isinstance(inner, (dict, list)) for inner in value):
        found = {}
        for index, inner in enumerate(value):
            found.update(_leaves(inner, (*path, index)))
        return found
    return {path: value}


def path_label(path: tuple[str | int, ...]) -> str:
    """`("form", "children", 0, "last_name")` -> "form › children 1 › last name"."""
    parts: list[str] = []
    for step in path:
        if isinstance(step, int) and parts:
            parts[-1] = f"{parts[-1]} {step + 1}"
        else:
            parts.append(str(step).replace("_", " "))
    return " › ".join(parts)


def field_differences(view: ConflictView) -> list[FieldDifference]:
    """The leaves that differ between the two records, in the order the shared database's record has them."""
    differences = []
    for name in view.differing:
        server = _leaves(view.server_data.get(name, MISSING), (name,))
        client = _leaves(view.client_data.get(name, MISSING), (name,))
        for path in [*server, *(path for path in client if path not in server)]:
            server_value, client_value = server.get(path, MISSING), client.get(path, MISSING)
            if server_value != client_value:
                differences.append(FieldDifference(path_label(path), server_value, client_value))
    return differences


def value_text(value: Any) -> Text:
    if value is MISSING:
        return Text("(not there)", style="italic")
    if value is None or value == "" or value == [] or value == {}:
        return Text("(empty)", style="italic")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, list):
        return safe_text(", ".join(str(inner) for inner in value))
    return safe_text(value, multiline=True)


def kind_words(kind: str) -> str:
    return kind.replace("_", " ")


def what_text(view: ConflictView) -> Text:
    """"contact draft C-TEST-00001": the kind and the reference people use, or the record's id."""
    text = Text(kind_words(view.kind) + " ")
    text.append_text(safe_text(view.reference or view.entity_id))
    return text


def author_words(view: ConflictView) -> str:
    return f"{view.author}'s" if view.author else "an"


def raised_words(moment: datetime) -> str:
    return to_local(moment).strftime("%a %d %b %Y %H:%M")


def conflict_headline(view: ConflictView) -> Text:
    from mash_tui.services.views import readable_mutation

    text = Text(f"#{view.id} ", style="bold")
    text.append_text(what_text(view))
    text.stylize("bold")
    text.append(" · ")
    text.append_text(safe_text(f"{author_words(view)} {readable_mutation(view.mutation_name)} from another machine"))
    text.append(f", set aside {raised_words(view.raised_at)} (London)")
    if view.resolution is not None:
        kept = "the shared database's value" if view.resolution == "server" else "the other machine's value"
        text.append("\nResolved by ", style="italic")
        text.append_text(safe_text(view.resolved_by or "someone", "italic"))
        text.append(f": kept {kept}.", style="italic")
    return text


def differences_table(view: ConflictView) -> Table:
    table = Table(box=None, expand=True, pad_edge=False, show_edge=False, header_style="bold", padding=(0, 1))
    table.add_column(Text("Field"), ratio=2)
    table.add_column(Text("Shared database (in force)"), ratio=3)
    table.add_column(safe_text(f"Other machine ({view.author})" if view.author else "Other machine"), ratio=3)
    differences = field_differences(view)
    for difference in differences[:MAX_DIFFERENCES]:
        table.add_row(safe_text(difference.label), value_text(difference.server), value_text(difference.client))
    hidden = len(differences) - MAX_DIFFERENCES
    if hidden > 0:
        table.add_row(Text(f"and {hidden} more", style="italic"), Text(""), Text(""))
    return table


def conflict_detail(view: ConflictView | None) -> RenderableType:
    if view is None:
        return Text("No conflict is highlighted.")
    return Group(conflict_headline(view), differences_table(view))
