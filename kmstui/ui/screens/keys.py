"""Keys: every KMS key of the account in the console's Region with its aliases, state,
spec and usage, and rotation; filter, sort, create, enable, disable, schedule and cancel
deletion; Enter opens a key.

The list arrives a page at a time (:mod:`kmstui.ui.key_listing`): rows show as ListKeys
pages come, with their aliases as ListAliases pages do, and say "…" until DescribeKey has
answered for them, the rows in view first. The first rows and the whole listing are
drawn at once, what comes between no more often than the table can take (RELAX).
Meanwhile the table scrolls, filters and sorts, and the cursor stays on its key."""

from __future__ import annotations

import time

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.coordinate import Coordinate
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from kmstui.errors import AwsError
from kmstui.ui import key_state
from kmstui.ui.actions import Action, bindings
from kmstui.ui.format import plain
from kmstui.ui.key_listing import Batch, KeyListing
from kmstui.ui.key_state import KEY_STATE_ACTIONS, allowed, key_state_actions
from kmstui.ui.keylist_cells import (
    COLUMNS,
    cells_of,
    description_room,
    progress_text,
    renderables,
)
from kmstui.ui.keytypes import MARKS
from kmstui.ui.models import DESCRIBED_COLUMNS, KeyRow
from kmstui.ui.screens.base import ConsoleScreen
from kmstui.ui.seam import backend_if_open
from kmstui.ui.widgets.bulk_table import BulkDataTable

NARROW = ("alias", "id", "state", "spec", "description")
MEDIUM = ("alias", "id", "state", "spec", "rotation", "description")
MEDIUM_FROM, WIDE_FROM, FULL_ID_FROM = 100, 140, 150


TICK = 0.1  # seconds between looks at what arrived while the list arrives
# After drawing what arrived, the next drawing waits RELAX times as long as that one
# took with its render: a table of thousands of rows takes a tenth of a second to draw
# again, and the pages still being read (and the keys pressed) need the time between.
RELAX = 3


class KeysArrived(Message):
    """A batch of load number ``load`` (batches of an older load are dropped)."""

    def __init__(self, load: int, batch: Batch):
        super().__init__()
        self.load, self.batch = load, batch


