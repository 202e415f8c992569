"""Requests in AWS's Query protocols (STS, IAM) and EC2's variant of it.

A Query request is a form-encoded ``POST`` body: ``Action=<Operation>``,
``Version=<API version>`` and the operation's input flattened into dotted names.
:func:`decode` rebuilds the input as the engine takes it (AWS member names, lists as
lists) by walking the operation's input shape from :mod:`kmstui.model`:

- Query (``query``): a list ``Names`` is sent as ``Names.member.1``, ``Names.member.2``
  ... (``Names.1`` when the model marks it flattened); a map as
  ``Name.entry.N.key`` / ``.value``; a structure's members as ``Name.Member``.
- EC2 (``ec2``): a list is always flat (``VolumeId.1``), and each member is sent under
  its ``queryName``, else its ``locationName`` with the first letter upper-cased, else
  its member name.

Scalars arrive as text: integers and booleans are converted when they read as one and
otherwise left as sent, for the engine's request check to refuse by the member's name.

:func:`encode` is the client side: the form fields that send an input, as
``kmstui call --endpoint-url`` does.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from kmstui.errors import AwsError
from kmstui.model import BOOLEAN, INTEGERS, LIST, MAP, STRUCTURE, ServiceModel, Shape

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 10_000
MAX_NAME = 512  # longer field names reach no member
MAX_DEPTH = 16  # nor do names of more dotted parts
_INDEX = re.compile(r"[1-9][0-9]{0,5}")


def is_form(content_type: str | None) -> bool:
    return content_type is not None and (
        content_type.partition(";")[0].strip().lower() == FORM_CONTENT_TYPE
    )


def parse_form(body: bytes) -> dict[str, str]:
    """The body's fields (the first value of a name sent twice)."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise AwsError(
            "The request body is not a valid form-encoded (UTF-8) Query request.",
            code="MalformedQueryString",
            status=400,
        ) from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def decode(model: ServiceModel, operation: str, fields: dict[str, str]) -> dict:
    """The operation's input from a Query request's fields."""
    shape = model.input(operation)
    if shape is None:
        return {}
    names = _Names(fields)
    return _structure(model, shape, "", names)


class _Names:
    """The fields, indexed once by prefix: for each dotted prefix (``Tags.member.``),
    the segments that follow it. Names longer or deeper than any shape reaches are
    not indexed (no member can read them), which keeps the index linear in the body."""

    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        self.children: dict[str, set[str]] = {}
        for name in fields:
            if len(name) > MAX_NAME or name.count(".") > MAX_DEPTH:
                continue
            start = 0
            while (dot := name.find(".", start)) != -1:
                after = name.find(".", dot + 1)
                segment = name[dot + 1 :] if after == -1 else name[dot + 1 : after]
                self.children.setdefault(name[: dot + 1], set()).add(segment)
                start = dot + 1

    def under(self, prefix: str) -> bool:
        return prefix in self.children

    def indices(self, prefix: str) -> list[int]:
        return sorted(int(s) for s in self.children.get(prefix, ()) if _INDEX.fullmatch(s))


def _structure(model: ServiceModel, shape: Shape, prefix: str, names: _Names) -> dict:
    out: dict = {}
    ec2 = model.protocol == "ec2"
    for member, member_shape in shape.members.items():
        wire = model.query_name(shape.name, member) if ec2 else member
        flat = model.flattened(shape.name, member)
        value = _value(model, member_shape, prefix + wire, names, ec2=ec2, flattened=flat)
        if value is not None:
            out[member] = value
    return out


def _value(
    model: ServiceModel, shape: Shape, name: str, names: _Names, *, ec2: bool, flattened: bool
) -> Any:
    fields = names.fields
    if shape.kind == STRUCTURE:
        if not names.under(name + "."):
            return None
        return _structure(model, shape, name + ".", names)
    if shape.kind == LIST:
        assert shape.member is not None
        if name in fields and fields[name] == "":
            return []  # an empty list, as botocore sends one
        base = name + "." if ec2 or flattened else name + ".member."
        items = []
        for index in names.indices(base):
            item = _value(model, shape.member, f"{base}{index}", names, ec2=ec2, flattened=False)
            if item is not None:
                items.append(item)
        return items if items or names.under(base) else None
    if shape.kind == MAP:
        assert shape.key is not None and shape.value is not None
        base = name + ".entry."
        out = {}
        for index in names.indices(base):
            key = fields.get(f"{base}{index}.key")
            if key is not None:
                out[key] = _value(
                    model, shape.value, f"{base}{index}.value", names, ec2=ec2, flattened=False
                )
        return out or None
    if name not in fields:
        return None
    return _scalar(shape, fields[name])


def _scalar(shape: Shape, text: str) -> int | bool | str:
    if shape.kind in INTEGERS:
        try:
            return int(text)
        except ValueError:
            return text
    if shape.kind == BOOLEAN:
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return text
    return text


# -- the client side: an input sent as a Query form ---------------------------------
def encode(model: ServiceModel, operation: str, params: dict) -> dict[str, str]:
    """The form fields that send ``params`` as ``operation``'s input (what :func:`decode`
    reads back): ``Action``, ``Version`` and the members flattened as the protocol does."""
    fields = {"Action": operation, "Version": model.api_version}
    shape = model.input(operation)
    if shape is not None and isinstance(params, dict):
        _encode_structure(model, shape, "", params, fields)
    return fields


def _encode_structure(
    model: ServiceModel, shape: Shape, prefix: str, value: dict, out: dict[str, str]
) -> None:
    ec2 = model.protocol == "ec2"
    for member, member_shape in shape.members.items():
        if member not in value or value[member] is None:
            continue
        wire = model.query_name(shape.name, member) if ec2 else member
        flat = model.flattened(shape.name, member)
        _encode_value(model, member_shape, prefix + wire, value[member], out, ec2=ec2, flat=flat)


def _encode_value(
    model: ServiceModel,
    shape: Shape,
    name: str,
    value: object,
    out: dict[str, str],
    *,
    ec2: bool,
    flat: bool,
) -> None:
    if shape.kind == STRUCTURE and isinstance(value, dict):
        _encode_structure(model, shape, name + ".", value, out)
    elif shape.kind == LIST and isinstance(value, list):
        assert shape.member is not None
        if not value:
            out[name] = ""  # an empty list, as botocore sends one
            return
        base = name + "." if ec2 or flat else name + ".member."
        for index, item in enumerate(value, 1):
            _encode_value(model, shape.member, f"{base}{index}", item, out, ec2=ec2, flat=False)
    elif shape.kind == MAP and isinstance(value, dict):
        assert shape.key is not None and shape.value is not None
        for index, (key, item) in enumerate(value.items(), 1):
            out[f"{name}.entry.{index}.key"] = str(key)
            entry = f"{name}.entry.{index}.value"
            _encode_value(model, shape.value, entry, item, out, ec2=ec2, flat=False)
    elif isinstance(value, bool):
        out[name] = "true" if value else "false"
    else:
        # A value of the wrong kind is sent as text, for the endpoint's request check
        # to refuse by the member's name, as it would refuse it locally.
        out[name] = value if isinstance(value, str) else json.dumps(value)
