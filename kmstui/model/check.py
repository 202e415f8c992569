"""The whole request checked against its operation's input shape, before the handler
runs, as AWS deserialises a request before it validates it.

Every member the shape defines must hold a value of its type, at every depth, whether
the handler reads it or not: a string (valid Unicode: no lone surrogate), a whole
number in range for integers and longs, a boolean, a blob, a timestamp, a list, a map
or a structure. A null member counts as absent. Members the shape does not define are
dropped (AWS ignores them), so a handler and what it stores only ever see modelled
members. Bounds, patterns, enums and required members are left to the handlers, which
report them in AWS's words.

How a wrong type is reported follows the service's protocol: KMS (AWS JSON) answers
``SerializationException``; IAM (query) ``ValidationError``; EC2 ``InvalidParameterValue``.
The query protocols carry every scalar as text, so there a string is also accepted for
a number, a boolean or a timestamp (the handler parses it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kmstui.errors import AwsError, SerializationException, ec2_error, iam_error
from kmstui.model import (
    BLOB,
    BOOLEAN,
    FLOATS,
    INTEGERS,
    LIST,
    MAP,
    STRING,
    STRUCTURE,
    TIMESTAMP,
    ServiceModel,
    Shape,
)
from kmstui.model.record import LEFT_OUT, MAX_ITEMS, MAX_TEXT, plan_of, record_value

__all__ = ["RequestChecker", "MAX_DEPTH"]

MAX_DEPTH = 32  # deeper than any shape of the models; a guard against recursive shapes
_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_BLOBS = (bytes, bytearray, memoryview)
_NUMBERS = (int, float)

# What each kind expects, as the messages say it.
_EXPECTED = {
    STRING: "a string",
    BLOB: "a blob",
    BOOLEAN: "a boolean",
    TIMESTAMP: "a timestamp",
    "integer": "an integer",
    "long": "an integer",
    "float": "a number",
    "double": "a number",
    LIST: "a list",
    MAP: "a map",
    STRUCTURE: "a structure",
}


class _Refused(Exception):
    """A value that does not fit its shape: ``path`` is filled in on the way out."""

    def __init__(self, problem: str, value: Any):
        self.problem = problem
        self.value = value
        self.path: list[str] = []


class RequestChecker:
    """Checks requests against one service's model (see the module's docstring)."""

    def __init__(self, model: ServiceModel):
        self.model = model
        self.text_scalars = model.protocol != "json"  # query protocols: scalars as text
        self._report = _REPORTS.get(model.protocol, _json_error)

    def input(self, operation: str) -> Shape | None:
        """The input shape of ``operation`` (None: it has none in the model)."""
        return self.model.input(operation)

    def check(self, shape: Shape, params: dict) -> tuple[dict, dict]:
        """``params`` with only the members ``shape`` defines (the same object when it
        has no other) and what its event records of it (see
        :func:`kmstui.model.record.recorded`), made in the same pass; or the
        service's error for the first value that does not fit."""
        fields = shape.fields
        if fields is None:
            fields = _fields(shape)
        kept: dict[str, Any] = {}
        changed: dict | None = None
        unknown = False
        for name, item in params.items():
            field = fields.get(name) if name.__class__ is str else None
            if field is None:
                unknown = True
                continue
            member, kind, camel, limit = field  # camel None: a secret, never recorded
            if item is None:
                if camel is not None:
                    kept[camel] = None
                continue
            cls = item.__class__
            # The usual cases first, without a call: ASCII text, bytes, text maps.
            if kind is STRING:
                if cls is str and item.isascii():
                    if camel is not None:
                        kept[camel] = item if len(item) <= limit else item[:limit]
                    continue
            elif kind is BLOB:
                if cls is bytes:
                    continue
            elif kind is MAP and limit is not None and cls is dict and len(item) <= limit[0]:
                # Each entry's key and value joined: a TypeError unless both are text;
                # ASCII and short enough, both are as the check and the record want.
                entry_limit = limit[1]
                try:
                    for key, text in item.items():
                        joined = key + text
                        if not joined.isascii() or len(joined) > entry_limit:
                            break
                    else:  # kept as it is: shared, not copied, as it is encoded at once
                        if camel is not None:
                            kept[camel] = item
                        continue
                except TypeError:
                    pass
            try:
                checked = self._value(member, item, 1)
            except _Refused as refused:
                refused.path.append(name)
                raise self._report(refused) from None
            except RecursionError:  # not reached with MAX_DEPTH; never a raw exception
                raise self._report(_Refused("is nested too deeply", None)) from None
            if checked is not item:
                if changed is None:
                    changed = {}
                changed[name] = checked
            if camel is not None:
                value = record_value(member, checked, 1)
                if value is not LEFT_OUT:
                    kept[camel] = value
        if not unknown and changed is None:
            return params, kept
        out = {k: v for k, v in params.items() if k.__class__ is str and k in fields}
        if changed:
            out.update(changed)
        return out, kept

    # -- the walk ---------------------------------------------------------------------
    def _value(self, shape: Shape, value: Any, depth: int) -> Any:
        kind = shape.kind
        cls = value.__class__
        if kind == STRING:
            if cls is str or isinstance(value, str):
                if not value.isascii():
                    _check_unicode(value)
                return value
        elif kind == STRUCTURE:
            if isinstance(value, dict):
                return self._structure(shape, value, depth + 1)
        elif kind == BLOB:
            if isinstance(value, _BLOBS) or (self.text_scalars and isinstance(value, str)):
                return value
        elif kind in INTEGERS:
            if cls is int or (isinstance(value, int) and cls is not bool):
                low, high = _RANGES[kind]
                if not low <= value <= high:
                    raise _Refused("is out of range for " + _EXPECTED[kind], value)
                return value
            if self.text_scalars and isinstance(value, str):
                return value
        elif kind == BOOLEAN:
            if cls is bool or (self.text_scalars and isinstance(value, str)):
                return value
        elif kind == LIST:
            if isinstance(value, list):
                return self._list(shape, value, depth + 1)
        elif kind == MAP:
            if isinstance(value, dict):
                return self._map(shape, value, depth + 1)
        elif kind == TIMESTAMP:
            if (isinstance(value, _NUMBERS) and cls is not bool) or isinstance(value, datetime):
                return value
            if self.text_scalars and isinstance(value, str):
                return value
        elif kind in FLOATS:
            if isinstance(value, _NUMBERS) and cls is not bool:
                return value
            if self.text_scalars and isinstance(value, str):
                return value
        else:  # a kind this checker does not know: nothing to hold it to
            return value
        raise _Refused("expected " + _EXPECTED.get(kind, kind), value)

    def _structure(self, shape: Shape, value: dict, depth: int) -> dict:
        if depth > MAX_DEPTH:
            raise _Refused("is nested too deeply", None)
        members = shape.members
        changed: dict | None = None  # members whose checked value is a new object
        unknown = False
        for name, item in value.items():
            member = members.get(name) if name.__class__ is str else None
            if member is None:
                unknown = True
                continue
            if item is None:
                continue
            kind = member.kind
            cls = item.__class__
            # The usual cases first, without a call: ASCII text, bytes, text maps.
            if kind is STRING:
                if cls is str and item.isascii():
                    continue
            elif kind is BLOB:
                if cls is bytes:
                    continue
            elif kind is MAP and cls is dict and _text_map(member, item):
                continue
            try:
                checked = self._value(member, item, depth)
            except _Refused as refused:
                refused.path.append(name)
                raise
            if checked is not item:
                if changed is None:
                    changed = {}
                changed[name] = checked
        if not unknown and changed is None:
            return value
        out = {
            name: item for name, item in value.items() if name.__class__ is str and name in members
        }
        if changed:
            out.update(changed)
        return out

    def _list(self, shape: Shape, value: list, depth: int) -> list:
        if depth > MAX_DEPTH:
            raise _Refused("is nested too deeply", None)
        member = shape.member
        assert member is not None
        out = value
        for index, item in enumerate(value):
            if item is None:
                continue
            try:
                checked = self._value(member, item, depth)
            except _Refused as refused:
                refused.path.append(f"[{index}]")
                raise
            if checked is not item:
                if out is value:
                    out = list(value)
                out[index] = checked
        return out

    def _map(self, shape: Shape, value: dict, depth: int) -> dict:
        if depth > MAX_DEPTH:
            raise _Refused("is nested too deeply", None)
        if _text_map(shape, value):
            return value
        key_shape, value_shape = shape.key, shape.value
        assert key_shape is not None and value_shape is not None
        out = value
        for key, item in value.items():
            try:
                self._value(key_shape, key, depth)
                checked = item if item is None else self._value(value_shape, item, depth)
            except _Refused as refused:
                refused.path.append(f"[{_shown(key)}]")
                raise
            if checked is not item:
                if out is value:
                    out = dict(value)
                out[key] = checked
        return out


