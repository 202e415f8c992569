"""How the console writes values: dates, key states, durations. State is always
spelled out in words; colour only repeats it."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.content import Content

# The style a state is drawn in; the word itself is always shown.
_STATES = {
    "Enabled": "$success",
    "Disabled": "$warning",
    "PendingDeletion": "$error",
    "PendingImport": "$warning",
    "Unavailable": "$error",
}
_TABLE_STATES = {
    "Enabled": "green",
    "Disabled": "yellow",
    "PendingDeletion": "bold red",
    "Unavailable": "red",
}


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the last one an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def date(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(float(epoch), UTC).strftime("%Y-%m-%d %H:%M")


def day(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(float(epoch), UTC).strftime("%Y-%m-%d")


def markup(template: str, **values: object) -> Content:
    """Console markup with user text substituted as ``$name``: the values are never
    parsed as markup, so an alias or message containing ``[/`` shows as written."""
    return Content.from_markup(template, **{k: str(v) for k, v in values.items()})


def state_markup(state: str) -> Content:
    return markup(f"[{_STATES.get(state, '$foreground')}]$state[/]", state=state)


def state_text(state: str) -> Text:
    return Text(state, style=_TABLE_STATES.get(state, ""))


def plain(value: object) -> Text:
    """User-provided text as a Text object: never parsed as markup."""
    return Text("" if value is None else str(value))


def short_arn(arn: str) -> str:
    """``arn:aws:iam::111122223333:user/auditor`` -> ``user/auditor (111122223333)``."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        return f"{parts[5]} ({parts[4]})"
    return arn
