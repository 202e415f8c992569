"""Paging as IAM list operations do it: ``MaxItems`` and ``Marker`` in; ``IsTruncated``
and, when more remain, ``Marker`` out.

A marker names the sort key of the last item returned, so a listing stays without
repeats or gaps even when items are added or deleted between pages.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from kmstui.iam import names

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 100
MAX_ITEMS = 1000


def _encode(after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()


def _decode(marker: str) -> str:
    try:
        after = json.loads(base64.urlsafe_b64decode(marker.encode()))["after"]
    except Exception:
        after = None
    if not isinstance(after, str):
        raise names.validation_error("Invalid Marker.")
    return after


def page(
    params: dict,
    items: Sequence[T],
    sort_key: Callable[[T], str],
) -> tuple[list[T], dict[str, Any]]:
    """One page of ``items`` (already sorted by ``sort_key``) and the paging members."""
    limit = names.integer(params, "MaxItems", low=1, high=MAX_ITEMS) or DEFAULT_MAX_ITEMS
    marker = names.string(params, "Marker", optional=True, max_len=320)
    start = 0
    if marker:
        after = _decode(marker)
        start = next((i for i, item in enumerate(items) if sort_key(item) > after), len(items))
    chunk = list(items[start : start + limit])
    truncated = start + len(chunk) < len(items)
    tail: dict[str, Any] = {"IsTruncated": truncated}
    if truncated:
        tail["Marker"] = _encode(sort_key(chunk[-1]))
    return chunk, tail
