"""A request's encryption context, validated and serialised once per distinct content.

Callers send the same few contexts over and over (an application's tenant, a volume's
id), and every Encrypt, Decrypt and GenerateDataKey needs three things from one: proof
that it is a map of strings, its canonical serialisation for the associated data, and
a key for the authorization memo. :func:`encryption_context` reads the member and
returns an interned :class:`EncryptionContext` holding all three, so a context already
seen costs one lookup by its pairs.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from kmstui.errors import SerializationException
from kmstui.kms import validation
from kmstui.kms.ciphertext import canonical_context


class EncryptionContext:
    """One distinct encryption context: ``mapping`` (read-only) and ``aad`` (the
    canonical serialisation the associated data ends with).

    Interned: the same pairs, given in the same order, give the same object while it
    is remembered, so equality is identity and the object can key memos cheaply. The
    same pairs in another order give another object with equal ``mapping`` and
    ``aad``."""

    __slots__ = ("mapping", "aad")

    def __init__(self, mapping: Mapping[str, str]):
        self.mapping: Mapping[str, str] = MappingProxyType(dict(mapping))
        self.aad = canonical_context(self.mapping)

    def __repr__(self) -> str:
        return f"EncryptionContext({dict(self.mapping)!r})"


EMPTY = EncryptionContext({})
_INTERNED: dict[tuple, EncryptionContext] = {(): EMPTY}
_INTERNED_MAX = 4096


def encryption_context(params: dict, name: str = "EncryptionContext") -> EncryptionContext:
    """The request member ``name`` as an :class:`EncryptionContext` (absent: the empty
    one). Raises SerializationException for anything but a map of strings."""
    value: Any = params.get(name)
    if value is None:
        return EMPTY
    try:
        pairs = tuple(value.items())
        found = _INTERNED.get(pairs)
    except (AttributeError, TypeError):  # not a map, or an unhashable value in it
        found = pairs = None
    if found is not None:  # only string maps are ever remembered
        return found
    try:
        found = EncryptionContext(validation.string_map(params, name))
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 for the associated data
        raise SerializationException(
            f"Unexpected value for {name}: its strings must be valid Unicode"
        ) from None
    if pairs is not None:
        if len(_INTERNED) >= _INTERNED_MAX:
            _INTERNED.clear()
            _INTERNED[()] = EMPTY
        _INTERNED[pairs] = found
    return found
