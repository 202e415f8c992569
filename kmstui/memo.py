"""Bounded memos for the per-call path.

Requests repeat themselves: the same encryption context, the same caller asking the
same thing of the same key, the same caller's userIdentity in the record. Where
recomputing such a result costs a visible part of a call, its owner (an object the
engine holds: the authorizer, the event bus, the engine's encryption contexts) keeps
it in a :class:`Memo`. A memo is keyed by the values the result depends on (equal
values, the same entry; nothing is keyed by object identity) and bounded: past its
size the oldest quarter of its entries is dropped, so a stream of distinct requests
costs memory only up to the bound, and a hit costs one dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Hashable
from itertools import islice
from typing import Any

__all__ = ["Memo"]


class Memo:
    """Results by their inputs, at most ``size`` of them."""

    __slots__ = ("size", "get", "_entries")

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a memo holds at least one entry")
        self.size = size
        self._entries: dict[Hashable, Any] = {}
        #: The remembered result for a key, or None (``dict.get``).
        self.get = self._entries.get

    def put(self, key: Hashable, value: Any) -> Any:
        """Remember ``value`` for ``key`` (dropping the oldest entries past the bound)
        and return it."""
        entries = self._entries
        if len(entries) >= self.size and key not in entries:
            for oldest in list(islice(entries, max(1, self.size // 4))):
                del entries[oldest]
        entries[key] = value
        return value

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries
