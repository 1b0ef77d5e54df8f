"""Plain rows that services hand to screens. Kept free of heavy imports: screens load it at start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class WorkRow:
    """One line of "my work"."""

    key: str
    reference: str
    state: str
    children: str
    updated_at: datetime
