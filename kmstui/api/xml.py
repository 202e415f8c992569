"""Answers in XML, as the Query protocols (STS, IAM) and EC2's send them.

An engine result (AWS member names) is written along the operation's output shape
from :mod:`kmstui.model`:

- Query: ``<OpResponse xmlns=...><OpResult>...</OpResult><ResponseMetadata>
  <RequestId>...</RequestId></ResponseMetadata></OpResponse>``; list items are
  ``<member>`` elements (or repeat the list's own element when flattened).
- EC2: ``<OpResponse xmlns=...><requestId>...</requestId>...</OpResponse>``, members
  under their ``locationName``, list items ``<item>``.

Errors: ``<ErrorResponse><Error><Type>Sender</Type><Code>...`` for Query,
``<Response><Errors><Error><Code>...</Code>...</Errors><RequestID>`` for EC2.

The client side (``kmstui call --endpoint-url``) reads such answers back:
:func:`read_response` along the same output shape (numbers and booleans typed, times
as seconds since the epoch), :func:`read_error` for either error shape. An answer that
declares a DOCTYPE is refused before it is parsed, so no entity is ever expanded.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any
from xml.etree import ElementTree as ET

from kmstui.model import (
    BLOB,
    BOOLEAN,
    FLOATS,
    INTEGERS,
    LIST,
    MAP,
    STRUCTURE,
    TIMESTAMP,
    ServiceModel,
    Shape,
)

CONTENT_TYPE = "text/xml"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def response(model: ServiceModel, operation: str, result: dict, request_id: str) -> bytes:
    """The XML answer to ``operation`` with the engine's ``result``."""
    root = ET.Element(f"{operation}Response")
    if model.namespace:
        root.set("xmlns", model.namespace)
    shape = model.output(operation)
    ec2 = model.protocol == "ec2"
    if ec2:
        ET.SubElement(root, "requestId").text = request_id
        if shape is not None:
            _members(model, root, shape, result, ec2=True)
    else:
        wrapper = model.result_wrapper(operation)
        if shape is not None:
            into = ET.SubElement(root, wrapper) if wrapper else root
            _members(model, into, shape, result, ec2=False)
        metadata = ET.SubElement(root, "ResponseMetadata")
        ET.SubElement(metadata, "RequestId").text = request_id
    return DECLARATION + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def error(protocol: str, code: str, message: str, request_id: str, *, sender: bool) -> bytes:
    """An error answer in the protocol's shape."""
    if protocol == "ec2":
        root = ET.Element("Response")
        item = ET.SubElement(ET.SubElement(root, "Errors"), "Error")
        ET.SubElement(item, "Code").text = code
        ET.SubElement(item, "Message").text = message
        ET.SubElement(root, "RequestID").text = request_id
    else:
        root = ET.Element("ErrorResponse")
        item = ET.SubElement(root, "Error")
        ET.SubElement(item, "Type").text = "Sender" if sender else "Receiver"
        ET.SubElement(item, "Code").text = code
        ET.SubElement(item, "Message").text = message
        ET.SubElement(root, "RequestId").text = request_id
    return DECLARATION + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _members(
    model: ServiceModel, parent: ET.Element, shape: Shape, value: dict, *, ec2: bool
) -> None:
    for member, member_shape in shape.members.items():
        if member not in value or value[member] is None:
            continue
        name = model.location_name(shape.name, member)
        if member_shape.kind == LIST and model.flattened(shape.name, member) and not ec2:
            item_name = model.item_name(member_shape.name) or name
            for item in value[member]:
                _value(model, ET.SubElement(parent, item_name), member_shape.member, item, ec2=ec2)
            continue
        _value(model, ET.SubElement(parent, name), member_shape, value[member], ec2=ec2)


def _value(
    model: ServiceModel, element: ET.Element, shape: Shape | None, value: Any, *, ec2: bool
) -> None:
    assert shape is not None
    kind = shape.kind
    if kind == STRUCTURE:
        if isinstance(value, dict):
            _members(model, element, shape, value, ec2=ec2)
    elif kind == LIST:
        item_name = model.item_name(shape.name) or ("item" if ec2 else "member")
        for item in value or ():
            _value(model, ET.SubElement(element, item_name), shape.member, item, ec2=ec2)
    elif kind == MAP:
        for key, item in (value or {}).items():
            entry = ET.SubElement(element, "entry")
            _value(model, ET.SubElement(entry, "key"), shape.key, key, ec2=ec2)
            _value(model, ET.SubElement(entry, "value"), shape.value, item, ec2=ec2)
    else:
        element.text = scalar(kind, value)


