"""A unified diff of two policy texts, styled but still readable as plain + and -."""

from __future__ import annotations

import difflib

from rich.text import Text

_LINE_STYLES = (
    ("+++", "bold"),
    ("---", "bold"),
    ("@@", "bold #5fafd7"),
    ("+", "#87d787"),
    ("-", "#ff8787"),
)


def unified_diff(stored: str, edited: str, *, stored_name: str, edited_name: str) -> list[str]:
    """The lines of a unified diff (three lines of context), without line ends."""
    return list(
        difflib.unified_diff(
            stored.splitlines(),
            edited.splitlines(),
            fromfile=stored_name,
            tofile=edited_name,
            lineterm="",
        )
    )


def diff_stats(lines: list[str]) -> tuple[int, int]:
    """Lines added and removed."""
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    return added, removed


def render_diff(lines: list[str]) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for index, line in enumerate(lines):
        style = next((s for prefix, s in _LINE_STYLES if line.startswith(prefix)), "")
        if index:
            text.append("\n")
        text.append(line, style=style)
    return text
