"""What every console section shares: the top bar, the footer, and reading again when
the engine changes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen

from kmstui.ui.host import InConsole
from kmstui.ui.messages import DataChanged
from kmstui.ui.widgets.footer import ConsoleFooter
from kmstui.ui.widgets.topbar import TopBar


class ConsoleScreen(InConsole, Screen):
    SECTION = ""
    HELP_TITLE = ""

    def compose(self) -> ComposeResult:
        yield TopBar(self.SECTION)
        yield from self.compose_body()
        yield ConsoleFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def reload(self) -> None:
        """Read what this screen shows again."""

    def on_data_changed(self, _message: DataChanged) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()
