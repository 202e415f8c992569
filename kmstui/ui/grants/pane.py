"""The grants pane: a key's grants as a table, with create, retire and revoke. Every
request runs on a worker; its answer comes back as a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from kmstui.backends import WriteRefused
from kmstui.caller import Caller
from kmstui.errors import AwsError
from kmstui.ui.actions import Action, bindings
from kmstui.ui.format import shorten
from kmstui.ui.policy.dialogs import ConfirmDialog, MessageDialog
from kmstui.ui.principals import known_arns

from .dialogs import CreateGrantDialog, GrantTokenDialog
from .format import (
    created,
    describe_constraints,
    grant_details,
    grant_label,
    short_id,
    short_principal,
)

if TYPE_CHECKING:
    from kmstui.backends import Backend

COLUMNS = (
    ("Name", "name"),
    ("Grant ID", "grant_id"),
    ("Grantee", "grantee"),
    ("Retiring", "retiring"),
    ("Operations", "operations"),
    ("Constraints", "constraints"),
    ("Created (UTC)", "created"),
)
# Left out, in this order, while the table is wider than the pane (the detail below the
# table shows every field of the selected grant in full); then Operations is shortened.
DROP_ORDER = ("retiring", "created", "constraints")
CELL_PADDING = 2  # a DataTable cell's padding, one column each side
MIN_OPERATIONS = 12


def fitting_columns(rows: list[tuple[str, ...]], width: int) -> tuple[tuple[str, ...], int]:
    """The keys of the columns to show so ``rows`` (one text per column of COLUMNS)
    fit ``width`` cells, dropping columns in DROP_ORDER as needed, and how many cells
    the Operations texts may take."""
    widths = {
        key: max([len(label), *(len(row[i]) for row in rows)]) + CELL_PADDING
        for i, (label, key) in enumerate(COLUMNS)
    }
    keys = [key for _, key in COLUMNS]
    for drop in (None, *DROP_ORDER):
        if drop is not None:
            keys.remove(drop)
        if sum(widths[key] for key in keys) <= width:
            return tuple(keys), widths["operations"] - CELL_PADDING
    others = sum(widths[key] for key in keys if key != "operations")
    return tuple(keys), max(MIN_OPERATIONS, width - others - CELL_PADDING)


class GrantsRead(Message):
    """ListGrants answered: every grant, or the error."""

    def __init__(self, grants: list[dict], error: AwsError | None = None) -> None:
        self.grants, self.error = grants, error
        super().__init__()


class GrantEnded(Message):
    """RetireGrant or RevokeGrant answered (``error`` None: it went through)."""

    def __init__(self, operation: str, verb: str, grant: dict, error: AwsError | None) -> None:
        self.operation, self.verb, self.grant, self.error = operation, verb, grant, error
        super().__init__()


class KeyDescribed(Message):
    """The key's metadata (None: DescribeKey was refused), for the create dialog."""

    def __init__(self, metadata: dict | None) -> None:
        self.metadata = metadata
        super().__init__()


