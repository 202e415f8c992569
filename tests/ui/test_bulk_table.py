"""BulkDataTable.add_rows_at_once leaves a table as add_row, one row at a time, does,
and update_cells_at_once as update_cell, one cell at a time: the same rows, keys,
cells, order, cursor, sizes and drawing."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable
from textual.widgets._data_table import CellDoesNotExist, DuplicateKey

from kmstui.ui.widgets.bulk_table import BulkDataTable, Plain

ROWS = [(f"key-{n}", [Text(f"alias/app-{n}"), f"{n:08x}", "Enabled" if n % 3 else "Disabled"])
        for n in range(300)]  # fmt: skip
# cells whose widths are not their lengths: wide characters, an empty cell, markup
ROWS[7] = ("key-7", [Text("alias/データ鍵"), "", "[b]Enabled[/b]"])
ROWS[250] = ("key-250", [Text(""), Text("🔑 key"), "PendingDeletion (7 days)"])
# rows of Text alone (as the key list draws them) are measured as they are added
TEXT_ROWS = [(key, [cell if isinstance(cell, Text) else Text(cell) for cell in cells])
             for key, cells in ROWS]  # fmt: skip
# and so are Plain cells, drawn as their text (markup too) once in view
PLAIN_ROWS = [(key, [Plain(cell.plain if isinstance(cell, Text) else cell) for cell in cells])
              for key, cells in ROWS]  # fmt: skip


class Tables(App):
    def compose(self) -> ComposeResult:
        yield DataTable(id="one-by-one", cursor_type="row", zebra_stripes=True)
        yield BulkDataTable(id="at-once", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            for title in ("Alias", "Key ID", "State"):
                table.add_column(title, key=title)
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


@pytest.mark.parametrize("rows", [ROWS, TEXT_ROWS, PLAIN_ROWS], ids=["mixed", "text", "plain"])
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


async def test_what_add_row_and_update_cell_refuse_is_refused_as_they_refuse_it():
    app = Tables()
    async with app.run_test(size=(80, 30)):
        bulk = app.query_one("#at-once", BulkDataTable)
        bulk.add_rows_at_once(ROWS[:2])
        with pytest.raises(DuplicateKey):  # a key already there
            bulk.add_rows_at_once(ROWS[1:3])
        with pytest.raises(CellDoesNotExist):  # no such column
            bulk.update_cells_at_once([("key-0", "nope", Plain("x"))])
        with pytest.raises(CellDoesNotExist):  # no such row
            bulk.update_cells_at_once([("key-9", bulk.ordered_columns[0].key.value, Plain("x"))])


def test_plain_cells_are_drawn_as_their_text_never_as_markup():
    assert Plain("[b]x[/b]") == Plain("[b]x[/b]") and str(Plain("[b]x[/b]")) == "[b]x[/b]"


# wider, narrower and as wide; Text, Plain and markup; a wide character
UPDATES = [("key-3", 0, Text("alias/a-much-longer-alias-than-any")), ("key-3", 2, "Disabled"),
           ("key-40", 1, Plain("x")), ("key-41", 1, Plain("データ鍵データ鍵データ鍵")),
           ("key-200", 2, "[i]PendingImport[/i]"), ("key-5", 0, Plain("alias/app-5")),
           ("key-6", 0, Text(""))]  # fmt: skip


@pytest.mark.parametrize("rows", [ROWS, PLAIN_ROWS], ids=["mixed", "plain"])
async def test_cells_updated_at_once_are_the_cells_update_cell_updates(rows):
    app = Tables()
    async with app.run_test(size=(80, 30)) as pilot:
        one = app.query_one("#one-by-one", DataTable)
        bulk = app.query_one("#at-once", BulkDataTable)
        for key, cells in rows:
            one.add_row(*cells, key=key)
        bulk.add_rows_at_once(rows)
        await pilot.pause()
        columns = [column.key for column in one.ordered_columns]
        for key, index, value in UPDATES:
            widens = isinstance(value, Text | Plain) and len(str(value)) > len(
                str(one.get_cell(key, columns[index]))
            )
            one.update_cell(
                key,
                columns[index],
                value,
                update_width=widens or not isinstance(value, Text | Plain),
            )
        bulk.update_cells_at_once([(key, columns[i].value, value) for key, i, value in UPDATES])
        await pilot.pause()
        assert state(bulk) == state(one)
        assert "a-much-longer-alias-than-any" in "".join(state(bulk)["lines"])
