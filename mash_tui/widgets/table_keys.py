"""Small DataTable helpers shared by screens that list rows keyed by reference."""

from __future__ import annotations

from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist


def highlighted_row_key(table: DataTable) -> str | None:
    """The key of the row under the cursor, or None for an empty table."""
    if not table.row_count:
        return None
    try:
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    except (RowDoesNotExist, LookupError):
        return None
    return row_key.value
