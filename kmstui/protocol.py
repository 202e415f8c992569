"""The AWS JSON protocol's value encoding, shared by ``kmstui call`` and the endpoint.

On the wire blobs are base64 strings and timestamps are epoch seconds; inside the
engine blobs are ``bytes`` and timestamps are floats. Blob members are known by name
(the same names in every KMS, EC2 and IAM shape this engine serves).

:func:`parse_request` reads a request body and :func:`decode_request` turns it into
engine values. Whatever the body holds, the two answer a dict or
``SerializationException`` (text that is not UTF-8 or not JSON, a lone surrogate, a
number too large for a double, nesting deeper than :data:`MAX_DEPTH`, a body that is
not an object), never a recursion error."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from kmstui.errors import SerializationException

# How deep a request may nest objects and arrays (no AWS shape comes near it).
MAX_DEPTH = 64

BLOB_MEMBERS = frozenset(
    {
        "Plaintext",
        "CiphertextBlob",
        "CiphertextForRecipient",
        "PublicKey",
        "Message",
        "Signature",
        "Mac",
        "KeyMaterial",
        "ImportToken",
        "EncryptedKeyMaterial",
        "AttestationDocument",
        "SharedSecret",
        "SharedSecretCiphertextBlob",
    }
)


def parse_request(body: bytes | str, what: str = "The request body") -> dict:
    """A request body as a dict (empty text: an empty request); see the module.
    ``what`` names the body in messages."""
    if not body.strip():
        return {}
    value = loads(body, what)
    if not isinstance(value, dict):
        raise SerializationException(
            f"Start of structure or map found where not expected: {what} must be a JSON object"
        )
    return value


def loads(text: bytes | str, what: str = "The request body") -> Any:
    """One JSON value, or SerializationException saying why not (``what`` names the
    text): not UTF-8, not JSON, a lone surrogate, a number too large for a double,
    nesting deeper than MAX_DEPTH. Never a recursion error."""
    if isinstance(text, str):
        try:
            text = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (a command line's stray byte)
            raise SerializationException(
                f"{what} is not valid Unicode text: it holds a lone surrogate"
            ) from None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        reason = exc.msg
        if "depth" in reason or "recursion" in reason:
            raise SerializationException(
                f"{what} nests more than {MAX_DEPTH} levels deep"
            ) from None
        if "surrogate" in reason:
            raise SerializationException(
                f"{what} is not valid Unicode text: it holds a lone surrogate"
            ) from None
        if "UTF-8" in reason:
            raise SerializationException(f"{what} is not valid UTF-8 text") from None
        if "infinity" in reason:
            raise SerializationException(
                f"{what} holds a number too large to read (line {exc.lineno}, column {exc.colno})"
            ) from None
        raise SerializationException(
            f"{what} is not JSON: {reason} at line {exc.lineno}, column {exc.colno}"
        ) from None
    check_depth(value, what)
    return value


def check_depth(value: Any, what: str = "The request") -> None:
    """SerializationException if ``value`` nests objects and arrays deeper than
    MAX_DEPTH (found without recursion)."""
    todo = [(value, 1)] if isinstance(value, (dict, list)) else []
    while todo:
        item, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise SerializationException(f"{what} nests more than {MAX_DEPTH} levels deep")
        children = item.values() if isinstance(item, dict) else item
        todo.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def decode_request(params: Any, _depth: int = 0) -> Any:
    """Wire JSON -> engine values (base64 blobs become bytes). Nesting deeper than
    MAX_DEPTH is a SerializationException."""
    if _depth > MAX_DEPTH:
        raise SerializationException(f"The request nests more than {MAX_DEPTH} levels deep")
    if isinstance(params, dict):
        out = {}
        for name, value in params.items():
            if name in BLOB_MEMBERS and value is not None:
                if not isinstance(value, str):
                    raise SerializationException(
                        f"Unexpected value type for {name}: expected a base64 string"
                    )
                try:
                    out[name] = base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    raise SerializationException(f"Value of {name} is not valid base64") from None
            elif isinstance(value, (dict, list)):
                out[name] = decode_request(value, _depth + 1)
            else:
                out[name] = value
        return out
    if isinstance(params, list):
        return [decode_request(v, _depth + 1) if isinstance(v, (dict, list)) else v for v in params]
    return params


def encode_response(value: Any) -> Any:
    """Engine values -> wire JSON (bytes become base64)."""
    if isinstance(value, dict):
        return {k: encode_response(v) for k, v in value.items()}
    if isinstance(value, list):
        return [encode_response(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value
