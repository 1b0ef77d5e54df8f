"""The hub's size limits on what people type and import (policy `limits`).

A field over `limits.max_field_chars` is refused, never cut short: a truncated narrative or name
would silently change the record. Refusals name the field and the limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from mash_tui.domain.contact import Contact, ContactFileError, ContactProblem, contact_to_json

FIELD_LIMIT_KEY = "limits.max_field_chars"
IMPORT_LIMIT_KEY = "limits.max_import_bytes"


def oversize_fields(value: Any, max_chars: int, path: str = "") -> Iterator[tuple[str, int]]:
    """(dotted path, length) of every string in a JSON-like value longer than `max_chars`."""
    if isinstance(value, str):
        if len(value) > max_chars:
            yield path, len(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from oversize_fields(item, max_chars, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for position, item in enumerate(value):
            yield from oversize_fields(item, max_chars, f"{path}.{position}" if path else str(position))


def field_too_long(length: int, max_chars: int) -> str:
    return f"{length} characters, over the limit of {max_chars} ({FIELD_LIMIT_KEY})"


def check_field_sizes(contacts: Sequence[Contact], max_chars: int, *, first_index: int = 0) -> None:
    """Raise `ContactFileError` naming every field over the limit, in every contact."""
    problems = [
        ContactProblem(index, path, field_too_long(length, max_chars))
        for index, contact in enumerate(contacts, start=first_index)
        for path, length in oversize_fields(contact_to_json(contact), max_chars)
    ]
    if problems:
        raise ContactFileError(problems)


def file_too_large(name: object, size: int | None, max_bytes: int) -> str:
    what = f"{size} bytes, " if size is not None else ""
    return f"{name}: {what}larger than the import limit of {max_bytes} bytes ({IMPORT_LIMIT_KEY}); nothing was imported"
