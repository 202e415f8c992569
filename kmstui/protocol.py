"""The AWS JSON protocol's value encoding, shared by ``kmstui call`` and the endpoint.

On the wire blobs are base64 strings and timestamps are epoch seconds; inside the
engine blobs are ``bytes`` and timestamps are floats. Blob members are known by name
(the same names in every KMS, EC2 and IAM shape this engine serves)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from kmstui.errors import SerializationException

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


def decode_request(params: Any) -> Any:
    """Wire JSON -> engine values (base64 blobs become bytes)."""
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
            else:
                out[name] = decode_request(value)
        return out
    if isinstance(params, list):
        return [decode_request(v) for v in params]
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
