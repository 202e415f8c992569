"""The policy text area: JSON with syntax highlighting, and findings marked in place.

A finding's span is underlined (and tinted) in the text, and its line carries a
letter in the gutter (E, S, W, H) so the mark never depends on colour alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Offset
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import Document, Selection

from kmstui.policy import ERROR, SECURITY_WARNING, SUGGESTION, WARNING, Finding, Span
from kmstui.ui.actions import Action, bindings

# Most severe first: a line with several findings shows the worst one's letter.
SEVERITY_RANK = {ERROR: 0, SECURITY_WARNING: 1, WARNING: 2, SUGGESTION: 3}
GUTTER_LETTERS = {ERROR: "E", SECURITY_WARNING: "S", WARNING: "W", SUGGESTION: "H"}
_MARK_STYLES = {
    ERROR: Style(underline=True, bgcolor="#5c1f24"),
    SECURITY_WARNING: Style(underline=True, bgcolor="#4f2a55"),
    WARNING: Style(underline=True, bgcolor="#4a3c12"),
    SUGGESTION: Style(underline=True),
}
_GUTTER_STYLES = {
    ERROR: Style(color="#ff5f5f", bold=True),
    SECURITY_WARNING: Style(color="#e88cff", bold=True),
    WARNING: Style(color="#ffd75f", bold=True),
    SUGGESTION: Style(color="#87afd7", bold=True),
}
# The finding moved to with F8 or chosen in the table.
_SHOWN_STYLE = Style(bold=True, bgcolor="#005f5f")
# Room in the gutter for the letter and a space before the line number.
_MARK_WIDTH = 2


class PolicyTextArea(TextArea):
    """A JSON code editor that can show validation findings.

    The text keys are the ones Textual's TextArea and posting use (ctrl+a selects
    all here, as it does there; Home goes to the line's start)."""

    BINDINGS = bindings(
        Action(
            "text.select-all",
            "select-all",
            "select_all",
            "Select all",
            "Select the whole text",
            show=False,
        ),
        Action("text.undo", "undo", "undo", "Undo", "Undo the last edit", show=False),
        Action("text.redo", "redo", "redo", "Redo", "Redo what was undone", show=False),
        Action("text.copy", "copy-text", "copy", "Copy", "Copy the selection", show=False),
        Action("text.cut", "cut", "cut", "Cut", "Cut the selection", show=False),
        Action("text.paste", "paste", "paste", "Paste", "Paste", show=False),
        Action(
            "text.find", "find", "find", "Find", "Find text (again: the next match)", show=False
        ),
    )

    def __init__(self, text: str = "", **kwargs) -> None:
        kwargs.setdefault("language", "json")
        kwargs.setdefault("theme", "css")
        kwargs.setdefault("soft_wrap", False)
        kwargs.setdefault("tab_behavior", "indent")
        kwargs.setdefault("show_line_numbers", True)
        super().__init__(text, **kwargs)
        self.indent_width = 2
        self._marks: dict[int, list[tuple[int, int | None, str]]] = {}
        self._line_severity: dict[int, str] = {}
        # The finding moved to last (start, end), highlighted until the text changes.
        self.shown_span: tuple[tuple[int, int], tuple[int, int]] | None = None
        self.last_search = ""

    @property
    def _text_document(self) -> Document:
        """The document, as the text it is (a TextArea's document is always one)."""
        document = self.document
        assert isinstance(document, Document)
        return document

    def load_stored(self, text: str) -> None:
        """Show a policy read after mounting as one given when the editor was made: the
        cursor at the start, no edit history, and no bracket matched until the cursor
        moves (moving it to the start while mounted would match the opening brace)."""
        self.load_text(text)
        self._matching_bracket_location = None  # TextArea's own, set by that move

    # -- findings ---------------------------------------------------------------------
    def show_findings(self, findings: Iterable[Finding]) -> None:
        marks: dict[int, list[tuple[int, int | None, str]]] = {}
        worst: dict[int, str] = {}
        line_count = self.document.line_count
        for finding in findings:
            first = finding.span.start.line - 1
            last = max(first, finding.span.end.line - 1)
            if first >= line_count:
                continue
            for row in range(first, min(last, line_count - 1) + 1):
                start = finding.span.start.column - 1 if row == first else 0
                end = finding.span.end.column - 1 if row == last else None
                if end is not None and end <= start:
                    end = start + 1  # an empty span still marks one character
                marks.setdefault(row, []).append((start, end, finding.severity))
            if SEVERITY_RANK[finding.severity] < SEVERITY_RANK.get(worst.get(first, ""), 9):
                worst[first] = finding.severity
        self._marks = marks
        self._line_severity = worst
        # Textual caches rendered lines by a key that knows nothing of findings.
        self._line_cache.clear()
        self.refresh()

    def line_marker(self, row: int) -> str | None:
        """The gutter letter shown on ``row`` (0-based), if any."""
        severity = self._line_severity.get(row)
        return GUTTER_LETTERS[severity] if severity else None

    def show_span(self, span: Span) -> None:
        """Put the cursor at the span's start and highlight the span, without selecting
        it (a selection would be replaced by the next key typed)."""
        start = (span.start.line - 1, span.start.column - 1)
        end = (span.end.line - 1, span.end.column - 1)
        self.shown_span = (start, max(start, end))
        self._line_cache.clear()
        self.move_cursor(start, center=True)
        self.refresh()

    # -- keys -------------------------------------------------------------------------
    async def _on_key(self, event: events.Key) -> None:
        """A key with Alt held is a shortcut, never text: terminals send Alt+G as the
        character ``g`` with an Alt prefix, and TextArea would insert the ``g``. The
        key goes on to the bindings (the key detail's Alt+letter tabs).

        Tab with text selected indents the selected lines instead of replacing them."""
        if "alt+" in event.key:
            event.prevent_default()  # TextArea's own handler (the insert) does not run
        elif event.key == "tab" and not self.selection.is_empty and not self.read_only:
            event.stop()
            event.prevent_default()
            self.indent_selected_lines()

    def indent_selected_lines(self) -> None:
        """Indent every line the selection touches by one indent, as one undo step."""
        (first, _), (last, _) = sorted(self.selection)
        end = (last, len(self.document.get_line(last)))
        pad = " " * self.indent_width
        block = self.get_text_range((first, 0), end)
        indented = "\n".join(pad + line if line else line for line in block.split("\n"))
        self.replace(indented, (first, 0), end, maintain_selection_offset=False)
        self.selection = Selection((first, 0), (last, len(self.document.get_line(last))))

    # -- find -------------------------------------------------------------------------
    def action_find(self) -> None:
        from kmstui.ui.dialogs.prompt import PromptScreen

        def chosen(text: str | None) -> None:
            if text:
                self.last_search = text
                self.find_next(text)

        self.app.push_screen(
            PromptScreen("Find", "Text to find", self.last_search, confirm="Find"), chosen
        )

    def find_next(self, text: str) -> bool:
        """Move to the next ``text`` after the cursor (from the top past the end), and
        highlight it; False (and a note) when the text has none."""
        body = self.text
        start = self._text_document.get_index_from_location(self.cursor_location)
        found = body.find(text, start + 1)
        if found < 0:
            found = body.find(text)
        if found < 0:
            self.notify(f"Not found: {text}", severity="warning", markup=False)
            return False
        begin = self._text_document.get_location_from_index(found)
        end = self._text_document.get_location_from_index(found + len(text))
        self.shown_span = (begin, end)
        self._line_cache.clear()
        self.move_cursor(begin, center=True)
        self.refresh()
        return True

    # -- scrolling --------------------------------------------------------------------
    def scroll_cursor_visible(self, center: bool = False, animate: bool = False) -> Offset:
        """Scroll the cursor into view, unless it lies past the end of the text.

        Undo shrinks the text before it puts the selection back. When the shrink
        hides the vertical scrollbar, TextArea scrolls to a cursor that is still on a
        line the text no longer has, and its wrapped document raises ValueError. The
        selection that undo restores next scrolls into view itself, so skipping the
        early scroll loses nothing."""
        if self.selection.end[0] >= self.document.line_count:
            return Offset(0, 0)
        return super().scroll_cursor_visible(center, animate)

    # -- rendering --------------------------------------------------------------------
    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        if self.shown_span is not None:
            (first_row, first_col), (last_row, last_col) = self.shown_span
            if first_row <= line_index <= last_row:
                start = first_col if line_index == first_row else 0
                stop = last_col if line_index == last_row else len(line.plain)
                line.stylize(_SHOWN_STYLE, start, max(stop, start + 1))
        for start, end, severity in self._marks.get(line_index, ()):
            length = len(line.plain)
            stop = length if end is None else min(end, length)
            if start >= length:
                # A mark past the end (a missing brace at the end of the text) shows
                # on the cell where the cursor would sit.
                line.append(" ")
                stop = start + 1
            line.stylize(_MARK_STYLES[severity], start, max(stop, start + 1))
        return line

    @property
    def gutter_width(self) -> int:
        width = super().gutter_width
        return width + _MARK_WIDTH if width else 0

    def _render_line(self, y: int) -> Strip:
        strip = super()._render_line(y)
        if not self.show_line_numbers or not self._line_severity:
            return strip
        try:
            row, section = self.wrapped_document._offset_to_line_info[y + self.scroll_offset.y]
        except IndexError:
            return strip
        severity = self._line_severity.get(row)
        if severity is None or section != 0:
            return strip
        segments = list(strip)
        base = segments[0].style if segments else None
        letter = Segment(
            GUTTER_LETTERS[severity],
            (base + _GUTTER_STYLES[severity]) if base else _GUTTER_STYLES[severity],
        )
        rest = strip.crop(1, strip.cell_length)
        return Strip([letter, *rest], strip.cell_length)