def _fields(shape: Shape) -> dict[str, tuple[Shape, str, str | None, Any]]:
    """member name -> (shape, kind, camelCase name or None for a secret, bound): what
    :meth:`RequestChecker.check` needs of each member, at hand. The bound is a
    string's greatest length as a record keeps it, or, for a map of strings to
    strings, (items, the length a key and its value may have together and each be
    within its own bound)."""
    plan = shape.plan if shape.plan is not None else plan_of(shape)
    fields = {}
    for name, member in shape.members.items():
        bound: Any = None
        if member.kind is STRING:
            bound = member.max or MAX_TEXT
        elif member.kind is MAP:
            key, value = member.key, member.value
            assert key is not None and value is not None
            if key.kind is STRING and value.kind is STRING:
                bound = (member.max or MAX_ITEMS, min(key.max or MAX_TEXT, value.max or MAX_TEXT))
        entry = plan.get(name)
        fields[name] = (member, member.kind, entry[0] if entry else None, bound)
    shape.fields = fields
    return fields


def _text_map(shape: Shape, value: dict) -> bool:
    """Whether ``value`` is a short map of ASCII text to ASCII text that ``shape`` (a
    map of strings to strings) takes, and a record keeps, as it is: the usual
    encryption context or tag map."""
    key_shape, value_shape = shape.key, shape.value
    if key_shape.kind is not STRING or value_shape.kind is not STRING:  # type: ignore[union-attr]
        return False
    if len(value) > (shape.max or MAX_ITEMS):
        return False
    key_limit = key_shape.max or MAX_TEXT  # type: ignore[union-attr]
    value_limit = value_shape.max or MAX_TEXT  # type: ignore[union-attr]
    for key, item in value.items():
        if (
            key.__class__ is not str
            or item.__class__ is not str
            or not key.isascii()
            or not item.isascii()
            or len(key) > key_limit
            or len(item) > value_limit
        ):
            return False
    return True


