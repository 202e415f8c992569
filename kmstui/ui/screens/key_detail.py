"""One key: overview, policy, grants, rotation, aliases and tags, its events, and
Try it (the key's own operations).

The screen reads a :class:`KeyDetail` on a worker and hands each tab its part; the
policy and grants tabs mount the dedicated panes when they are installed."""

from __future__ import annotations

import json
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static, TabbedContent, TabPane, Tabs, TextArea

from kmstui.errors import AwsError
from kmstui.ui.actions import Action, bindings
from kmstui.ui.format import markup, plain, state_markup
from kmstui.ui.key_state import KEY_STATE_ACTIONS, allowed, key_state_actions
from kmstui.ui.live.feed import backend_watch
from kmstui.ui.live.records import changed_elsewhere
from kmstui.ui.messages import DataChanged
from kmstui.ui.models import KeyDetail, key_events, read_key_detail
from kmstui.ui.screens.key_actions import KeyActionsMixin
from kmstui.ui.screens.key_flows import FLOW_ACTIONS, KeyFlowsMixin, key_flow_actions
from kmstui.ui.screens.key_overview import PublicKeyView, fill_overview
from kmstui.ui.screens.key_tabs import KeyTabsMixin
from kmstui.ui.seam import backend_of
from kmstui.ui.tryit import TryItPane
from kmstui.ui.widgets.events import EventTable
from kmstui.ui.widgets.footer import ConsoleFooter
from kmstui.ui.widgets.topbar import TopBar

TABS = [
    ("overview", "Overview"),
    ("policy", "Policy"),
    ("grants", "Grants"),
    ("rotation", "Rotation"),
    ("aliases", "Aliases & Tags"),
    ("events", "Events"),
    ("tryit", "Try it"),
]
TAB_TITLES = dict(TABS)
CHANGES_HZ = 4  # how often the screen looks for changes made elsewhere (no request)
# alt+ the tab's initial; alt+digit is not what many terminals (and tmux) send.
TAB_KEYS = {
    "overview": "alt+o",
    "policy": "alt+p",
    "grants": "alt+g",
    "rotation": "alt+r",
    "aliases": "alt+a",
    "events": "alt+e",
    "tryit": "alt+t",
}

TAB_ACTIONS = {
    "toggle_rotation": "rotation",
    "rotation_period": "rotation",
    "rotate_now": "rotation",
    "add_alias": "aliases",
    "add_tag": "aliases",
    "remove_selected": "aliases",
    "edit_description": "aliases",
    "toggle_own_reads": "events",
}


class DetailLoaded(Message):
    def __init__(self, detail: KeyDetail | None, error: AwsError | None = None):
        super().__init__()
        self.detail, self.error = detail, error


def _policy_pane(backend, key_id: str, acting_as_getter):
    try:
        from kmstui.ui.policy import PolicyEditorPane
    except ImportError:
        return None
    return PolicyEditorPane(backend, key_id, acting_as_getter)


def _grants_pane(backend, key_id: str, acting_as_getter):
    try:
        from kmstui.ui.grants import GrantsPane
    except ImportError:
        return None
    return GrantsPane(backend, key_id, acting_as_getter)