class GrantsPane(Widget):
    """The grants of one key, listed with ListGrants as the acting principal."""

    DEFAULT_CSS = """
    GrantsPane {
        height: 1fr;
        layout: vertical;
        & #grants-table { height: 1fr; }
        & #grants-detail {
            height: auto;
            max-height: 9;
            padding: 0 1;
            border-top: solid $panel-lighten-2;
        }
        & #grants-status { height: 1; background: $panel; padding: 0 1; }
    }
    """

    BINDINGS = bindings(
        Action(
            "grants.create",
            "new",
            "create",
            "Create grant",
            "Create a grant on this key (CreateGrant)",
        ),
        Action(
            "grants.retire",
            "retire",
            "retire",
            "Retire",
            "Retire the selected grant (RetireGrant), after confirmation",
        ),
        Action(
            "grants.revoke",
            "delete",
            "revoke",
            "Revoke",
            "Revoke the selected grant (RevokeGrant), after confirmation",
        ),
        Action(
            "grants.refresh",
            "refresh",
            "refresh",
            "Refresh",
            "List the key's grants again (ListGrants)",
        ),
    )

    class Changed(Message):
        """A grant was created, retired or revoked."""

        def __init__(self, key_id: str) -> None:
            self.key_id = key_id
            super().__init__()

    def __init__(
        self, backend: Backend, key_id: str, acting_as: Callable[[], Caller], id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.backend = backend
        self.key_id = key_id
        self.acting_as = acting_as
        self.grants: list[dict] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="grants-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="grants-detail")
        yield Static("", id="grants-status")

    def on_mount(self) -> None:
        self._layout: tuple[tuple[str, ...], int] = ((), 0)  # columns, Operations width
        self._rows: list[tuple[str, ...]] = []
        self.refresh_grants()
        self.table.focus()

    def on_resize(self) -> None:
        if self.is_mounted and fitting_columns(self._rows, self._width()) != self._layout:
            self._fill()

    def _width(self) -> int:
        # the table's own width, less room for a vertical scrollbar once rows overflow
        return self.size.width - 2

    @property
    def table(self) -> DataTable:
        return self.query_one("#grants-table", DataTable)

    def _status(self, text: str, *, problem: bool = False) -> None:
        self.query_one("#grants-status", Static).update(
            Text(text, style="bold #ff5f5f" if problem else "")
        )

    # -- listing ----------------------------------------------------------------------
    def _list_grants(self) -> list[dict]:
        grants: list[dict] = []
        params: dict = {"KeyId": self.key_id, "Limit": 100}
        while True:
            page = self.backend.call("ListGrants", params, caller=self.acting_as())
            grants.extend(page.get("Grants", []))
            if not page.get("Truncated"):
                return grants
            params = {**params, "Marker": page["NextMarker"]}

    def refresh_grants(self) -> None:
        """List the grants again (on a worker)."""
        self._read_grants()

    @work(thread=True, exclusive=True, group="grants-read", exit_on_error=False)
    def _read_grants(self) -> None:
        try:
            self.post_message(GrantsRead(self._list_grants()))
        except AwsError as exc:
            self.post_message(GrantsRead([], exc))

    @on(GrantsRead)
    def _grants_read(self, message: GrantsRead) -> None:
        message.stop()
        table = self.table
        selected = self.selected_grant()
        if message.error is not None:
            exc = message.error
            self.grants, self._rows = [], []
            table.clear()
            self._status(f"ListGrants: {exc.code}: {exc.message}", problem=True)
            return
        self.grants = message.grants
        account = self.backend.account
        self._rows = [
            (
                grant.get("Name") or "—",
                short_id(grant["GrantId"]),
                short_principal(grant.get("GranteePrincipal"), account),
                short_principal(grant.get("RetiringPrincipal"), account),
                ", ".join(grant.get("Operations", [])),
                describe_constraints(grant.get("Constraints")),
                created(grant.get("CreationDate")),
            )
            for grant in self.grants
        ]
        self._fill()
        if selected is not None:
            ids = [g["GrantId"] for g in self.grants]
            if selected["GrantId"] in ids:
                table.move_cursor(row=ids.index(selected["GrantId"]), animate=False)
        self._show_detail()
        count = len(self.grants)
        self._status(
            "No grants on this key. Press n to create one."
            if not count
            else f"{count} grant{'s' if count != 1 else ''}"
        )

    @on(DataTable.RowHighlighted, "#grants-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    def _show_detail(self) -> None:
        grant = self.selected_grant()
        detail = self.query_one("#grants-detail", Static)
        detail.display = grant is not None
        detail.update(Text(grant_details(grant)) if grant else "")

    def action_refresh(self) -> None:
        self.refresh_grants()

    def _fill(self) -> None:
        """(Re)build the table from the rows read last, with the columns that fit."""
        table = self.table
        row = table.cursor_row
        layout = fitting_columns(self._rows, self._width())
        columns, operations_width = layout
        if columns != self._layout[0]:
            table.clear(columns=True)
            for label, key in COLUMNS:
                if key in columns:
                    table.add_column(label, key=key)
        else:
            table.clear()
        self._layout = layout
        shown = [i for i, (_, key) in enumerate(COLUMNS) if key in columns]
        operations = [key for _, key in COLUMNS].index("operations")
        for grant, cells in zip(self.grants, self._rows, strict=True):
            texts = list(cells)
            texts[operations] = shorten(texts[operations], operations_width)
            table.add_row(*(Text(texts[i]) for i in shown), key=grant["GrantId"])
        if 0 <= row < len(self._rows):
            table.move_cursor(row=row, animate=False)

    def selected_grant(self) -> dict | None:
        table = self.table
        if not self.grants or table.cursor_row < 0 or table.cursor_row >= len(self.grants):
            return None
        return self.grants[table.cursor_row]

    # -- create -----------------------------------------------------------------------
    def _known_principals(self) -> list[str]:
        try:
            acting = self.acting_as().principal
        except Exception:
            acting = None
        return known_arns(self.backend, acting)

    def _create(self, params: dict) -> dict:
        """CreateGrant; the dialog runs it on a worker."""
        return self.backend.call("CreateGrant", params, caller=self.acting_as())

    def action_create(self) -> None:
        """The dialog, once DescribeKey (on a worker) says which operations the key's
        spec and usage take."""
        self._describe_for_dialog()

    @work(thread=True, exclusive=True, group="grants-describe", exit_on_error=False)
    def _describe_for_dialog(self) -> None:
        try:
            meta = self.backend.call(
                "DescribeKey", {"KeyId": self.key_id}, caller=self.acting_as()
            )["KeyMetadata"]
        except AwsError:
            meta = None  # the dialog offers every operation; CreateGrant still checks
        self.post_message(KeyDescribed(meta))

    @on(KeyDescribed)
    def _open_create_dialog(self, message: KeyDescribed) -> None:
        def created_grant(response: dict | None) -> None:
            if not response:
                return
            self.refresh_grants()
            self.post_message(self.Changed(self.key_id))
            self.app.push_screen(GrantTokenDialog(response["GrantId"], response["GrantToken"]))

        self.app.push_screen(
            CreateGrantDialog(
                self.key_id, self._known_principals(), self._create, message.metadata
            ),
            created_grant,
        )

    # -- retire and revoke ------------------------------------------------------------
    def action_retire(self) -> None:
        self._end_grant(
            "RetireGrant",
            "Retire",
            "Retiring ends the grant. KMS lets the grant's retiring principal or grantee "
            "retire it (or the account, for a grant that allows RetireGrant).",
        )

    def action_revoke(self) -> None:
        self._end_grant(
            "RevokeGrant",
            "Revoke",
            "Revoking deletes the grant; it needs kms:RevokeGrant on the key.",
        )

    def _end_grant(self, operation: str, verb: str, explanation: str) -> None:
        grant = self.selected_grant()
        if grant is None:
            self.notify("Select a grant first.", severity="warning")
            return
        label = grant_label(grant)
        message = Text(
            f"{verb} grant {label}?\n\n"
            f"Grantee: {grant.get('GranteePrincipal', '')}\n"
            f"Operations: {', '.join(grant.get('Operations', []))}\n\n"
            f"{explanation} This cannot be undone."
        )

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._call_end(operation, verb, grant)

        self.app.push_screen(
            ConfirmDialog(f"{verb} grant?", message, confirm=verb, destructive=True), confirmed
        )

    @work(thread=True, group="grants-end", exit_on_error=False)
    def _call_end(self, operation: str, verb: str, grant: dict) -> None:
        try:
            self.backend.call(
                operation,
                {"KeyId": self.key_id, "GrantId": grant["GrantId"]},
                caller=self.acting_as(),
            )
        except AwsError as exc:
            self.post_message(GrantEnded(operation, verb, grant, exc))
            return
        self.post_message(GrantEnded(operation, verb, grant, None))

    @on(GrantEnded)
    def _grant_ended(self, message: GrantEnded) -> None:
        message.stop()
        operation, verb, grant, exc = message.operation, message.verb, message.grant, message.error
        if isinstance(exc, WriteRefused) and exc.declined:
            self.notify(exc.message, markup=False)  # the user said no: not a failure
            return
        if exc is not None:
            self.app.push_screen(
                MessageDialog(f"{operation} failed", f"{exc.code}: {exc.message}", severity="error")
            )
            return
        self.refresh_grants()
        self.post_message(self.Changed(self.key_id))
        past = "Retired" if verb == "Retire" else "Revoked"
        self.notify(escape(f"{past} grant {grant_label(grant)}."))
