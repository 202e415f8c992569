"""Which grant operations AWS accepts for a key (AWS's facts, shared by the engine's
CreateGrant and the console's grant dialog): GrantOperation in AWS's order, the
operations a key of each KeySpec and KeyUsage takes, and those that take an encryption
context (the only ones a grant constraint may cover)."""

from __future__ import annotations

GRANT_OPERATIONS = (
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "Sign",
    "Verify",
    "GetPublicKey",
    "CreateGrant",
    "RetireGrant",
    "DescribeKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
    "Encapsulate",
    "Decapsulate",
)
# The grant operations each type of key supports (AWS refuses the others): every key
# takes the grant operations themselves and DescribeKey; the rest follow its usage.
_ANY_KEY = frozenset({"CreateGrant", "RetireGrant", "DescribeKey"})
# Operations that take an encryption context, the only ones a constraint may cover.
CONTEXT_OPERATIONS = frozenset(
    {
        "Decrypt",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "ReEncryptFrom",
        "ReEncryptTo",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
    }
)
# A symmetric key takes exactly the operations that take a context, and the common ones.
SYMMETRIC_GRANT_OPERATIONS = _ANY_KEY | CONTEXT_OPERATIONS
_USAGE_GRANT_OPERATIONS = {
    "ENCRYPT_DECRYPT": _ANY_KEY
    | {"Decrypt", "Encrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey"},
    "SIGN_VERIFY": _ANY_KEY | {"Sign", "Verify", "GetPublicKey"},
    "GENERATE_VERIFY_MAC": _ANY_KEY | {"GenerateMac", "VerifyMac"},
    "KEY_AGREEMENT": _ANY_KEY | {"DeriveSharedSecret", "GetPublicKey"},
    "ENCAPSULATE_DECAPSULATE": _ANY_KEY | {"Encapsulate", "Decapsulate", "GetPublicKey"},
}


def grant_operations_for(key: dict) -> frozenset[str]:
    """The grant operations AWS accepts for this key's spec and usage."""
    if key["KeySpec"] == "SYMMETRIC_DEFAULT":
        return SYMMETRIC_GRANT_OPERATIONS
    return _USAGE_GRANT_OPERATIONS[key["KeyUsage"]]
