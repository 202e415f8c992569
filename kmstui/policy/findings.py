"""Findings: what the validator says about a policy, and where.

Positions are what a person or a CI tool reads: lines and columns both count
from 1, the convention of Python's ``json.JSONDecodeError`` (``lineno`` and
``colno``). A span's end is the position just after its last character.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

ERROR = "ERROR"
SECURITY_WARNING = "SECURITY_WARNING"
WARNING = "WARNING"
SUGGESTION = "SUGGESTION"

SEVERITIES = (ERROR, SECURITY_WARNING, WARNING, SUGGESTION)

# Who reported a finding: this validator, or a service that validated the text too.
LOCAL = "local"
ACCESS_ANALYZER = "Access Analyzer"


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int

    def to_json(self) -> dict:
        return {"line": self.line, "column": self.column}


@dataclass(frozen=True, order=True)
class Span:
    start: Position
    end: Position

    def to_json(self) -> dict:
        return {"start": self.start.to_json(), "end": self.end.to_json()}


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    span: Span
    source: str = LOCAL  # LOCAL, or the service that reported it (ACCESS_ANALYZER)

    @property
    def local(self) -> bool:
        return self.source == LOCAL

    def to_json(self) -> dict:
        shown = {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "span": self.span.to_json(),
        }
        if not self.local:
            shown["source"] = self.source
        return shown

    def __str__(self) -> str:
        start = self.span.start
        by = "" if self.local else f" ({self.source})"
        return f"{start.line}:{start.column} {self.severity} {self.code}{by} {self.message}"


class LineIndex:
    """Turns character offsets into positions.

    Offsets are what the parser tracks (cheap); positions are only computed for
    the few nodes a finding points at, so the line table is built lazily.
    """

    __slots__ = ("_text", "_starts")

    def __init__(self, text: str):
        self._text = text
        self._starts: list[int] | None = None

    def position(self, offset: int) -> Position:
        starts = self._starts
        if starts is None:
            starts = [0]
            find = self._text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._starts = starts
        line = bisect_right(starts, offset)
        return Position(line, offset - starts[line - 1] + 1)

    def span(self, start: int, end: int) -> Span:
        return Span(self.position(start), self.position(max(end, start)))


def sort_key(finding: Finding) -> tuple:
    return (finding.span.start, SEVERITIES.index(finding.severity), finding.code)