class KeyDetailScreen(KeyTabsMixin, KeyActionsMixin, KeyFlowsMixin, Screen):
    HELP_TITLE = "Key detail"
    # a narrow footer keeps the open tab's own keys before Test encrypt
    FOOTER_DROP_FIRST = ("enable_key", "disable_key", "cancel_deletion", "test_encrypt")
    BINDINGS = bindings(
        Action("key.back", "back", "back", "Back", "Back to the key list"),
        Action(
            "tab.previous",
            "previous-tab",
            "step_tab(-1)",
            "Previous tab",
            "Show the tab to the left",
            key_display="[",
            group="Tab",
        ),
        Action(
            "tab.next",
            "next-tab",
            "step_tab(1)",
            "Next tab",
            "Show the tab to the right",
            key_display="]",
            group="Tab",
        ),
        *(
            Action(
                f"tab.{tab}",
                "tab",
                f"show_tab('{tab}')",
                title,
                f"Show the {title} tab",
                show=False,
                key=TAB_KEYS[tab],
            )
            for tab, title in TABS
        ),
        Action(
            "key.own-reads",
            "show-own-calls",
            "toggle_own_reads",
            "Own reads",
            "Show or hide the console's own read requests on this key",
        ),
        Action("key.copy-arn", "copy", "copy_arn", "Copy ARN", "Copy the key ARN", show=False),
        Action(
            "key.test-encrypt",
            "test",
            "test_encrypt",
            "Test encrypt",
            "Encrypt and decrypt a sample as the acting-as principal",
        ),
        Action(
            "rotation.toggle",
            "auto-rotation",
            "toggle_rotation",
            "Auto rotation",
            "Turn automatic rotation on or off (Enable/DisableKeyRotation)",
        ),
        Action(
            "rotation.period",
            "edit",
            "rotation_period",
            "Period",
            "Set the automatic rotation period, 90–2560 days",
        ),
        Action(
            "rotation.rotate-now",
            "rotate",
            "rotate_now",
            "Rotate now",
            "New key material now (RotateKeyOnDemand)",
        ),
        Action("alias.add", "alias", "add_alias", "Add alias", "CreateAlias for this key"),
        Action("tag.add", "tag", "add_tag", "Add tag", "TagResource (key=value)"),
        Action(
            "selection.remove",
            "delete",
            "remove_selected",
            "Remove",
            "Remove the selected alias (DeleteAlias) or tag (UntagResource)",
        ),
        Action(
            "key.edit-description",
            "edit",
            "edit_description",
            "Description",
            "UpdateKeyDescription",
        ),
        Action(
            "key.copy-policy",
            "copy",
            "copy_policy",
            "Copy policy",
            "Copy the key policy JSON",
            show=False,
        ),
        *key_state_actions(show_delete=False),
        *key_flow_actions(),
    )

    def __init__(self, key_id: str):
        super().__init__()
        self.key_id = key_id
        self.detail: KeyDetail | None = None
        self._panes_mounted = False
        self._tab = "overview"  # the tab shown, to know which one a switch leaves

    # -- layout -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TopBar("keys")
        yield Static("", id="key-title", classes="title")
        with TabbedContent(id="tabs", initial="overview"):
            with TabPane(TAB_TITLES["overview"], id="overview"):
                with VerticalScroll(id="overview-scroll", can_focus=False):
                    yield DataTable(id="overview-table", cursor_type="row", show_header=False)
                    yield PublicKeyView(id="public-key")
            with TabPane(TAB_TITLES["policy"], id="policy"):
                pane = _policy_pane(backend_of(self), self.key_id, self.app.console_caller)
                if pane is not None:
                    yield pane
                else:
                    with VerticalScroll(id="policy-scroll"):
                        yield Static("", id="policy-text", classes="code")
            with TabPane(TAB_TITLES["grants"], id="grants"):
                pane = _grants_pane(backend_of(self), self.key_id, self.app.console_caller)
                if pane is not None:
                    yield pane
                else:
                    yield Static("", id="fallback-grants-note", classes="note")
                    yield DataTable(id="fallback-grants", cursor_type="row")
            with TabPane(TAB_TITLES["rotation"], id="rotation"):
                yield Static("", id="rotation-summary", classes="summary")
                yield DataTable(id="rotations-table", cursor_type="row")
            with TabPane(TAB_TITLES["aliases"], id="aliases"):
                yield Static("", id="description", classes="summary")
                yield DataTable(id="aliases-table", cursor_type="row")
            with TabPane(TAB_TITLES["events"], id="events"):
                yield Static("", id="events-note", classes="summary")
                yield EventTable(backend_of(self).events, self.key_events_shown, id="events-table")
            with TabPane(TAB_TITLES["tryit"], id="tryit"):
                yield TryItPane(self.key_id, id="tryit-pane")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one("#rotations-table", DataTable).add_columns(
            "Key material id", "State", "Rotation", "Date"
        )
        self.query_one("#aliases-table", DataTable).add_columns("Kind", "Name", "Value")
        if self.query("#fallback-grants"):
            self.query_one("#fallback-grants", DataTable).add_columns(
                "Grant id", "Name", "Grantee", "Operations", "Constraints"
            )
        self.query_one("#overview-table", DataTable).add_columns("Field", "Value")
        self.watch(self.app, "acting_as", self._acting_as_changed, init=False)
        self.call_after_refresh(self._show_overview)
        self._changes = backend_watch(backend_of(self))
        self.set_interval(1 / CHANGES_HZ, self._changed_elsewhere)

    def _changed_elsewhere(self) -> None:
        """Read the key again when a change made elsewhere names it (over the endpoint,
        by the demo, come due on the clock); the console's own come with DataChanged."""
        arn = self.detail.metadata.get("Arn") if self.detail else None
        changes = [r for r in self._changes.new() if changed_elsewhere(r)]
        if arn and key_events(changes, arn):
            self.reload()

    def _acting_as_changed(self) -> None:
        """The panes ask the engine as the acting-as principal: ask again as the new
        one (the lockout check depends on who saves; ListGrants on who lists)."""
        from kmstui.ui.grants import GrantsPane
        from kmstui.ui.policy import PolicyEditorPane

        for policy_pane in self.query(PolicyEditorPane):
            policy_pane.revalidate()
        for grants_pane in self.query(GrantsPane):
            grants_pane.refresh_grants()

    def _show_overview(self) -> None:
        # Panes that focus themselves on mount would otherwise open their own tab.
        self.query_one(TabbedContent).active = "overview"
        self.query_one("#overview-table", DataTable).focus()

    # -- reading ----------------------------------------------------------------------
    def on_screen_resume(self) -> None:
        self.reload()

    def on_data_changed(self, _message: DataChanged) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="key-detail", exit_on_error=False)
    def _load(self) -> None:
        try:
            detail = read_key_detail(self.app.call, self.key_id, backend_of(self).operations())
        except AwsError as exc:
            self.post_message(DetailLoaded(None, exc))
            return
        self.post_message(DetailLoaded(detail))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        if message.error is not None:
            self.query_one("#key-title", Static).update(
                plain(f"✕ {message.error.code}: {message.error.message}")
            )
            return
        self.detail = detail = message.detail
        assert detail is not None
        meta = detail.metadata
        if detail.aliases:  # the first alias, then the id
            title = markup(
                "[b]$alias[/b]  $key_id  ",
                alias=detail.aliases[0]["AliasName"],
                key_id=meta["KeyId"],
            )
        else:  # the id once
            title = markup("[b]$key_id[/b]  ", key_id=meta["KeyId"])
        self.query_one("#key-title", Static).update(title + state_markup(meta["KeyState"]))
        fill_overview(self.query_one("#overview-table", DataTable), detail)
        self.query_one(PublicKeyView).show(detail)
        self.query_one(TryItPane).show_key(meta)
        self._policy(detail)
        self._grants(detail)
        self._rotation(detail)
        self._aliases(detail)
        self.query_one(EventTable).redraw(force=True)
        self.refresh_bindings()

    def _policy(self, detail: KeyDetail) -> None:
        if not self.query("#policy-text"):
            return
        text = detail.policy
        if text is None:
            shown = detail.problems.get("policy", "No policy")
        else:
            try:
                shown = json.dumps(json.loads(text), indent=2)
            except ValueError:
                shown = text
        self.query_one("#policy-text", Static).update(plain(shown))

    def _grants(self, detail: KeyDetail) -> None:
        if not self.query("#fallback-grants"):
            return
        note = self.query_one("#fallback-grants-note", Static)
        table = self.query_one("#fallback-grants", DataTable)
        table.clear()
        if detail.grants is None:
            note.update(
                plain(
                    detail.problems.get(
                        "grants", "Grants are not available in this engine (no ListGrants)."
                    )
                )
            )
            return
        note.update(plain(f"{len(detail.grants)} grant(s) · read-only"))
        for grant in detail.grants:
            constraints = grant.get("Constraints") or {}
            table.add_row(
                plain(grant.get("GrantId", "")[:16]),
                plain(grant.get("Name", "")),
                plain(grant.get("GranteePrincipal", "")),
                plain(", ".join(grant.get("Operations", []))),
                plain(json.dumps(constraints) if constraints else "—"),
            )

    # -- what applies -----------------------------------------------------------------
    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        left, self._tab = self._tab, event.pane.id or ""
        if left == "policy" and self._tab != "policy" and self._policy_modified():
            # A click on another tab: back to the editor, and ask before leaving it.
            wanted = self._tab
            self._tab = "policy"
            self.query_one(TabbedContent).active = "policy"
            self._leave_policy(lambda: self.action_show_tab(wanted))
        self.refresh_bindings()

    def _policy_modified(self) -> bool:
        from kmstui.ui.unsaved import modified_editors

        return bool(modified_editors([self]))

    def _leave_policy(self, then) -> None:
        from kmstui.ui.unsaved import leave_after_asking

        leave_after_asking(self.app, [self], then)

    def reveal_policy_editor(self) -> None:
        """Show the Policy tab with its editor focused (after "stay")."""
        self.query_one(TabbedContent).active = "policy"
        self._tab = "policy"
        for editor in self.query("#policy-editor"):
            self.call_after_refresh(editor.focus)

    @on(DataTable.RowHighlighted, "#aliases-table")
    def _row_changed(self) -> None:
        self.refresh_bindings()

    def _selected_entry(self) -> tuple[str, str] | None:
        table = self.query_one("#aliases-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value or ""
        kind, _, name = key.partition(":")
        return kind, name

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in FLOW_ACTIONS:
            return self.flow_allowed(action)
        if action in KEY_STATE_ACTIONS:
            if action == "schedule_deletion" and self._on_tab("aliases"):
                return False  # x removes the selected alias or tag there
            meta = self.detail.metadata if self.detail else {}
            return allowed(action, meta.get("KeyState"), meta.get("KeyManager") != "AWS")
        tab = TAB_ACTIONS.get(action)
        if tab is None:
            if action in ("copy_arn", "copy_policy"):  # y: the policy on its tab
                if self._on_tab("tryit"):
                    return False  # y copies the newest output there
                on_policy = self._on_tab("policy")
                return self.detail is not None and on_policy == (action == "copy_policy")
            if action == "test_encrypt":  # a symmetric encryption key's round trip,
                # which KMS answers only while the key is enabled (not disabled, pending
                # deletion or waiting for its imported material)
                meta = self.detail.metadata if self.detail else {}
                return meta.get("KeySpec") == "SYMMETRIC_DEFAULT" and meta.get("KeyState") == (
                    "Enabled"
                )
            return True
        if not self.is_mounted or self.query_one(TabbedContent).active != tab:
            return False
        if self.detail is None:
            return None
        if action == "toggle_own_reads":
            return True
        customer = self.detail.metadata.get("KeyManager") != "AWS"
        if action == "remove_selected":
            return customer and self._selected_entry() is not None
        return customer

    # -- actions ----------------------------------------------------------------------
    def _on_tab(self, tab: str) -> bool:
        return self.is_mounted and self.query_one(TabbedContent).active == tab

    def action_back(self) -> None:
        self._leave_policy(self.app.pop_screen)

    def action_step_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        names = [tab for tab, _ in TABS]
        index = names.index(tabs.active) if tabs.active in names else 0
        self.action_show_tab(names[(index + step) % len(names)])

    def action_show_tab(self, tab: str) -> None:
        if self._tab == "policy" and tab != "policy" and self._policy_modified():
            self._leave_policy(lambda: self.action_show_tab(tab))
            return
        # Focus leaves the old tab first: a focused widget that gets hidden hands focus
        # to a sibling in its own tab, and that would switch the tab back.
        self.query_one(Tabs).focus()
        self.query_one(TabbedContent).active = tab
        self.call_after_refresh(self._focus_tab, tab)

    def _focus_tab(self, tab: str) -> None:
        """Focus the tab's first table so its keys work at once; the policy editor
        would take "[" and "]" as text, so there the tab strip keeps the focus (Tab
        moves into the editor)."""
        if self.query_one(TabbedContent).active != tab:
            return  # another switch came first
        pane = self.query_one(f"#{tab}", TabPane)
        first = next((w for w in pane.query("*") if w.focusable), None)
        if first is None or isinstance(first, TextArea):
            self.query_one(Tabs).focus()
        else:
            first.focus()

    def _key(self) -> str:
        return self.detail.metadata["KeyId"] if self.detail else self.key_id

    def _done(self, _result: Any = None) -> None:
        self.reload()
