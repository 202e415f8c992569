"""A strict JSON parser that remembers where every value is.

The policy editor needs each element's line and column, and KMS rejects
things Python's ``json`` quietly accepts (duplicate keys, NaN, Infinity).
This parser reads RFC 8259 JSON only, records the offsets of every value and
every object key, reports duplicate keys instead of keeping the last one, and
stops at the first syntax error with a message and an exact offset. It never
raises on any input; failures are returned.

Scanning is regex driven: whitespace, numbers and escape-free strings are
single ``re`` matches, and strings with escapes go through the C scanner of
the standard ``json`` module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

# The C scanner json itself uses; typeshed does not declare it.
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any, cast

OBJECT = "object"
ARRAY = "array"
STRING = "string"
NUMBER = "number"
BOOLEAN = "boolean"
NULL = "null"

MAX_DEPTH = 200  # deeper than any policy; keeps recursion far from Python's limit

_WS = re.compile(r"[ \t\n\r]*")
# The pattern matches the empty string too, so its match is never None.
_skip_ws = cast("Callable[[str, int], re.Match[str]]", _WS.match)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_PLAIN_STRING = re.compile(r'"([^"\\\x00-\x1f]*)"')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|-Infinity")


class Node:
    """A JSON value with its offsets in the text (``end`` is exclusive).

    Objects keep ``pairs`` — ``(key, key_start, key_end, value)`` in text
    order, duplicates included — and ``value``, a dict of the last node per key.
    """

    __slots__ = ("kind", "value", "start", "end", "pairs")

    def __init__(
        self,
        kind: str,
        value: Any,
        start: int,
        end: int,
        pairs: Any = None,  # (key, key_start, key_end, value) of an object; see above
    ):
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end
        self.pairs = pairs

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.value!r}, {self.start}, {self.end})"

    def to_python(self) -> Any:
        """The plain value, as ``json.loads`` would give it (last duplicate wins)."""
        if self.kind == OBJECT:
            return {k: v.to_python() for k, v in self.value.items()}
        if self.kind == ARRAY:
            return [v.to_python() for v in self.value]
        return self.value


@dataclass
class Duplicate:
    key: str
    start: int  # offset of the repeated key
    end: int
    first_start: int


@dataclass
class ParseResult:
    root: Node | None
    error: str | None = None
    error_offset: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


class _Failure(Exception):
    def __init__(self, message: str, offset: int):
        self.message = message
        self.offset = offset


class _Parser:
    __slots__ = ("text", "duplicates")

    def __init__(self, text: str):
        self.text = text
        self.duplicates: list[Duplicate] = []

    def value(self, pos: int, depth: int) -> Node:
        text = self.text
        try:
            ch = text[pos]
        except IndexError:
            raise _Failure("Expecting a value, found the end of the text", pos) from None
        if ch == '"':
            return self.string(pos)
        if ch == "{":
            return self.object(pos, depth + 1)
        if ch == "[":
            return self.array(pos, depth + 1)
        if ch == "-" or "0" <= ch <= "9":
            m = _NUMBER.match(text, pos)
            if m is None:
                if text.startswith("-Infinity", pos):
                    raise _Failure("-Infinity is not valid JSON", pos)
                raise _Failure("Invalid number", pos)
            s = m.group()
            end = m.end()
            number = float(s) if ("." in s or "e" in s or "E" in s) else int(s)
            return Node(NUMBER, number, pos, end)
        if text.startswith("true", pos):
            return Node(BOOLEAN, True, pos, pos + 4)
        if text.startswith("false", pos):
            return Node(BOOLEAN, False, pos, pos + 5)
        if text.startswith("null", pos):
            return Node(NULL, None, pos, pos + 4)
        raise _Failure(self._unexpected(pos), pos)

    def _unexpected(self, pos: int) -> str:
        text = self.text
        ch = text[pos]
        if ch == "/" and text[pos + 1 : pos + 2] in ("/", "*"):
            return "Comments are not allowed in JSON"
        if ch == "'":
            return "Strings must be enclosed in double quotes"
        m = _WORD.match(text, pos)
        if m:
            word = m.group()
            if word in ("NaN", "Infinity", "-Infinity"):
                return f"{word} is not valid JSON"
            return f"Unexpected word {word!r}; expecting a value"
        return f"Unexpected character {ch!r}; expecting a value"

    def string(self, pos: int) -> Node:
        m = _PLAIN_STRING.match(self.text, pos)
        if m is not None:
            return Node(STRING, m.group(1), pos, m.end())
        try:
            s, end = scanstring(self.text, pos + 1, True)
        except json.JSONDecodeError as exc:
            raise _Failure(_string_message(exc.msg), exc.pos) from None
        return Node(STRING, s, pos, end)

    def object(self, start: int, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise _Failure("Nesting too deep", start)
        text = self.text
        ws = _skip_ws
        members: dict[str, Node] = {}
        first: dict[str, int] = {}
        pairs: list[tuple[str, int, int, Node]] = []
        pos = ws(text, start + 1).end()
        if text[pos : pos + 1] == "}":
            return Node(OBJECT, members, start, pos + 1, pairs)
        while True:
            if text[pos : pos + 1] != '"':
                if pos >= len(text):
                    raise _Failure("Unterminated object: expecting '}'", pos)
                if pairs and text[pos] == "}":
                    raise _Failure("Trailing comma before '}'", pos)
                if text[pos] == "'":
                    raise _Failure("Property names must be enclosed in double quotes", pos)
                if text[pos] == "/" and text[pos + 1 : pos + 2] in ("/", "*"):
                    raise _Failure("Comments are not allowed in JSON", pos)
                raise _Failure("Expecting a property name in double quotes", pos)
            key_node = self.string(pos)
            key = key_node.value
            pos = ws(text, key_node.end).end()
            if text[pos : pos + 1] != ":":
                raise _Failure("Expecting ':' after the property name", pos)
            pos = ws(text, pos + 1).end()
            val = self.value(pos, depth)
            if key in members:
                self.duplicates.append(Duplicate(key, key_node.start, key_node.end, first[key]))
            else:
                first[key] = key_node.start
            members[key] = val
            pairs.append((key, key_node.start, key_node.end, val))
            pos = ws(text, val.end).end()
            ch = text[pos : pos + 1]
            if ch == ",":
                pos = ws(text, pos + 1).end()
                continue
            if ch == "}":
                return Node(OBJECT, members, start, pos + 1, pairs)
            if not ch:
                raise _Failure("Unterminated object: expecting ',' or '}'", pos)
            if ch == '"':
                raise _Failure("Expecting ',' between members", pos)
            if ch == "/" and text[pos + 1 : pos + 2] in ("/", "*"):
                raise _Failure("Comments are not allowed in JSON", pos)
            raise _Failure("Expecting ',' or '}'", pos)

    def array(self, start: int, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise _Failure("Nesting too deep", start)
        text = self.text
        ws = _skip_ws
        items: list[Node] = []
        pos = ws(text, start + 1).end()
        if text[pos : pos + 1] == "]":
            return Node(ARRAY, items, start, pos + 1)
        while True:
            if items and text[pos : pos + 1] == "]":
                raise _Failure("Trailing comma before ']'", pos)
            val = self.value(pos, depth)
            items.append(val)
            pos = ws(text, val.end).end()
            ch = text[pos : pos + 1]
            if ch == ",":
                pos = ws(text, pos + 1).end()
                continue
            if ch == "]":
                return Node(ARRAY, items, start, pos + 1)
            if not ch:
                raise _Failure("Unterminated array: expecting ',' or ']'", pos)
            if ch == "/" and text[pos + 1 : pos + 2] in ("/", "*"):
                raise _Failure("Comments are not allowed in JSON", pos)
            raise _Failure("Expecting ',' or ']'", pos)


def _string_message(msg: str) -> str:
    if msg.startswith("Unterminated string"):
        return "Unterminated string"
    if msg.startswith("Invalid control character"):
        return "Control characters must be escaped inside strings"
    if msg.startswith("Invalid \\escape") or msg.startswith("Invalid \\u"):
        return "Invalid escape sequence in string"
    return msg


def parse(text: str) -> ParseResult:
    """Parse ``text``; never raises. See :class:`ParseResult`."""
    if not isinstance(text, str):
        return ParseResult(None, "The policy must be text", 0)
    parser = _Parser(text)
    pos = _skip_ws(text, 0).end()
    if pos >= len(text):
        return ParseResult(None, "The policy is empty", pos)
    try:
        root = parser.value(pos, 0)
        end = _skip_ws(text, root.end).end()
        if end < len(text):
            raise _Failure("Extra data after the end of the policy document", end)
    except _Failure as failure:
        return ParseResult(None, failure.message, failure.offset, parser.duplicates)
    except RecursionError:  # pragma: no cover - MAX_DEPTH should prevent it
        return ParseResult(None, "Nesting too deep", pos, parser.duplicates)
    return ParseResult(root, None, 0, parser.duplicates)
