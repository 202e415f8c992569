"""The key line at the bottom of every screen.

Textual's footer rebuilds every key whenever a screen says its bindings may have
changed, and the console says so on every cursor move (what applies depends on the
selected row). This footer rebuilds once per refresh at most, and only when what it
would show (keys, names, which are available) is different.

When the keys do not fit the width, the footer leaves some out rather than cut the
last one in half: first Quit, then Act as (the top bar names the acting principal and
both keys work anywhere), then the actions a screen names in ``FOOTER_DROP_FIRST``,
then the screen's other keys from the last. ``?`` (Help, which lists every key)
always stays."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel

# Left out first when the width runs short, in this order (by action).
_DROP_FIRST = ("app.quit", "app.switch_principal")
_KEEP = "app.help"


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
        return tuple(
            (b.key, app.get_key_display(b), b.description, b.action, enabled)
            for _node, b, enabled, _tooltip in self.screen.active_bindings.values()
            if b.show
        )

    async def _sync(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self._signature()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Show every key, then hide keys in the order the module docstring gives
        until the rest fit the width."""
        children = list(self.children)
        for child in children:
            child.display = True
        palette = [child for child in children if child.has_class("-command-palette")]
        room = self.size.width - sum(map(_cells, palette))
        row = [child for child in children if child not in palette]
        if not row or not room:
            return
        keys = [child for child in row if isinstance(child, FooterKey)]
        first = (*_DROP_FIRST, *getattr(self.screen, "FOOTER_DROP_FIRST", ()))
        order = [key for name in first for key in keys if key.action == name]
        order += [key for key in reversed(keys) if key not in order and key.action != _KEEP]
        shown = list(row)
        used = sum(map(_cells, shown))
        for key in [None, *order]:
            if key is not None:
                key.display = False
                shown.remove(key)
                used -= _cells(key)
            if used - _trailing_blank(shown[-1]) <= room:
                return


def _cells(widget: Widget) -> int:
    """The width ``widget`` takes in the footer's row, margins included."""
    if isinstance(widget, (FooterKey, FooterLabel)):
        rendered = widget.render()  # rich Text for a key, Textual Content for a label
        if isinstance(rendered, Text):
            content = rendered.cell_len
        else:
            assert isinstance(rendered, Content)
            content = rendered.cell_length
    else:  # a group of keys
        content = sum(_cells(child) for child in widget.children if child.display)
    return content + widget.styles.padding.width + widget.styles.margin.width


def _trailing_blank(widget: Widget) -> int:
    """Blank cells a key ends with: they may run off the edge."""
    blank = widget.styles.margin.right + widget.styles.padding.right
    if isinstance(widget, FooterKey):
        blank += widget.get_component_styles("footer-key--description").padding.right
    return blank
