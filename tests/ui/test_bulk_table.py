"""BulkDataTable.add_rows_at_once leaves a table as add_row, one row at a time, does:
the same rows, keys, cells, order, cursor, sizes and drawing."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable
from textual.widgets._data_table import DuplicateKey

from kmstui.ui.widgets.bulk_table import BulkDataTable

ROWS = [(f"key-{n}", [Text(f"alias/app-{n}"), f"{n:08x}", "Enabled" if n % 3 else "Disabled"])
        for n in range(300)]  # fmt: skip
# cells whose widths are not their lengths: wide characters, an empty cell, markup
ROWS[7] = ("key-7", [Text("alias/データ鍵"), "", "[b]Enabled[/b]"])
ROWS[250] = ("key-250", [Text(""), Text("🔑 key"), "PendingDeletion (7 days)"])
# rows of Text alone (as the key list draws them) are measured as they are added
TEXT_ROWS = [(key, [cell if isinstance(cell, Text) else Text(cell) for cell in cells])
             for key, cells in ROWS]  # fmt: skip


class Tables(App):
    def compose(self) -> ComposeResult:
        yield DataTable(id="one-by-one", cursor_type="row", zebra_stripes=True)
        yield BulkDataTable(id="at-once", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.add_columns("Alias", "Key ID", "State")
            table.styles.height = 12


def state(table: DataTable) -> dict:
    return {
        "count": table.row_count,
        "keys": [row.key.value for row in table.ordered_rows],
        "cells": [table.get_row_at(i) for i in range(table.row_count)],
        "heights": [row.height for row in table.ordered_rows],
        "cursor": table.cursor_coordinate,
        "widths": [column.content_width for column in table.ordered_columns],
        "virtual": table.virtual_size,
        "lines": [strip.text for strip in (table.render_line(y) for y in range(12))],
    }


@pytest.mark.parametrize("rows", [ROWS, TEXT_ROWS], ids=["mixed", "text"])
@pytest.mark.parametrize("batches", [[300], [1, 99, 200], [120, 0, 180]])
async def test_rows_added_at_once_are_the_rows_add_row_adds(batches, rows):
    app = Tables()
    async with app.run_test(size=(80, 30)) as pilot:
        one = app.query_one("#one-by-one", DataTable)
        bulk = app.query_one("#at-once", BulkDataTable)
        start = 0
        for size in batches:
            for key, cells in rows[start : start + size]:
                one.add_row(*cells, key=key)
            bulk.add_rows_at_once(rows[start : start + size])
            start += size
            await pilot.pause()
            assert state(bulk) == state(one)
        for table in (one, bulk):
            table.move_cursor(row=150)
        await pilot.pause()
        assert state(bulk) == state(one)


async def test_a_key_already_there_is_refused_as_add_row_refuses_it():
    app = Tables()
    async with app.run_test(size=(80, 30)):
        bulk = app.query_one("#at-once", BulkDataTable)
        bulk.add_rows_at_once(ROWS[:2])
        with pytest.raises(DuplicateKey):
            bulk.add_rows_at_once(ROWS[1:3])
