"""The ciphertext blob: a versioned header naming the key and its key material, then
nonce, ciphertext and tag (AES-256-GCM).

    version (1) | key id (16, UUID bytes) | key material id (32) | nonce (12) | ct | tag (16)

Version 1 names a single-Region key (its id is a UUID), version 2 a multi-Region key
(its id is ``mrk-`` and 32 hex digits, the same 16 bytes); any replica of that key
decrypts a version 2 blob.

The associated data is the header followed by a canonical serialisation of the
encryption context: pairs sorted by key, each key and value length-prefixed. Unlike a
plain concatenation, ``{"a": "bc"}`` and ``{"ab": "c"}`` serialise differently, so a
blob made under one never decrypts under the other.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

from kmstui.errors import AwsError, InvalidCiphertextException

FORMAT_VERSION = 1
MULTI_REGION_VERSION = 2
HEADER_LEN = 1 + 16 + 32
NONCE_LEN = 12
TAG_LEN = 16
OVERHEAD = HEADER_LEN + NONCE_LEN + TAG_LEN
_U32 = struct.Struct(">I")
INVALID_CIPHERTEXT = (
    "The ciphertext is not valid: it was altered, it was not made by this KMS, or the "
    "encryption context differs from the one used to encrypt."
)


def invalid_ciphertext() -> AwsError:
    """KMS's answer to a ciphertext it cannot decrypt: InvalidCiphertextException with
    no message, as AWS sends it (whatever the cause, so nothing is revealed). The
    ``explanation`` is for the console, never sent."""
    error = InvalidCiphertextException("")
    error.explanation = INVALID_CIPHERTEXT  # type: ignore[attr-defined]
    return error


def canonical_context(context: Mapping[str, str]) -> bytes:
    """Length-prefixed, key-sorted serialisation of an encryption context (the
    associated data after the header; see ``encryption_context``, which remembers it
    per distinct context)."""
    items = sorted((k.encode("utf-8"), v.encode("utf-8")) for k, v in context.items())
    parts = [_U32.pack(len(items))]
    for key, value in items:
        parts += (_U32.pack(len(key)), key, _U32.pack(len(value)), value)
    return b"".join(parts)


class Envelope(NamedTuple):
    key_id: str
    key_material_id: str
    header: bytes
    nonce: bytes
    sealed: bytes  # ciphertext || tag


@lru_cache(maxsize=4096)
def header(key_id: str, key_material_id: str) -> bytes:
    if key_id.startswith("mrk-"):
        return (
            bytes([MULTI_REGION_VERSION])
            + bytes.fromhex(key_id[4:])
            + bytes.fromhex(key_material_id)
        )
    return bytes([FORMAT_VERSION]) + uuid.UUID(key_id).bytes + bytes.fromhex(key_material_id)


@lru_cache(maxsize=4096)
def _read_header(head: bytes) -> tuple[str, str]:
    """The key id and key material id a header names."""
    if head[0] == MULTI_REGION_VERSION:
        return "mrk-" + head[1:17].hex(), head[17:HEADER_LEN].hex()
    return str(uuid.UUID(bytes=head[1:17])), head[17:HEADER_LEN].hex()


def pack(head: bytes, nonce: bytes, sealed: bytes) -> bytes:
    return head + nonce + sealed


def unpack(blob: bytes) -> Envelope:
    """Parse a blob's envelope. Raises InvalidCiphertextException for anything that is
    not a blob this engine could have made."""
    if blob.__class__ is not bytes:
        if not isinstance(blob, (bytes, bytearray)):
            raise invalid_ciphertext()
        blob = bytes(blob)
    if len(blob) < OVERHEAD + 1 or blob[0] not in _VERSIONS:
        raise invalid_ciphertext()
    head = blob[:HEADER_LEN]
    key_id, key_material_id = _read_header(head)
    # Envelope(...) without the generated __new__'s argument handling
    return _new_tuple(
        Envelope,
        (
            key_id,
            key_material_id,
            head,
            blob[HEADER_LEN : HEADER_LEN + NONCE_LEN],
            blob[HEADER_LEN + NONCE_LEN :],
        ),
    )


_new_tuple = tuple.__new__
_VERSIONS = (FORMAT_VERSION, MULTI_REGION_VERSION)