def scalar(kind: str, value: Any) -> str:
    if kind == BOOLEAN or isinstance(value, bool):
        return "true" if value else "false"
    if kind == TIMESTAMP:
        return timestamp(value)
    if kind == BLOB and isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def timestamp(value: Any) -> str:
    """ISO 8601 in UTC, as the XML protocols write times."""
    if isinstance(value, int | float):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        text = value.astimezone(dt.UTC).isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z")
    return str(value)


# -- the client side: an XML answer read back into AWS member names ------------------
class UnsafeXml(ValueError):
    """An answer that is not XML, or declares a DOCTYPE (entities are never expanded)."""


def parse(body: bytes) -> ET.Element:
    """The root element of an answer. A DOCTYPE is refused, so no entity is declared,
    let alone expanded."""
    if b"<!doctype" in body.lower():
        raise UnsafeXml("the answer declares a DOCTYPE")
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise UnsafeXml(f"the answer is not XML ({exc})") from None


def read_response(model: ServiceModel, operation: str, body: bytes) -> dict:
    """The result of ``operation`` from its XML answer, as the engine returns it."""
    root = parse(body)
    shape = model.output(operation)
    if shape is None:
        return {}
    ec2 = model.protocol == "ec2"
    container: ET.Element | None = root
    wrapper = None if ec2 else model.result_wrapper(operation)
    if wrapper:
        container = _child(root, wrapper)
    return {} if container is None else _read_members(model, container, shape, ec2=ec2)


def read_error(body: bytes) -> tuple[str, str] | None:
    """(code, message) of an XML error answer, in either protocol's shape; None if the
    answer names no code."""
    root = parse(body)
    code = message = None
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "Code" and code is None:
            code = (element.text or "").strip()
        elif tag == "Message" and message is None:
            message = element.text or ""
    return None if not code else (code, message or "")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child(parent: ET.Element, name: str) -> ET.Element | None:
    return next((child for child in parent if _local(child.tag) == name), None)


def _read_members(model: ServiceModel, parent: ET.Element, shape: Shape, *, ec2: bool) -> dict:
    out: dict = {}
    for member, member_shape in shape.members.items():
        name = model.location_name(shape.name, member)
        if member_shape.kind == LIST and model.flattened(shape.name, member) and not ec2:
            item_name = model.item_name(member_shape.name) or name
            items = [child for child in parent if _local(child.tag) == item_name]
            if items:
                out[member] = [
                    _read_value(model, item, member_shape.member, ec2=ec2) for item in items
                ]
            continue
        element = _child(parent, name)
        if element is not None:
            out[member] = _read_value(model, element, member_shape, ec2=ec2)
    return out


def _read_value(model: ServiceModel, element: ET.Element, shape: Shape | None, *, ec2: bool) -> Any:
    assert shape is not None
    kind = shape.kind
    if kind == STRUCTURE:
        return _read_members(model, element, shape, ec2=ec2)
    if kind == LIST:
        item_name = model.item_name(shape.name) or ("item" if ec2 else "member")
        return [
            _read_value(model, item, shape.member, ec2=ec2)
            for item in element
            if _local(item.tag) == item_name
        ]
    if kind == MAP:
        out = {}
        for entry in element:
            key, value = _child(entry, "key"), _child(entry, "value")
            if _local(entry.tag) == "entry" and key is not None:
                out[key.text or ""] = (
                    None if value is None else _read_value(model, value, shape.value, ec2=ec2)
                )
        return out
    return _read_scalar(kind, element.text or "")


def _read_scalar(kind: str, text: str) -> int | float | bool | str:
    try:
        if kind in INTEGERS:
            return int(text)
        if kind in FLOATS:
            return float(text)
    except ValueError:
        return text
    if kind == BOOLEAN:
        return text.strip().lower() == "true"
    if kind == TIMESTAMP:
        return read_timestamp(text)
    return text


def read_timestamp(text: str) -> float | str:
    """An ISO 8601 time as seconds since the epoch, as the JSON protocol sends times
    (the text itself if it is not one)."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()
