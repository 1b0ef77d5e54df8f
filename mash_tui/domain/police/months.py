"""Calendar-month windows ("within 12 months", "in 3 months") on UTC instants."""

from __future__ import annotations

import calendar
from datetime import datetime


def months_before(instant: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier; a day the month lacks becomes its last."""
    index = instant.year * 12 + instant.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    day = min(instant.day, calendar.monthrange(year, month)[1])
    return instant.replace(year=year, month=month, day=day)
