"""What an event records of a request: the members its operation defines, minus its
secrets, as CloudTrail records requestParameters.

The operation's input shape is the allow-list: a member the shape does not define is
left out (so a request with thousands of made-up members makes an event no larger than
one without them), and so is every member the model marks sensitive, every blob
(plaintexts, key material, import tokens, private keys, shared secrets ...) and every
member named in ``SECRET_MEMBERS`` (grant tokens). A value that does not fit its shape
(a request refused for it) is left out too. Strings, lists and maps are cut to the
length the model allows them, or to a fixed bound where it states none, so a record
stays bounded in bytes. Member names come out in CloudTrail's camelCase; the keys of
a map (an encryption context, tags) stay as they are.
"""

from __future__ import annotations

from typing import Any

from kmstui.events import SECRET_MEMBERS
from kmstui.model import LIST, MAP, STRING, STRUCTURE, Shape

__all__ = ["recorded", "record_value", "plan_of", "LEFT_OUT", "MAX_TEXT", "MAX_ITEMS"]

MAX_TEXT = 64 * 1024  # characters of a string whose shape states no bound
MAX_ITEMS = 1000  # items of a list or map whose shape states no bound
MAX_DEPTH = 32
_SCALARS = (str, int, float, bool)
LEFT_OUT = _LEFT_OUT = object()  # what record_value gives for a value left out


def recorded(shape: Shape, params: dict) -> dict:
    """The members of ``params`` an event records, as CloudTrail names them (a new
    dict; never raises, whatever ``params`` holds)."""
    return _structure(shape, params, 0)


def plan_of(shape: Shape) -> dict[str, tuple[str, Shape]]:
    """member name -> (camelCase name, shape), for the members of a structure a
    record may keep (made once a shape)."""
    plan = {
        name: (name[:1].lower() + name[1:], member)
        for name, member in shape.members.items()
        if not member.secret and name not in SECRET_MEMBERS
    }
    shape.plan = plan
    return plan


def _structure(shape: Shape, value: dict, depth: int) -> dict:
    plan = shape.plan
    if plan is None:
        plan = plan_of(shape)
    out: dict[str, Any] = {}
    for name, item in value.items():
        entry = plan.get(name)
        if entry is None:
            continue
        camel, member = entry
        if item is None:
            out[camel] = None
        elif item.__class__ is str and member.kind is STRING:  # the usual case
            limit = member.max or MAX_TEXT
            out[camel] = item if len(item) <= limit else item[:limit]
        elif member.kind is MAP and item.__class__ is dict and _short_text_map(member, item):
            out[camel] = item  # shared, not copied: the record is encoded at once
        else:
            kept = record_value(member, item, depth)
            if kept is not _LEFT_OUT:
                out[camel] = kept
    return out


def _short_text_map(shape: Shape, value: dict) -> bool:
    """Whether ``value`` is a map of text to text within the bounds a record keeps."""
    key_shape, value_shape = shape.key, shape.value
    assert key_shape is not None and value_shape is not None
    if key_shape.kind is not STRING or value_shape.kind is not STRING:
        return False
    if len(value) > (shape.max or MAX_ITEMS):
        return False
    try:  # one join a side (a TypeError if any is not text); short in all: each is
        return len("".join(value)) <= (key_shape.max or MAX_TEXT) and len(
            "".join(value.values())
        ) <= (value_shape.max or MAX_TEXT)
    except TypeError:
        return False


def record_value(shape: Shape, value: Any, depth: int) -> Any:
    """What a record keeps of ``value`` (of ``shape``), or LEFT_OUT."""
    kind = shape.kind
    if kind == STRING:
        if isinstance(value, str):
            limit = shape.max or MAX_TEXT
            return value if len(value) <= limit else value[:limit]
        return _LEFT_OUT
    if kind == STRUCTURE:
        if isinstance(value, dict) and depth < MAX_DEPTH:
            return _structure(shape, value, depth + 1)
        return _LEFT_OUT
    if kind == LIST:
        member = shape.member
        assert member is not None
        if not isinstance(value, list) or depth >= MAX_DEPTH or member.secret:
            return _LEFT_OUT
        items = (record_value(member, item, depth + 1) for item in value[: shape.max or MAX_ITEMS])
        return [item for item in items if item is not _LEFT_OUT]
    if kind == MAP:
        key_shape, value_shape = shape.key, shape.value
        assert key_shape is not None and value_shape is not None
        if not isinstance(value, dict) or depth >= MAX_DEPTH or value_shape.secret:
            return _LEFT_OUT
        limit = shape.max or MAX_ITEMS
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if len(out) >= limit:
                break
            key = record_value(key_shape, key, depth + 1)
            if key is _LEFT_OUT:
                continue
            item = None if item is None else record_value(value_shape, item, depth + 1)
            if item is not _LEFT_OUT:
                out[key] = item
        return out
    # Scalars: numbers, booleans, timestamps (or text, as the query protocols send
    # them); a whole number too long to write is left out.
    if isinstance(value, _SCALARS):
        if isinstance(value, int) and value.bit_length() > 64:
            return _LEFT_OUT
        if isinstance(value, str) and len(value) > MAX_TEXT:
            return value[:MAX_TEXT]
        return value
    return _LEFT_OUT