class KeysScreen(ConsoleScreen):
    SECTION = "keys"
    AUTO_FOCUS = "#keys"
    BINDINGS = bindings(
        # Priority, or the table's own Enter (select) would hide it from the footer.
        Action("key.open", "open", "open_key", "Open", "Show the key's details", priority=True),
        Action("key.create", "new", "create_key", "New", "Create a key (CreateKey)"),
        *key_state_actions(),
        Action(
            "keys.filter", "filter", "filter", "Filter", "Show only matching keys", key_display="/"
        ),
        Action("keys.sort", "sort", "sort", "Sort", "Sort by the next column (or click a header)"),
        Action("key.copy-arn", "copy", "copy_arn", "Copy ARN", "Copy the key ARN", show=False),
        Action("keys.refresh", "refresh", "refresh", "Refresh", "Read the keys again", show=False),
    )

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[KeyRow] = []
        self.sort_column, self.sort_reverse = "created", False
        self.filter_text = ""
        self._layout: tuple[str, ...] = ()
        self.loaded = False  # the last load has finished (every row described)
        self._load_number = 0
        self._listing: KeyListing | None = None
        self._listed: dict[str, KeyRow] = {}  # this load's rows, in ListKeys order
        self._known: dict[str, KeyRow] = {}  # every row shown, by key id
        self._aliases: dict[str, list[str]] = {}  # this load's aliases so far
        self._for: object = None  # who the rows were read as (a new caller: new rows)
        self._progress: dict = {}
        self._shown: list[str] = []  # the table's key ids, in its order
        self._cells: dict[str, tuple[str, ...]] = {}  # what each shown row's cells say
        self._dirty = False
        self._changed: set[str] = set()  # rows whose cells may differ since drawn
        self._reordered = False  # a row was described since drawn: it may move
        self._room = 12  # the description's room when last computed
        self._widest: dict[str, int] = {}  # each column's widest cell in a whole list
        self._listed_drawn = False  # drawn since every key and alias was listed
        self._ticker: Timer | None = None
        self._drawn_at = self._drawing = 0.0  # when the last drawing ended, how long it took

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="filter: alias, key id, state, description…", id="filter")
        yield BulkDataTable(id="keys", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status", classes="status")

    # -- reading ----------------------------------------------------------------------
    def reload(self) -> None:
        if backend_if_open(self) is None:
            self.query_one("#status", Static).update("Opening the data directory…")
            return
        caller = self.app.console_caller()
        if caller != self._for:  # another Region or principal: none of the old rows
            self.rows, self._known, self._for = [], {}, caller
        self._load_number += 1
        self._listed, self._aliases, self.loaded = {}, {}, False
        self._listed_drawn = False
        self._progress = {"keys": 0, "aliases": 0, "described": 0, "throttled": 0}
        number = self._load_number
        self._listing = KeyListing(
            self.app.call,
            lambda batch: self.post_message(KeysArrived(number, batch)),
            stopped=lambda: number != self._load_number or not self.is_attached,
        )
        if self._ticker is None:
            self._ticker = self.set_interval(TICK, self._tick)
        self._load(self._listing)

    @property
    def loading_keys(self) -> bool:
        """The list is not whole yet: a load is under way (from the moment it is asked
        for, before its worker starts, until its last batch is drawn), or none has
        been made since the backend opened."""
        if self._listing is not None:
            return True
        return not self.loaded and self.is_attached and backend_if_open(self) is not None

    @property
    def listed_whole(self) -> bool:
        """Every key and alias of the last load is listed and drawn (DescribeKey may
        still be filling the rows in)."""
        return self._listed_drawn

    def action_refresh(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="keys", exit_on_error=False)
    def _load(self, listing: KeyListing) -> None:
        listing.run()

    def on_keys_arrived(self, message: KeysArrived) -> None:
        if message.load != self._load_number:
            return  # a page of a load that a newer one replaced
        batch, progress = message.batch, self._progress
        progress["throttled"] += batch.throttled
        for row in batch.keys:
            known = self._known.get(row.key_id)
            if known is None:
                row.aliases = list(self._aliases.get(row.key_id, []))
                known = self._known[row.key_id] = row
            self._listed[row.key_id] = known
        progress["keys"] = len(self._listed)
        for key_id, names in batch.aliases.items():
            self._aliases.setdefault(key_id, []).extend(names)
            if key_id in self._known:
                self._known[key_id].aliases = list(self._aliases[key_id])
                self._changed.add(key_id)
        progress["aliases"] += batch.alias_count
        for described in batch.described:
            if described.key_id in self._known:
                self._known[described.key_id].take_description(described)
                self._changed.add(described.key_id)
                self._reordered = True
        progress["described"] += len(batch.described)
        if batch.alias_problem:
            progress["alias_problem"] = batch.alias_problem
        if batch.keys_done:
            progress["keys_done"] = True
        if batch.aliases_done:
            progress["aliases_done"] = True
            for key_id, row in self._listed.items():
                names = self._aliases.get(key_id, [])
                if row.aliases != names:
                    row.aliases = list(names)
                    self._changed.add(key_id)
        self._arrange(final=progress.get("keys_done", False) or batch.finished)
        if batch.finished:
            self._finish(batch.error)
        elif (not self._shown and self.rows) or (
            (batch.keys_done or batch.aliases_done)
            and progress.get("keys_done")
            and progress.get("aliases_done")
        ):
            self._draw_now()  # the first rows, and the whole listing: at once
        else:
            self._dirty = True

    def _arrange(self, final: bool) -> None:
        """The rows in the order listed; until every key is listed again, the rows of
        the last load that this one has not listed yet follow."""
        rows = list(self._listed.values())
        if not final:
            rows += [r for r in self.rows if r.key_id not in self._listed]
        else:
            self._known = dict(self._listed)
        self.rows = rows

    def _finish(self, error: AwsError | None) -> None:
        self.loaded, self._listing, self._dirty = True, None, False
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        # A column keeps the widest cell it held in a whole list, not those drawn
        # while the list arrived.
        for key, column in self.query_one("#keys", BulkDataTable).columns.items():
            widest = self._widest.get(str(key.value), 0)
            column.content_width = max(cell_len(column.label.plain), widest)
        if error is not None:
            self.rows, self._known = [], {}
            self._show(f"✕ {error.code}: {error.message}")
            return
        self._show()

    def _tick(self) -> None:
        """While the list arrives: draw what came, and say which rows are in view."""
        table = self.query_one("#keys", BulkDataTable)
        took = self._drawing + table.render_seconds
        if self._dirty and time.monotonic() >= self._drawn_at + RELAX * took:
            self._draw_now()
        if self._listing is not None:
            top = int(table.scroll_offset.y)
            self._listing.prefer(self._shown[top : top + table.size.height + 1])

    def progress_text(self) -> str:
        """How far the load is, for the status line ("" once it is done)."""
        return progress_text(self._progress, self.loaded)

    # -- drawing ----------------------------------------------------------------------
    def _columns_for(self, width: int) -> tuple[str, ...]:
        if width >= WIDE_FROM:
            return tuple(c for c, _ in COLUMNS)
        return MEDIUM if width >= MEDIUM_FROM else NARROW

    def _visible_rows(self) -> list[KeyRow]:
        needle = self.filter_text.lower()
        rows = [
            r
            for r in self.rows
            if not needle
            or needle in " ".join([r.alias, r.key_id, r.state, r.description, r.spec_usage]).lower()
        ]
        if self.sort_column in DESCRIBED_COLUMNS:  # not described yet: after, as listed
            pending = [r for r in rows if not r.described]
            rows = [r for r in rows if r.described]
        else:
            pending = []
        ordered = sorted(
            rows, key=lambda r: r.sort_value(self.sort_column), reverse=self.sort_reverse
        )
        return ordered + pending

    def _show(self, problem: str | None = None) -> None:
        table = self.query_one("#keys", BulkDataTable)
        columns = self._columns_for(self.size.width or self.app.size.width)
        selected = self.selected_row()
        from_top = table.cursor_row - int(table.scroll_offset.y)
        full_id = (self.size.width or self.app.size.width) >= FULL_ID_FROM
        if columns != self._layout:
            table.clear(columns=True)
            for key, title in COLUMNS:
                if key in columns:
                    table.add_column(title, key=key)
            self._layout, self._widest = columns, {}
        table.clear()
        rows = self._visible_rows()
        room = description_room(rows, columns, full_id, self.size.width or self.app.size.width)
        self._shown, self._cells, self._dirty = [], {}, False
        self._changed, self._reordered, self._room = set(), False, room
        adding = []
        for row in rows:
            cells = cells_of(row, columns, full_id, room)
            adding.append((row.key_id, renderables(cells, columns)))
            self._shown.append(row.key_id)
            self._cells[row.key_id] = cells
        table.add_rows_at_once(adding)
        if self.loaded:  # what the columns hold at their widest, in whole lists
            for index, column in enumerate(columns):
                widths = [cell_len(cells[index]) for cells in self._cells.values()]
                self._widest[column] = max([self._widest.get(column, 0), *widths])
        if selected is not None and selected.key_id in self._cells:
            index = table.get_row_index(selected.key_id)
            table.move_cursor(row=index, animate=False)
            if index - from_top > 0:  # the cursor's row stays where it was on screen
                self.call_after_refresh(table.scroll_to, y=index - from_top, animate=False)
        self._status(rows, columns, problem)

    def _draw_now(self) -> None:
        """Draw what arrived, timed for the next drawing to wait on (with the table's
        render that follows)."""
        began = time.monotonic()
        self._dirty = False
        self._draw_arrivals()
        self._drawn_at = time.monotonic()
        self._drawing = self._drawn_at - began

    def _draw_arrivals(self) -> None:
        """Draw what arrived since the last drawing: rows added at the end and cells
        changed in place when the order holds, else the whole table again."""
        table = self.query_one("#keys", BulkDataTable)
        columns = self._layout
        shown = self._shown
        full_id = (self.size.width or self.app.size.width) >= FULL_ID_FROM
        if columns != self._columns_for(self.size.width or self.app.size.width):
            self._show()
            return
        if self._in_listed_order():  # only rows not described yet since drawn
            rows, room = self.rows, self._room
            known = self._known
            changed = [known[k] for k in self._changed if k in self._cells and k in known]
        else:
            rows = self._visible_rows()
            if len(rows) < len(shown) or any(
                row.key_id != key for row, key in zip(rows, shown, strict=False)
            ):
                self._show()
                return
            room = self._room = description_room(
                rows, columns, full_id, self.size.width or self.app.size.width
            )
            changed = rows[: len(shown)]
        self._changed, self._reordered = set(), False
        updates = []
        for row in changed:
            cells = cells_of(row, columns, full_id, room)
            before = self._cells[row.key_id]
            if cells != before:
                drawn = renderables(cells, columns)
                for column, old, new, shown_cell in zip(columns, before, cells, drawn, strict=True):
                    if old != new:
                        updates.append((row.key_id, column, shown_cell))
                self._cells[row.key_id] = cells
        table.update_cells_at_once(updates)
        adding = []
        for row in rows[len(shown) :]:
            cells = cells_of(row, columns, full_id, room)
            adding.append((row.key_id, renderables(cells, columns)))
            shown.append(row.key_id)
            self._cells[row.key_id] = cells
        table.add_rows_at_once(adding)
        self._status(rows, columns, None)

    def _in_listed_order(self) -> bool:
        """Whether the table shows every row in the order listed, and will with the
        rows that arrived: no filter, a sort by what DescribeKey says and no row
        described since the last drawing (rows not described keep the listed order)."""
        if self.filter_text or self._reordered or self.sort_column not in DESCRIBED_COLUMNS:
            return False
        rows, shown = self.rows, self._shown
        if len(rows) < len(shown) or any(r.described for r in rows[len(shown) :]):
            return False
        return all(row.key_id == key for row, key in zip(rows, shown, strict=False))

    def _status(self, rows: list[KeyRow], columns: tuple[str, ...], problem: str | None) -> None:
        shown_marks = {m for r in rows if "spec" in columns for m in r.spec_usage.split()}
        direction = "▼" if self.sort_reverse else "▲"
        sort_title = dict(COLUMNS)[self.sort_column]
        status = problem or (
            f"{len(rows)} of {len(self.rows)} keys · sorted by {sort_title} {direction}"
        )
        if self.filter_text:
            status += f" · filter “{self.filter_text}”"
        marks = [f"{mark} {meaning}" for mark, meaning in MARKS.items() if mark in shown_marks]
        if marks and problem is None:
            status += " · " + " · ".join(marks)
        if self._progress.get("keys_done") and self._progress.get("aliases_done"):
            self._listed_drawn = True
        progress = self.progress_text()
        if progress and problem is None:
            status += " · " + progress
        self.query_one("#status", Static).update(plain(status))
        self.refresh_bindings()

    def on_resize(self) -> None:
        if self.rows:
            self._show()

    # -- selection --------------------------------------------------------------------
    def selected_row(self) -> KeyRow | None:
        table = self.query_one("#keys", BulkDataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        except Exception:  # noqa: BLE001 - no row under the cursor
            return None
        return next((r for r in self.rows if r.key_id == key), None)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_open_key()

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self._show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        row = self.selected_row() if self.is_mounted else None
        state = row.state if row else None
        customer = row is not None and row.manager != "AWS"
        if action == "open_key":  # Enter in the filter box finishes the filter
            return row is not None and not self.query_one("#filter", Input).has_focus
        if action == "copy_arn":
            return row is not None
        if action in KEY_STATE_ACTIONS:
            return allowed(action, state, customer)
        return True

    # -- filter and sort --------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._show()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one("#keys", BulkDataTable).focus()

    def on_key(self, event) -> None:
        box = self.query_one("#filter", Input)
        if event.key == "escape" and box.has_focus:
            box.value = ""
            box.remove_class("-shown")
            self.query_one("#keys", BulkDataTable).focus()
            event.stop()

    def action_sort(self) -> None:
        columns = list(self._layout) or [c for c, _ in COLUMNS]
        index = columns.index(self.sort_column) if self.sort_column in columns else -1
        self.sort_column, self.sort_reverse = columns[(index + 1) % len(columns)], False
        self._show()

    # -- actions ----------------------------------------------------------------------
    def _label(self, row: KeyRow) -> str:
        return row.aliases[0] if row.aliases else row.key_id

    def action_open_key(self) -> None:
        row = self.selected_row()
        if row is not None:
            from kmstui.ui.screens.key_detail import KeyDetailScreen

            self.app.push_screen(KeyDetailScreen(row.key_id))

    def action_copy_arn(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.app.copy_to_clipboard(row.arn)
            self.notify("Key ARN copied", markup=False)

    def action_create_key(self) -> None:
        from kmstui.ui.dialogs.create_key import CreateKeyScreen

        def created(meta: dict | None) -> None:
            if meta is not None:
                self.notify(f"Key {meta['KeyId']} created ({meta['KeyState']})", markup=False)

        self.app.push_screen(CreateKeyScreen(), created)

    def _key_state(self, change) -> None:
        row = self.selected_row()
        if row is not None:
            change(self.app, row.key_id, self._label(row))

    def action_enable_key(self) -> None:
        self._key_state(key_state.enable)

    def action_disable_key(self) -> None:
        self._key_state(key_state.disable)

    def action_schedule_deletion(self) -> None:
        self._key_state(key_state.schedule_deletion)

    def action_cancel_deletion(self) -> None:
        self._key_state(key_state.cancel_deletion)
