"""AWS's service models, as the engine uses them: the shape of every operation's input
and output (see README.md in this folder for where the data comes from).

:func:`load` reads one service's model; :meth:`ServiceModel.input` gives an operation's
input shape, compiled on first use into :class:`Shape` objects. The request check
(:mod:`kmstui.model.check`) and the events' allow-list (:mod:`kmstui.model.record`)
both walk a request along these shapes.
"""

from __future__ import annotations

import sys
from importlib import resources
from typing import Any

import orjson

__all__ = ["Shape", "ServiceModel", "load"]

# Every shape kind a model uses, as the checks name them.
STRUCTURE, LIST, MAP = "structure", "list", "map"
STRING, BLOB, BOOLEAN, TIMESTAMP = "string", "blob", "boolean", "timestamp"
INTEGERS = frozenset({"integer", "long"})
FLOATS = frozenset({"float", "double"})


class Shape:
    """One shape of a model: its kind and, for containers, the shapes they hold.

    ``members`` (structures) maps each member name to its shape; ``member`` is a list's
    element shape; ``key`` and ``value`` a map's. ``max`` is the greatest length (or
    number of items) the model allows, if it states one; ``secret`` is true for what
    the model marks sensitive and for blobs (neither ever reaches an event)."""

    __slots__ = (
        "name",
        "kind",
        "members",
        "member",
        "key",
        "value",
        "max",
        "secret",
        "plan",
        "fields",
    )

    def __init__(self, name: str, kind: str):
        self.name = name
        self.kind = kind
        self.members: dict[str, Shape] = {}
        self.member: Shape | None = None
        self.key: Shape | None = None
        self.value: Shape | None = None
        self.max: int | None = None
        self.secret = False
        self.plan: dict | None = None  # kmstui.model.record's, made on first use
        self.fields: dict | None = None  # kmstui.model.check's, made on first use

    def __repr__(self) -> str:
        return f"Shape({self.name!r}, {self.kind!r})"


class ServiceModel:
    """One service's operations and shapes."""

    def __init__(self, service: str, data: dict[str, Any]):
        self.service = service
        self.protocol: str = data["protocol"]
        self.botocore_version: str = data.get("botocoreVersion", "")
        self.api_version: str = data.get("apiVersion", "")
        self.namespace: str | None = data.get("xmlNamespace")
        self._operations: dict[str, dict] = data["operations"]
        self._raw: dict[str, dict] = data["shapes"]
        self._shapes: dict[str, Shape] = {}  # compiled on first use
        self._inputs: dict[str, Shape | None] = {}

    @property
    def operations(self) -> list[str]:
        return sorted(self._operations)

    def __contains__(self, operation: object) -> bool:
        return operation in self._operations

    def input(self, operation: str) -> Shape | None:
        """The operation's input shape (None: not in the model, or it takes none)."""
        try:
            return self._inputs[operation]
        except KeyError:
            pass
        entry = self._operations.get(operation)
        shape = None if entry is None or not entry.get("input") else self.shape(entry["input"])
        if entry is not None:  # names from requests are not kept
            self._inputs[operation] = shape
        return shape

    def output(self, operation: str) -> Shape | None:
        entry = self._operations.get(operation)
        if entry is None or not entry.get("output"):
            return None
        return self.shape(entry["output"])

    # -- the names the Query protocols use on the wire --------------------------------
    def result_wrapper(self, operation: str) -> str | None:
        """The element a Query answer's result is wrapped in (``CreateUserResult``)."""
        entry = self._operations.get(operation)
        return None if entry is None else entry.get("resultWrapper")

    def _wire(self, shape: str, member: str) -> dict:
        return self._raw[shape].get("wire", {}).get(member, {})

    def location_name(self, shape: str, member: str) -> str:
        """The element a member is answered under in XML."""
        return self._wire(shape, member).get("locationName", member)

    def query_name(self, shape: str, member: str) -> str:
        """The name an EC2 request sends a member under."""
        wire = self._wire(shape, member)
        if "queryName" in wire:
            return wire["queryName"]
        location = wire.get("locationName")
        return location[:1].upper() + location[1:] if location else member

    def flattened(self, shape: str, member: str) -> bool:
        """Whether a list member is sent and answered without a wrapping element."""
        member_shape = self._raw[shape]["members"][member]
        return bool(
            self._wire(shape, member).get("flattened") or self._raw[member_shape].get("flattened")
        )

    def item_name(self, shape: str) -> str | None:
        """The element a list's items are answered in, if the model names one."""
        return self._raw[shape].get("memberName")

    def enum(self, shape: str) -> list[str]:
        """The values a string shape allows, in the model's order ([] if any)."""
        return list(self._raw[shape].get("enum", []))

    def shape(self, name: str) -> Shape:
        """The compiled shape ``name`` (recursive shapes refer to themselves)."""
        shape = self._shapes.get(name)
        if shape is not None:
            return shape
        raw = self._raw[name]
        shape = self._shapes[name] = Shape(name, sys.intern(raw["type"]))
        shape.max = raw.get("max")
        shape.secret = bool(raw.get("sensitive")) or raw["type"] == BLOB
        if shape.kind == STRUCTURE:
            shape.members = {member: self.shape(ref) for member, ref in raw["members"].items()}
        elif shape.kind == LIST:
            shape.member = self.shape(raw["member"])
        elif shape.kind == MAP:
            shape.key = self.shape(raw["key"])
            shape.value = self.shape(raw["value"])
        return shape


def load(service: str) -> ServiceModel | None:
    """The model of ``service`` ("kms", "iam", "ec2" ...), or None if none ships."""
    source = resources.files(__name__).joinpath(f"{service}.json")
    if not source.is_file():
        return None
    return ServiceModel(service, orjson.loads(source.read_bytes()))
