"""Moving between the policy editor's findings: the table, F8 and the cursor."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Static, TextArea

from kmstui.policy import Finding

from .findings_table import SEVERITY_LABELS, FindingsTable, position
from .host import PaneHost


class FindingsNavigationMixin(PaneHost):
    """Finding navigation for :class:`PolicyEditorPane`."""

    # The pane routes the messages here: Textual finds @on handlers on widget
    # classes only, not on mixins.
    def finding_chosen(self, message: FindingsTable.Chosen) -> None:
        message.stop()
        self.go_to_finding(message.finding)

    def go_to_finding(self, finding: Finding) -> None:
        self.editor.show_span(finding.span)
        self.editor.focus()
        self.findings_table.move_to(finding)
        self._show_detail(finding)

    def _step_finding(self, forward: bool) -> None:
        if not self._findings:
            self.notify("No findings.")
            return
        row, column = self.editor.selection.end
        here = (row + 1, column + 1)
        ordered = sorted(self._findings, key=lambda f: (f.span.start.line, f.span.start.column))
        starts = [(f.span.start.line, f.span.start.column) for f in ordered]
        if forward:
            target = next((f for f, s in zip(ordered, starts, strict=True) if s > here), ordered[0])
        else:
            target = next(
                (f for f, s in zip(reversed(ordered), reversed(starts), strict=True) if s < here),
                ordered[-1],
            )
        self.go_to_finding(target)

    def action_next_finding(self) -> None:
        self._step_finding(True)

    def action_previous_finding(self) -> None:
        self._step_finding(False)

    def finding_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        table = self.findings_table
        if 0 <= event.cursor_row < len(table.findings):
            self._show_detail(table.findings[event.cursor_row])

    def cursor_moved(self, event: TextArea.SelectionChanged) -> None:
        event.stop()
        self._show_detail_for_cursor()

    def _show_detail_for_cursor(self) -> None:
        row = self.editor.selection.end[0] + 1
        on_line = [f for f in self._findings if f.span.start.line <= row <= f.span.end.line]
        self._show_detail(on_line[0] if on_line else None)

    def _show_detail(self, finding: Finding | None) -> None:
        detail = self.query_one("#policy-detail", Static)
        if finding is None:
            detail.update("")
            return
        by = "" if finding.local else f" ({finding.source})"
        detail.update(
            Text(
                f"{position(finding)} {SEVERITY_LABELS[finding.severity]} "
                f"{finding.code}{by}: {finding.message}"
            )
        )
