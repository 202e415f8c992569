"""A DataTable that takes thousands of rows in one step.

``DataTable.add_row`` sets the cursor again through its reactive (validation, watchers,
the message pump's context) for every row it adds, and the table then measures every
new cell through Rich (which asks the terminal for its size each time); for the 2,500
rows a key list may bring at once that is most of the time spent drawing them, and the
UI thread holds the interpreter meanwhile, which slows the pages still being read.
:meth:`add_rows_at_once` records each row exactly as ``add_row`` does and sets the
cursor once; a row of ``Text`` cells is measured as it is added, as Rich measures
them (each one's widest line, in cells), without the round trip. Textual is pinned to
one version: a test compares the result with ``add_row``'s."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets._data_table import DuplicateKey, Row, RowKey


class BulkDataTable(DataTable):
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
            if all(type(cell) is Text for cell in cells):
                # Measured here, as the table would when idle, without Rich's round
                # trip (a one-line-high Text cell is drawn as it is).
                for column, cell in zip(columns, cells, strict=False):
                    lines = cell.plain.splitlines()
                    width = max(map(cell_len, lines)) if lines else 0
                    if width > column.content_width:
                        column.content_width = width
            else:
                self._new_rows.add(row_key)  # the table measures it when idle
            added = True
        if not added:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and len(self.columns) > 0 and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()  # a cell to highlight where there was none
        self._update_count += 1
        self.check_idle()