def _check_unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8, no JSON AWS would accept
        raise _Refused("must be valid Unicode text (it holds a lone surrogate)", None) from None


def _path(refused: _Refused) -> str:
    parts = refused.path[::-1]
    return "".join(
        part if part.startswith("[") or not i else "." + part for i, part in enumerate(parts)
    )


def _shown(value: Any, limit: int = 64) -> str:
    """A short, printable form of ``value`` for a message (never a lone surrogate)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int) and value.bit_length() > 200:
        return "a number too long to show"
    text = value if isinstance(value, str) else str(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_error(refused: _Refused) -> AwsError:
    problem = refused.problem
    if problem.startswith("expected "):
        return SerializationException(f"Unexpected value type for {_path(refused)}: {problem}")
    return SerializationException(f"Unexpected value for {_path(refused)}: it {problem}")


def _query_error(refused: _Refused) -> AwsError:
    return iam_error("ValidationError", f"Invalid value for {_path(refused)}: {_said(refused)}")


def _ec2_error(refused: _Refused) -> AwsError:
    shown = _shown(refused.value) if refused.value is not None else "..."
    return ec2_error(
        "InvalidParameterValue",
        f"Value ({shown}) for parameter {_path(refused)} is invalid: {_said(refused)}.",
    )


def _said(refused: _Refused) -> str:
    problem = refused.problem
    return problem if problem.startswith("expected ") else f"it {problem}"


_REPORTS = {"json": _json_error, "query": _query_error, "ec2": _ec2_error}
