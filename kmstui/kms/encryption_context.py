"""A request's encryption context, validated and serialised once per distinct content.

Every Encrypt, Decrypt and GenerateDataKey needs three things from its context: proof
that it is a map of strings, its canonical serialisation for the associated data, and
a key for the authorization memo. :class:`EncryptionContext` holds all three. Callers
send the same few contexts over and over (an application's tenant, a volume's id), so
the engine keeps the contexts it has read (:class:`EncryptionContexts`, bounded): a
context already seen costs one lookup by its pairs.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from kmstui.errors import SerializationException
from kmstui.kms import validation
from kmstui.kms.ciphertext import canonical_context
from kmstui.memo import Memo


class EncryptionContext:
    """One encryption context: ``mapping`` (read-only) and ``aad`` (the canonical
    serialisation the associated data ends with).

    A value: two contexts with the same pairs, in any order, are equal and hash alike
    (their canonical serialisations are the same bytes)."""

    __slots__ = ("mapping", "aad", "_hash")

    def __init__(self, mapping: Mapping[str, str]):
        self.mapping: Mapping[str, str] = MappingProxyType(dict(mapping))
        self.aad = canonical_context(self.mapping)
        self._hash = hash(self.aad)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EncryptionContext):
            return NotImplemented
        return self.aad == other.aad

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"EncryptionContext({dict(self.mapping)!r})"


EMPTY = EncryptionContext({})


def encryption_context(params: dict, name: str = "EncryptionContext") -> EncryptionContext:
    """The request member ``name`` as an :class:`EncryptionContext` (absent: the empty
    one). Raises SerializationException for anything but a map of strings."""
    if params.get(name) is None:
        return EMPTY
    try:
        return EncryptionContext(validation.string_map(params, name))
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 for the associated data
        raise SerializationException(
            f"Unexpected value for {name}: its strings must be valid Unicode"
        ) from None


class EncryptionContexts:
    """The contexts an engine has read, by their pairs as given (at most ``size``)."""

    def __init__(self, size: int = 4096) -> None:
        self._read = Memo(size)

    def read(self, params: dict, name: str = "EncryptionContext") -> EncryptionContext:
        """:func:`encryption_context`, answered from memory for pairs seen before."""
        value: Any = params.get(name)
        if value is None:
            return EMPTY
        try:
            pairs = tuple(value.items())
            found = self._read.get(pairs)
        except (AttributeError, TypeError):  # not a map, or an unhashable value in it
            found = pairs = None
        if found is not None:  # only string maps are ever remembered
            return found
        found = encryption_context(params, name)
        if pairs is not None:
            self._read.put(pairs, found)
        return found
