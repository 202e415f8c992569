"""Filling a list's DataTable: the columns a width allows, each as wide as its widest
cell, and the cursor kept on the row it was on."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

Row = tuple[str, Sequence[Text]]  # (row key, cells in column order)


def fill(
    table: DataTable,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Row],
    selected: str | None = None,
) -> None:
    """Columns and rows together. Each column's width is set here: DataTable measures
    new rows only when it is next idle, and after columns are replaced on a resize it
    kept the old header widths (ids cut to "vol-1…")."""
    table.clear(columns=True)
    for index, (key, title) in enumerate(columns):
        widest = max((cells[index].cell_len for _key, cells in rows), default=0)
        table.add_column(title, key=key, width=max(len(title), widest))
    for key, cells in rows:
        table.add_row(*cells, key=key)
    keys = [key for key, _cells in rows]
    if selected is not None and selected in keys:
        table.move_cursor(row=keys.index(selected))
