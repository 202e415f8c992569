"""Tiny apps that host one pane each, as the key detail screen will."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Input, TextArea

from kmstui.backends import EmbeddedBackend
from kmstui.caller import Caller
from kmstui.ui.grants import GrantsPane
from kmstui.ui.policy import PolicyEditorPane


def freeze_cursors(app: App) -> None:
    """No blinking cursors: snapshots must not depend on when they are taken."""
    for widget in app.query(TextArea):
        widget.cursor_blink = False
    for widget in app.query(Input):
        widget.cursor_blink = False


class PaneHost(App):
    """Hosts a pane made by ``make_pane`` with a footer, like a screen would."""

    CSS = "Screen { layout: vertical; }"

    def __init__(self, make_pane, **kwargs) -> None:
        super().__init__(**kwargs)
        self._make_pane = make_pane
        self.acting: Caller | None = None

    def compose(self) -> ComposeResult:
        yield self._make_pane(self)
        yield Footer()

    def on_mount(self) -> None:
        freeze_cursors(self)

    def acting_as(self) -> Caller:
        return self.acting or Caller.root()


def policy_host(engine, key_id: str, **kwargs) -> PaneHost:
    return PaneHost(
        lambda app: PolicyEditorPane(
            EmbeddedBackend(engine), key_id, app.acting_as, id="pane", **kwargs
        )
    )


def grants_host(engine, key_id: str) -> PaneHost:
    return PaneHost(
        lambda app: GrantsPane(EmbeddedBackend(engine), key_id, app.acting_as, id="pane")
    )
