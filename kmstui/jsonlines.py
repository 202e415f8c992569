"""One JSON value per line, as the event stream and the event log keep records.

orjson does the work. What it refuses, the standard library takes instead: a lone
surrogate in a string (escaped, so the line stays ASCII-safe UTF-8), an integer past
64 bits, a key that is not a string, and (written as its ``str``) any other value,
except bytes: a blob is written as null, never as its contents (records keep secrets
out by dropping blobs; one that slips through, say as a value in a malformed map,
still never reaches a line). So encoding never fails, and every line decodes back.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps_line", "loads_line"]

_NEWLINE = orjson.OPT_APPEND_NEWLINE


def dumps_line(value: Any) -> bytes:
    """``value`` as compact JSON followed by a newline."""
    try:
        return orjson.dumps(value, option=_NEWLINE)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        pass
    try:
        text = json.dumps(value, separators=(",", ":"), default=_other)
    except (TypeError, ValueError):  # a key json cannot write either, or a cycle
        text = json.dumps(_plain(value), separators=(",", ":"), default=_other)
    return text.encode("ascii") + b"\n"


def _other(value: Any) -> Any:
    """What json writes for a value it has no form for: null for bytes, else text."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None
    return str(value)


def _plain(value: Any, depth: int = 0) -> Any:
    """``value`` with every key a string (and nesting past 100 levels as text)."""
    if depth > 100:
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    return value


def loads_line(line: bytes | bytearray | memoryview | str) -> Any:
    """The value of one line. Raises ValueError for a line that is not JSON."""
    try:
        return orjson.loads(line)
    except ValueError:  # orjson refuses escaped lone surrogates; json reads them
        return json.loads(bytes(line) if isinstance(line, memoryview) else line)
