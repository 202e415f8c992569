"""A DataTable that takes thousands of rows, and changes to them, in one step.

``DataTable.add_row`` sets the cursor again through its reactive (validation, watchers,
the message pump's context) for every row it adds, and the table then measures every
new cell through Rich (which asks the terminal for its size each time); ``update_cell``
asks for the whole table to be drawn again for every cell. For the 2,500 rows a key
list may bring at once that is most of the time spent drawing them, and the UI thread
holds the interpreter meanwhile, which slows the pages still being read.

:meth:`BulkDataTable.add_rows_at_once` records each row exactly as ``add_row`` does and
sets the cursor once; :meth:`~BulkDataTable.update_cells_at_once` puts each value in its
cell as ``update_cell`` does and asks for one drawing. A ``Text`` or :class:`Plain` cell
is measured as it is given, as Rich measures it (its widest line, in cells), without the
round trip. Textual is pinned to one version: a test compares the results with
``add_row``'s and ``update_cell``'s. How long the table took to render last is kept, for
a screen that redraws it often to pace itself."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import (
    CellDoesNotExist,
    CellKey,
    ColumnKey,
    DuplicateKey,
    Row,
    RowKey,
)


class Plain:
    """A cell drawn as its text, never read as markup. The table makes it a ``Text``
    when it draws it, so only the rows in view pay for one (a ``Text`` for each cell of
    thousands of rows is most of what adding them costs)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Plain({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Plain) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def measured(cell: Any) -> int | None:
    """A one-line-high ``Text`` or ``Plain`` cell's width as Rich measures it (its widest
    line, in cells); None for any other cell, which the table measures itself."""
    kind = type(cell)
    if kind is Plain:
        text = cell.text
    elif kind is Text:
        text = cell.plain
    else:
        return None
    if "\n" not in text:
        return cell_len(text)
    return max(map(cell_len, text.splitlines()), default=0)


class BulkDataTable(DataTable):
    render_seconds = 0.0  # how long the last render took

    def render_lines(self, crop: Region) -> list[Strip]:
        began = time.perf_counter()
        lines = super().render_lines(crop)
        self.render_seconds = time.perf_counter() - began
        return lines

    def add_rows_at_once(self, rows: Iterable[tuple[str, Sequence[Any]]]) -> None:
        """Add ``(key, cells)`` rows at the bottom, each one line high, as ``add_row``
        would one by one."""
        columns = self.ordered_columns
        was_empty = self.row_count == 0
        added = False
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            self._row_locations[row_key] = self.row_count
            self._data[row_key] = {column.key: cell for column, cell in zip_longest(columns, cells)}
            self.rows[row_key] = Row(row_key, 1, None, False)
            widths = [measured(cell) for cell in cells]
            if None in widths:
                self._new_rows.add(row_key)  # the table measures it when idle
            else:  # measured here, as the table would when idle
                for column, width in zip(columns, widths, strict=False):
                    if width is not None and width > column.content_width:
                        column.content_width = width
            added = True
        if not added:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and len(self.columns) > 0 and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()  # a cell to highlight where there was none
        self._update_count += 1
        self.check_idle()

    def update_cells_at_once(self, cells: Iterable[tuple[str, str, Any]]) -> None:
        """Put each ``(row key, column key, value)`` in its cell, as ``update_cell``
        would one by one. A ``Text`` or ``Plain`` value wider than its column widens it,
        and never narrows it (which would measure each of the column's cells again);
        any other value the table measures when idle, as ``update_cell`` does with
        ``update_width``."""
        changed = False
        for row, column, value in cells:
            row_key, column_key = RowKey(row), ColumnKey(column)
            if row_key not in self._row_locations or column_key not in self._column_locations:
                raise CellDoesNotExist(
                    f"No cell exists for row_key={row_key!r}, column_key={column_key!r}."
                )
            self._data[row_key][column_key] = value
            width = measured(value)
            if width is None:  # the table measures it when idle
                self._updated_cells.add(CellKey(row_key, column_key))
                self._require_update_dimensions = True
            elif width > self.columns[column_key].content_width:
                self.columns[column_key].content_width = width
                self._require_update_dimensions = True
            changed = True
        if changed:
            self._update_count += 1
            self.refresh()
