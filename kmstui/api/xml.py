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
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any
from xml.etree import ElementTree as ET

from kmstui.model import BLOB, BOOLEAN, LIST, MAP, STRUCTURE, TIMESTAMP, ServiceModel, Shape

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


def _members(model: ServiceModel, parent: ET.Element, shape: Shape, value: dict, *, ec2: bool):
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


def _value(model: ServiceModel, element: ET.Element, shape: Shape | None, value: Any, *, ec2: bool):
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
