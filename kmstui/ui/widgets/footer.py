"""The key line at the bottom of every screen.

Textual's footer rebuilds every key whenever a screen says its bindings may have
changed, and the console says so on every cursor move (what applies depends on the
selected row). This footer rebuilds once per refresh at most, and only when what it
would show (keys, names, which are available) is different."""

from __future__ import annotations

from textual.widgets import Footer


class ConsoleFooter(Footer):
    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple = ()
        self._pending = False

    def bindings_changed(self, screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._pending:
            return
        if self.is_attached and screen is self.screen:
            self._pending = True
            self.call_after_refresh(self._sync)

    def _signature(self) -> tuple:
        app = self.app
        return tuple((b.key, app.get_key_display(b), b.description, b.action, enabled)
                     for _node, b, enabled, _tooltip in self.screen.active_bindings.values()
                     if b.show)

    async def _sync(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self._signature()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()
