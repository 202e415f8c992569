"""Paging for the list operations of every service, each with its own members:

- KMS: ``Limit`` and ``Marker`` in; ``Truncated`` and, when more remain,
  ``NextMarker`` out; a bad marker is ``InvalidMarkerException``.
- IAM: ``MaxItems`` and ``Marker`` in; ``IsTruncated`` and ``Marker`` out; a bad
  marker is ``ValidationError``.
- EC2: ``MaxResults`` and ``NextToken`` in; ``NextToken`` out; a bad token is
  ``InvalidParameterValue``.

A marker is keyed, not a position: it names the sort key of the last item returned,
and the next page begins just after that item, or, when it has been deleted since,
at the first item that sorts after it. So a client walking a listing page by page
neither repeats nor skips an item when items are created or deleted between pages.
Each listing passes ``key``: a string or a tuple that orders its items as they are
listed and ends with something unique (an id or a name). Markers are opaque to
clients (base64 of a small JSON document) and validated: one this engine did not make
for the listing is refused with the service's error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from kmstui.ebs import resources
from kmstui.errors import AwsError, InvalidMarkerException, ec2_error
from kmstui.iam import names
from kmstui.kms import validation

T = TypeVar("T")
SortKey = str | tuple


def encode(after: SortKey) -> str:
    """The marker of the page that follows the item whose key is ``after``."""
    value = list(after) if isinstance(after, tuple) else after
    return base64.urlsafe_b64encode(json.dumps({"after": value}).encode()).decode()


def decode(marker: str) -> SortKey | None:
    """The key a marker names, or None when it is not a marker this engine made."""
    try:
        after = json.loads(base64.urlsafe_b64decode(marker.encode("ascii")))["after"]
    except (binascii.Error, ValueError, UnicodeError, TypeError, KeyError):
        return None
    if isinstance(after, str):
        return after
    if isinstance(after, list) and after and all(_scalar(v) for v in after):
        return tuple(after)
    return None


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def cut(
    items: Sequence[T],
    key: Callable[[T], SortKey],
    marker: str | None,
    limit: int | None,
    invalid: Callable[[], AwsError],
) -> tuple[list[T], str | None]:
    """The page of ``items`` after ``marker`` (None: the first page), at most
    ``limit`` items (None: all the rest), and the marker of the page after it (None:
    this is the last). ``invalid()`` is the service's error for a bad marker."""
    start = 0
    if marker:
        after = decode(marker)
        if after is None:
            raise invalid()
        try:
            start = _resume(items, key, after)
        except TypeError:  # a key of another shape: another listing's marker
            raise invalid() from None
    end = len(items) if limit is None else min(start + limit, len(items))
    chunk = list(items[start:end])
    following = encode(key(chunk[-1])) if chunk and end < len(items) else None
    return chunk, following


def _resume(items: Sequence[T], key: Callable[[T], SortKey], after: SortKey) -> int:
    keys = [key(item) for item in items]
    if keys and type(keys[0]) is not type(after):
        raise TypeError("another listing's marker")
    for index, value in enumerate(keys):
        if value == after:
            return index + 1
    # The last item returned is gone: the first that sorts after it. The keys are of
    # the marker's type (checked above), which mypy cannot narrow a union to.
    return next(
        (i for i, value in enumerate(keys) if value > after),  # type: ignore[operator]
        len(keys),
    )


# -- the services' members -----------------------------------------------------------------
def kms_page(
    params: dict,
    items: Sequence[T],
    key: Callable[[T], SortKey],
    *,
    default_limit: int = 100,
    max_limit: int = 1000,
) -> tuple[list[T], dict[str, Any]]:
    """One page of a KMS listing, and ``Truncated`` / ``NextMarker``."""
    limit = validation.integer(params, "Limit", low=1, high=max_limit) or default_limit
    marker = validation.string(params, "Marker", optional=True, max_len=1024)
    chunk, following = cut(items, key, marker, limit, _invalid_kms_marker)
    tail: dict[str, Any] = {"Truncated": following is not None}
    if following is not None:
        tail["NextMarker"] = following
    return chunk, tail


def _invalid_kms_marker() -> AwsError:
    return InvalidMarkerException(
        "The request was rejected because the marker that specifies where pagination "
        "should next begin is not valid."
    )


IAM_DEFAULT_MAX_ITEMS = 100
IAM_MAX_ITEMS = 1000


def iam_page(
    params: dict, items: Sequence[T], key: Callable[[T], SortKey]
) -> tuple[list[T], dict[str, Any]]:
    """One page of an IAM listing, and ``IsTruncated`` / ``Marker``."""
    limit = names.integer(params, "MaxItems", low=1, high=IAM_MAX_ITEMS) or IAM_DEFAULT_MAX_ITEMS
    marker = names.string(params, "Marker", optional=True, max_len=320)
    chunk, following = cut(
        items, key, marker, limit, lambda: names.validation_error("Invalid Marker.")
    )
    tail: dict[str, Any] = {"IsTruncated": following is not None}
    if following is not None:
        tail["Marker"] = following
    return chunk, tail


def ec2_page(
    params: dict,
    items: Sequence[T],
    key: Callable[[T], SortKey],
    ids_member: str,
    *,
    low: int = 5,
    high: int = 1000,
) -> tuple[list[T], str | None]:
    """One page of an EC2 listing (``MaxResults`` from ``low`` to ``high``; without
    it, everything), and its ``NextToken``."""
    resources.check_paging(params, ids_member, low=low, high=high)
    limit = resources.integer(params, "MaxResults")
    token = resources.string(params, "NextToken")
    return cut(
        items,
        key,
        token,
        limit,
        lambda: ec2_error("InvalidParameterValue", f"Invalid NextToken: {token}"),
    )
