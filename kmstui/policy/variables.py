"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``.

Only policies with ``"Version": "2012-10-17"`` substitute them; in older
policies the text is literal. ``${*}``, ``${?}`` and ``${$}`` stand for the
literal characters, so a pattern can match a real asterisk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

LITERAL = "lit"
VARIABLE = "var"
ESCAPE = "esc"

_TOKEN = re.compile(r"\$\{(?:([*?$])|\s*([^}'\s,]+)\s*(?:,\s*'([^']*)'\s*)?)\}")


def has_variables(text: str) -> bool:
    return "${" in text


def split(text: str) -> list[tuple]:
    """``[(LITERAL, s) | (VARIABLE, key_lower, default_or_None) | (ESCAPE, ch)]``."""
    parts: list[tuple] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            parts.append((LITERAL, text[pos : m.start()]))
        if m.group(1):
            parts.append((ESCAPE, m.group(1)))
        else:
            parts.append((VARIABLE, m.group(2).lower(), m.group(3)))
        pos = m.end()
    if pos < len(text):
        parts.append((LITERAL, text[pos:]))
    return parts


def variable_names(text: str) -> list[str]:
    return [p[1] for p in split(text) if p[0] == VARIABLE]


def lookup(ctx: Mapping[str, object], key_lower: str, default: str | None) -> str | None:
    """The string a variable stands for in this request, or ``None`` when the
    request has no single value for it and the policy gives no default."""
    try:
        value = ctx[key_lower]
    except KeyError:
        return default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return default


def resolve(
    parts: list[tuple],
    ctx: Mapping[str, object],
    literal: Callable[[str], str] | None = None,
    escape: Callable[[str], str] | None = None,
    value: Callable[[str], str] | None = None,
) -> str | None:
    """Join ``parts`` for this request. ``literal``/``escape``/``value`` transform
    each kind of piece (e.g. to build a regex). ``None`` if a variable is unset."""
    out = []
    for part in parts:
        kind = part[0]
        if kind == LITERAL:
            out.append(literal(part[1]) if literal else part[1])
        elif kind == ESCAPE:
            out.append(escape(part[1]) if escape else part[1])
        else:
            text = lookup(ctx, part[1], part[2])
            if text is None:
                return None
            out.append(value(text) if value else text)
    return "".join(out)
