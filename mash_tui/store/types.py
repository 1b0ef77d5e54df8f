"""Column types that keep the store's promises: every time in UTC, every id a uuid7."""

from __future__ import annotations

from datetime import UTC, datetime

import uuid_utils
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


def new_id() -> str:
    """A uuid7: unique on every machine, and sorts by creation time."""
    return str(uuid_utils.uuid7())


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as fixed-width ISO 8601 UTC text, so text order is time order."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the store keeps UTC only")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")

    def process_result_value(self, value: str | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value).astimezone(UTC)
