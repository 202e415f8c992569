"""What the validator reports and the helpers every check shares: the findings of one
text with their spans, a did-you-mean for a misspelt name, and the string items of an
element that may be a string or a list of strings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from difflib import get_close_matches

from .findings import ERROR, Finding, LineIndex
from .jsonpos import ARRAY, STRING, Node


def did_you_mean(
    word: str, choices: Iterable[str], *, fold: Callable[[str], str] = str.lower
) -> str:
    """`` Did you mean X?`` for the closest of ``choices``, or ``""``."""
    folded = {fold(c): c for c in choices}
    close = get_close_matches(fold(word), list(folded), n=1, cutoff=0.6)
    return f" Did you mean {folded[close[0]]}?" if close else ""


class Report:
    """Collects findings; turns offsets into spans only for what it reports."""

    def __init__(self, text: str):
        self.lines = LineIndex(text)
        self.findings: list[Finding] = []

    def add(self, severity: str, code: str, message: str, start: int, end: int) -> None:
        self.findings.append(Finding(severity, code, message, self.lines.span(start, end)))

    def at(self, severity: str, code: str, message: str, node: Node) -> None:
        self.add(severity, code, message, node.start, node.end)

    def at_key(self, severity: str, code: str, message: str, obj: Node, key: str) -> None:
        for name, start, end, _value in obj.pairs:
            if name == key:
                self.add(severity, code, message, start, end)
                return
        self.add(severity, code, message, obj.start, obj.start + 1)

    @property
    def has_error(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)


def type_name(node: Node) -> str:
    return {
        "object": "an object",
        "array": "an array",
        "string": "a string",
        "number": "a number",
        "boolean": "a boolean",
        "null": "null",
    }[node.kind]


def string_items(report: Report, node: Node, element: str) -> list[Node]:
    """The string nodes of a string-or-array element, reporting wrong types."""
    if node.kind == STRING:
        return [node]
    if node.kind == ARRAY:
        items = []
        for item in node.value:
            if item.kind == STRING:
                items.append(item)
            else:
                report.at(
                    ERROR,
                    "DATA_TYPE_MISMATCH",
                    f"Each {element} entry must be a string, not {type_name(item)}.",
                    item,
                )
        return items
    report.at(
        ERROR,
        "DATA_TYPE_MISMATCH",
        f"{element} must be a string or an array of strings, not {type_name(node)}.",
        node,
    )
    return []
