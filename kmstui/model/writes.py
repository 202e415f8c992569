"""Which AWS operations change something, which destroy something, and what a person
types to confirm a destructive one.

A backend other than the embedded engine sends nothing that changes the account unless
writes were allowed, and then only after the user confirmed the exact call; a
destructive call asks for the name of what it destroys to be typed. Cryptographic
operations (Encrypt, Sign ...) change nothing but use a real key: they are confirmed
too, and allowed without writes."""

from __future__ import annotations

READ = "read"
USE = "use"  # a cryptographic operation on a key: confirmed, allowed read-only
WRITE = "write"
DESTRUCTIVE = "destructive"

# Operations that use a key's material and change nothing (CloudTrail records them as
# read-only: kmstui.events keeps no responseElements of theirs).
USES = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateRandom",
        "GenerateMac",
        "VerifyMac",
        "Sign",
        "Verify",
        "DeriveSharedSecret",
        "Encapsulate",
        "Decapsulate",
    }
)

# Reads whose names do not say so.
READS = frozenset({"GetCallerIdentity", "LookupEvents", "GetMetricData", "ValidatePolicy"})

# Destructive calls, with the request member that names what they destroy (the first
# one present is what the user types; a key is typed as one of its aliases or its id).
DESTRUCTIVE_TARGETS: dict[str, tuple[str, ...]] = {
    "ScheduleKeyDeletion": ("KeyId",),
    "DisableKey": ("KeyId",),
    "PutKeyPolicy": ("KeyId",),
    "DeleteAlias": ("AliasName",),
    "RevokeGrant": ("KeyId",),
    "RetireGrant": ("KeyId", "GrantId", "GrantToken"),
    "DeleteImportedKeyMaterial": ("KeyId",),
    "DetachVolume": ("VolumeId",),
    "DeleteVolume": ("VolumeId",),
    "DeleteSnapshot": ("SnapshotId",),
    "TerminateInstances": ("InstanceIds",),
    "StopInstances": ("InstanceIds",),
    "DeleteUser": ("UserName",),
    "DeleteRole": ("RoleName",),
    "DeleteAccessKey": ("AccessKeyId",),
    "DeleteUserPolicy": ("PolicyName",),
    "DeleteRolePolicy": ("PolicyName",),
}

# Members whose values are secrets: shown masked in a confirmation.
SECRET_MEMBERS = frozenset({"Plaintext", "EncryptedKeyMaterial", "ImportToken"})


def kind(operation: str) -> str:
    """``read``, ``use``, ``write`` or ``destructive``."""
    if operation in DESTRUCTIVE_TARGETS:
        return DESTRUCTIVE
    if operation in USES:
        return USE
    if operation in READS or operation.startswith(("Describe", "List", "Get")):
        return READ if operation != "GetParametersForImport" else WRITE
    return WRITE


def target(operation: str, params: dict) -> str | None:
    """The value that names what a destructive call destroys (None for the others,
    or when the request names nothing)."""
    for member in DESTRUCTIVE_TARGETS.get(operation, ()):
        value = params.get(member)
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if value:
            return str(value)
    return None


def masked(params: dict) -> dict:
    """``params`` with secret members masked (their size shown, not their value)."""
    shown = {}
    for member, value in params.items():
        if member in SECRET_MEMBERS and value:
            size = len(value) if isinstance(value, bytes | str) else 0
            shown[member] = f"<{size} bytes, hidden>"
        else:
            shown[member] = value
    return shown
