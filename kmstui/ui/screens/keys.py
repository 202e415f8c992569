"""Keys: every KMS key of the account in the console's Region with its aliases, state,
spec and usage, and rotation; filter, sort, create, enable, disable, schedule and cancel
deletion; Enter opens a key."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from kmstui.errors import AwsError
from kmstui.ui import key_state
from kmstui.ui.actions import Action, bindings
from kmstui.ui.format import date, plain, state_text
from kmstui.ui.key_state import KEY_STATE_ACTIONS, allowed, key_state_actions
from kmstui.ui.keytypes import MARKS
from kmstui.ui.models import KeyRow, list_key_rows
from kmstui.ui.screens.base import ConsoleScreen
from kmstui.ui.seam import backend_if_open

COLUMNS = [
    ("alias", "Alias"),
    ("id", "Key ID"),
    ("state", "State"),
    ("spec", "Spec / usage"),
    ("rotation", "Rotation"),
    ("description", "Description"),
    ("created", "Created"),
]
NARROW = ("alias", "id", "state", "spec", "description")
MEDIUM = ("alias", "id", "state", "spec", "rotation", "description")
MEDIUM_FROM, WIDE_FROM, FULL_ID_FROM = 100, 140, 150


class KeysLoaded(Message):
    def __init__(self, rows: list[KeyRow] | None, error: AwsError | None = None):
        super().__init__()
        self.rows, self.error = rows, error


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

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="filter: alias, key id, state, description…", id="filter")
        yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status", classes="status")

    # -- reading ----------------------------------------------------------------------
    def reload(self) -> None:
        if backend_if_open(self) is None:
            self.query_one("#status", Static).update("Opening the data directory…")
            return
        self._load()

    def action_refresh(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="keys", exit_on_error=False)
    def _load(self) -> None:
        try:
            self.post_message(KeysLoaded(list_key_rows(self.app.call)))
        except AwsError as exc:
            self.post_message(KeysLoaded(None, exc))

    def on_keys_loaded(self, message: KeysLoaded) -> None:
        if message.error is not None:
            self.rows = []
            self._show(f"✕ {message.error.code}: {message.error.message}")
            return
        self.rows = message.rows or []
        self._show()

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
        return sorted(rows, key=lambda r: r.sort_value(self.sort_column), reverse=self.sort_reverse)

    def _show(self, problem: str | None = None) -> None:
        table = self.query_one("#keys", DataTable)
        columns = self._columns_for(self.size.width or self.app.size.width)
        selected = self.selected_row()
        full_id = (self.size.width or self.app.size.width) >= FULL_ID_FROM
        if columns != self._layout:
            table.clear(columns=True)
            for key, title in COLUMNS:
                if key in columns:
                    table.add_column(title, key=key)
            self._layout = columns
            # A table whose columns were just rebuilt sizes them on its next refresh.
            self.call_after_refresh(self._show, problem)
        table.clear()
        rows = self._visible_rows()
        shown_marks = {m for r in rows if "spec" in columns for m in r.spec_usage.split()}
        room = self._description_room(rows, columns, full_id)
        for row in rows:
            cells = {
                "alias": plain(row.alias or "—"),
                "id": plain(row.key_id if full_id else row.key_id[:8] + "…"),
                "state": state_text(row.state),
                "spec": plain(row.spec_usage),
                "rotation": plain(row.rotation),
                "description": plain(
                    row.description
                    if len(row.description) <= room
                    else row.description[: room - 1] + "…"
                ),
                "created": plain(date(row.created)),
            }
            table.add_row(*(cells[c] for c in columns), key=row.key_id)
        if selected is not None and any(r.key_id == selected.key_id for r in rows):
            table.move_cursor(row=table.get_row_index(selected.key_id), animate=False)
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
        self.query_one("#status", Static).update(plain(status))
        self.refresh_bindings()

    def _description_room(self, rows: list[KeyRow], columns: tuple[str, ...], full_id: bool) -> int:
        """How many cells the description may take so the table needs no sideways
        scrolling."""
        width = self.size.width or self.app.size.width
        used = 2  # the vertical scrollbar
        for column in columns:
            if column == "description":
                continue
            cells = {
                "alias": [r.alias or "—" for r in rows],
                "id": [r.key_id if full_id else r.key_id[:9] for r in rows],
                "state": [r.state for r in rows],
                "spec": [r.spec_usage for r in rows],
                "rotation": [r.rotation for r in rows],
                "created": ["2000-01-01 00:00"],
            }[column]
            title = dict(COLUMNS)[column]
            used += max([len(title), *map(len, cells)]) + 2
        return max(12, width - used - 2)

    def on_resize(self) -> None:
        if self.rows:
            self._show()

    # -- selection --------------------------------------------------------------------
    def selected_row(self) -> KeyRow | None:
        table = self.query_one("#keys", DataTable)
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
        self.query_one("#keys", DataTable).focus()

    def on_key(self, event) -> None:
        box = self.query_one("#filter", Input)
        if event.key == "escape" and box.has_focus:
            box.value = ""
            box.remove_class("-shown")
            self.query_one("#keys", DataTable).focus()
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
