"""The findings list under the editor, and the words the status line uses."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from kmstui.policy import ERROR, SECURITY_WARNING, SUGGESTION, WARNING, Finding

SEVERITY_LABELS = {ERROR: "ERROR", SECURITY_WARNING: "SEC", WARNING: "WARN", SUGGESTION: "HINT"}
_LABEL_STYLES = {
    ERROR: "bold #ff5f5f",
    SECURITY_WARNING: "bold #e88cff",
    WARNING: "bold #ffd75f",
    SUGGESTION: "#87afd7",
}
_COUNT_WORDS = (
    (ERROR, "error", "errors"),
    (SECURITY_WARNING, "security warning", "security warnings"),
    (WARNING, "warning", "warnings"),
    (SUGGESTION, "suggestion", "suggestions"),
)


def summarize(findings: Sequence[Finding]) -> str:
    """``"2 errors, 3 warnings"``; ``"No findings"`` when there are none."""
    parts = []
    for severity, one, many in _COUNT_WORDS:
        count = sum(1 for f in findings if f.severity == severity)
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    return ", ".join(parts) if parts else "No findings"


def position(finding: Finding) -> str:
    return f"{finding.span.start.line}:{finding.span.start.column}"


def message_text(finding: Finding) -> Text:
    """The finding's message, led by who reported it when that is not the console's
    own validator (``Access Analyzer: ...``)."""
    text = Text()
    if not finding.local:
        text.append(f"{finding.source}: ", style="italic #87afd7")
    text.append(finding.message)
    return text


class FindingsTable(DataTable):
    """One row per finding: severity (as a word), line:column, code, message (led by
    its source when another service reported it). Choosing a row posts
    :class:`FindingsTable.Chosen`."""

    class Chosen(Message):
        def __init__(self, finding: Finding) -> None:
            self.finding = finding
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.findings: list[Finding] = []

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        # The message column takes what is left, so the table never scrolls sideways
        # (the detail line under the table shows a whole message).
        code_width = min(36, max([len(f.code) for f in self.findings] or [4]))
        used = 5 + 8 + code_width + 4 * 2 * self.cell_padding + 2  # + a vertical scrollbar
        self.add_column("Sev", key="severity", width=5)
        self.add_column("Line:Col", key="position", width=8)
        self.add_column("Code", key="code", width=code_width)
        self.add_column("Message", key="message", width=max(12, self.size.width - used))
        self._fitted_width = self.size.width

    def on_resize(self) -> None:
        if self.size.width != getattr(self, "_fitted_width", None):
            self.show(self.findings)

    def show(self, findings: Sequence[Finding]) -> None:
        row = self.cursor_row
        self.findings = list(findings)
        self.clear(columns=True)
        self._add_columns()
        for index, finding in enumerate(self.findings):
            # Text (never markup) so a message quoting policy text cannot inject styles.
            self.add_row(
                Text(SEVERITY_LABELS[finding.severity], style=_LABEL_STYLES[finding.severity]),
                Text(position(finding)),
                Text(finding.code),
                message_text(finding),
                key=str(index),
            )
        if self.findings:
            self.move_cursor(row=min(row, len(self.findings) - 1), animate=False)

    def move_to(self, finding: Finding) -> None:
        try:
            index = self.findings.index(finding)
        except ValueError:
            return
        self.move_cursor(row=index)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        index = event.cursor_row
        if 0 <= index < len(self.findings):
            self.post_message(self.Chosen(self.findings[index]))
