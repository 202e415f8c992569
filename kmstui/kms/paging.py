"""Paging as AWS list operations do it: ``Limit``, ``Marker`` in; ``NextMarker`` and
``Truncated`` out. Markers are opaque to the client; here they encode the position
of the next item so boto3 paginators walk a listing without repeats or gaps."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from kmstui.errors import InvalidMarkerException
from kmstui.kms import validation

T = TypeVar("T")


def _encode(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"p": position}).encode()).decode()


def _decode(marker: str) -> int:
    try:
        position = json.loads(base64.urlsafe_b64decode(marker.encode()))["p"]
    except Exception:
        raise InvalidMarkerException(
            "The request was rejected because the marker that specifies "
            "where pagination should next begin is not valid."
        ) from None
    if not isinstance(position, int) or position < 0:
        raise InvalidMarkerException(
            "The request was rejected because the marker that specifies "
            "where pagination should next begin is not valid."
        )
    return position


def page(
    params: dict, items: Sequence[T], *, default_limit: int = 100, max_limit: int = 1000
) -> tuple[list[T], dict[str, Any]]:
    """Cut one page from ``items`` (already in their stable order)."""
    limit = validation.integer(params, "Limit", low=1, high=max_limit) or default_limit
    marker = validation.string(params, "Marker", optional=True, max_len=1024)
    start = _decode(marker) if marker else 0
    chunk = list(items[start : start + limit])
    end = start + len(chunk)
    tail: dict[str, Any] = {"Truncated": end < len(items)}
    if end < len(items):
        tail["NextMarker"] = _encode(end)
    return chunk, tail
