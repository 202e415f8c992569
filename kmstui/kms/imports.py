"""Imported key material: GetParametersForImport, ImportKeyMaterial,
DeleteImportedKeyMaterial, and the expiry of imported material on the engine clock.

A key of origin EXTERNAL starts in PendingImport. GetParametersForImport returns an RSA
wrapping public key and an import token valid 24 hours; the token carries the wrapping
private key, sealed by the root key, so nothing waits on the key record. Key material is
wrapped with RSAES_OAEP (SHA-1 or SHA-256) or, for material too long for that (RSA
private keys), RSA_AES_KEY_WRAP: an AES-256 key under RSAES_OAEP followed by the
material under AES key wrap with padding (RFC 5649). Material once imported can only
be imported again, never replaced: its KeyMaterialId, a digest of the key id and the
material, identifies it. A symmetric key also takes new material (ImportType
NEW_KEY_MATERIAL), which waits in PENDING_ROTATION until RotateKeyOnDemand makes it
current (see ``materials``)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap_with_padding

from kmstui.caller import Caller
from kmstui.clock import iso8601
from kmstui.errors import (
    ExpiredImportTokenException,
    IncorrectKeyMaterialException,
    InvalidImportTokenException,
    KMSInvalidStateException,
    UnsupportedOperationException,
    ValidationException,
)
from kmstui.kms import keypairs, materials, validation
from kmstui.kms.ciphertext import invalid_ciphertext
from kmstui.kms.service import (
    PENDING_DELETION,
    CallContext,
    KmsService,
    material_purpose,
    operation,
)
from kmstui.model import keyspecs
from kmstui.model.wrapping import (
    EXPIRATION_MODELS,
    WRAPPING_ALGORITHMS,
    WRAPPING_KEY_SPECS,
    wrapping_refusal,
)
from kmstui.store.rootkey import RootKeyError

IMPORT_TYPES = ("NEW_KEY_MATERIAL", "EXISTING_KEY_MATERIAL")
PARAMETERS_LIFETIME = 86400.0  # the wrapping key and token: 24 hours
MAX_VALID_DAYS = 365
# Imported HMAC key material: from the hash's length to its block size, in bytes.
HMAC_MATERIAL_BYTES = {"HMAC_224": (28, 64), "HMAC_256": (32, 64), "HMAC_384": (48, 128)}
HMAC_MATERIAL_BYTES["HMAC_512"] = (64, 128)
_TOKEN_PURPOSE = "kms:import-token"
_OAEP_HASHES = {"SHA_1": hashes.SHA1, "SHA_256": hashes.SHA256}


def _external_key(
    service: KmsService,
    params: dict,
    caller: Caller,
    ctx: CallContext,
    operation_name: str,
    conditions: dict[str, Any] | None = None,
) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    service.authorize(ctx, caller, f"kms:{operation_name}", key, None, conditions)
    service.require_same_account(key, caller, operation_name)
    if key["Origin"] != "EXTERNAL":
        raise UnsupportedOperationException(
            f"{key['Arn']} origin is {key['Origin']} which is not valid for this operation."
        )
    return key


@operation("GetParametersForImport")
def get_parameters_for_import(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    algorithm = validation.string(params, "WrappingAlgorithm", choices=WRAPPING_ALGORITHMS)
    wrapping_spec = validation.string(params, "WrappingKeySpec", choices=WRAPPING_KEY_SPECS)
    key = _external_key(
        service,
        params,
        caller,
        ctx,
        "GetParametersForImport",
        {"kms:WrappingAlgorithm": algorithm, "kms:WrappingKeySpec": wrapping_spec},
    )
    service.require_not_pending_deletion(key)
    assert algorithm is not None and wrapping_spec is not None
    refusal = wrapping_refusal(key["KeySpec"], algorithm, wrapping_spec)
    if refusal is not None:
        raise refusal
    wrapping = keypairs.generate(wrapping_spec, service.entropy, service.rsa_pool)
    valid_to = service.clock.now() + PARAMETERS_LIFETIME
    payload = {
        "KeyId": key["KeyId"],
        "Arn": key["Arn"],  # not a related multi-Region key's
        "WrappingAlgorithm": algorithm,
        "WrappingKey": base64.b64encode(keypairs.private_der(wrapping)).decode("ascii"),
        "ValidTo": valid_to,
    }
    token = service.store.root_key.wrap(json.dumps(payload).encode(), _TOKEN_PURPOSE)
    return {
        "KeyId": key["Arn"],
        "ImportToken": token.encode("ascii"),
        "PublicKey": keypairs.public_der(wrapping),
        "ParametersValidTo": valid_to,
    }


def _open_token(service: KmsService, key: dict, token: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(service.store.root_key.unwrap(token.decode("ascii"), _TOKEN_PURPOSE))
    except (RootKeyError, ValueError, UnicodeDecodeError):
        raise InvalidImportTokenException("Import token is invalid.") from None
    if payload.get("KeyId") != key["KeyId"] or payload.get("Arn", key["Arn"]) != key["Arn"]:
        raise InvalidImportTokenException(
            "The import token was not issued for this KMS key: call GetParametersForImport for it."
        )
    if service.clock.now() >= payload["ValidTo"]:
        raise ExpiredImportTokenException("Import token is expired.")
    return payload


def _unwrap(payload: dict[str, Any], encrypted: bytes) -> bytes:
    """The key material from EncryptedKeyMaterial, by the token's wrapping algorithm."""
    wrapping = keypairs.load_private(base64.b64decode(payload["WrappingKey"]))
    assert isinstance(wrapping, rsa.RSAPrivateKey)
    algorithm: str = payload["WrappingAlgorithm"]
    digest = _OAEP_HASHES["SHA_1" if algorithm.endswith("SHA_1") else "SHA_256"]()
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=digest), algorithm=digest, label=None)
    try:
        if algorithm.startswith("RSAES_OAEP"):
            return wrapping.decrypt(encrypted, oaep)
        size = wrapping.key_size // 8
        aes_key = wrapping.decrypt(encrypted[:size], oaep)
        return aes_key_unwrap_with_padding(aes_key, encrypted[size:])
    except (ValueError, InvalidUnwrap):
        raise invalid_ciphertext() from None


def _material_for(key: dict, material: bytes) -> tuple[bytes, bytes, bytes | None]:
    """(what is stored, what identifies it, the public key) for the key's spec, or
    IncorrectKeyMaterialException when the material is not a key of that spec."""
    spec = key["KeySpec"]
    if spec == keyspecs.SYMMETRIC:
        if len(material) != 32:
            raise IncorrectKeyMaterialException(
                "Symmetric encryption key material must be 256 bits (32 bytes)."
            )
        return material, material, None
    if spec in HMAC_MATERIAL_BYTES:
        low, high = HMAC_MATERIAL_BYTES[spec]
        if not low <= len(material) <= high:
            raise IncorrectKeyMaterialException(
                f"{spec} key material must be {low} to {high} bytes."
            )
        return material, material, None
    try:
        private = keypairs.load_private(material)
    except (ValueError, TypeError):
        raise IncorrectKeyMaterialException(
            f"The key material is not a DER-encoded PKCS #8 private key of spec {spec}."
        ) from None
    if keypairs.spec_of(private) != spec:
        raise IncorrectKeyMaterialException(
            f"The key material is a private key of another spec than the KMS key's ({spec})."
        )
    public = keypairs.public_der(private)
    return keypairs.private_der(private), public, public


def material_id_of(key: dict, identity: bytes) -> str:
    """The KeyMaterialId of imported material: a digest of the key id and the material
    (its public key, for a key pair)."""
    return hashlib.sha256(key["KeyId"].encode() + b"\0" + identity).hexdigest()


@operation("ImportKeyMaterial")
def import_key_material(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    token = validation.blob(params, "ImportToken")
    encrypted = validation.blob(params, "EncryptedKeyMaterial")
    model = (
        validation.string(params, "ExpirationModel", optional=True, choices=EXPIRATION_MODELS)
        or "KEY_MATERIAL_EXPIRES"
    )
    valid_to = _valid_to(service, params, model)
    import_type = validation.string(params, "ImportType", optional=True, choices=IMPORT_TYPES)
    description = validation.string(
        params, "KeyMaterialDescription", optional=True, min_len=0, max_len=256
    )
    conditions: dict[str, Any] = {"kms:ExpirationModel": model}
    if valid_to is not None:
        conditions["kms:ValidTo"] = iso8601(valid_to)
    key = _external_key(service, params, caller, ctx, "ImportKeyMaterial", conditions)
    if key["KeyState"] == PENDING_DELETION:
        raise KMSInvalidStateException(f"{key['Arn']} is pending deletion.")
    assert token is not None and encrypted is not None
    payload = _open_token(service, key, token)
    stored, identity, public = _material_for(key, _unwrap(payload, encrypted))
    material_id = material_id_of(key, identity)
    # a multi-Region key takes the same material in every Region
    known = [m for k in service.related_keys(key) for m in k.get("ImportedKeyMaterialIds") or []]
    known = list(dict.fromkeys(known))
    chosen = materials.import_type(key, import_type, material_id, known)
    requested_id = validation.string(params, "KeyMaterialId", optional=True, max_len=64)
    materials.check_key_material_id(requested_id, chosen, material_id)
    now = service.clock.now()
    entry: dict[str, Any] = {
        "KeyMaterialId": material_id,
        "Wrapped": service.store.root_key.wrap(stored, material_purpose(key, material_id)),
        "CreationDate": now,
        "ImportDate": now,
        "ExpirationModel": model,
        "ValidTo": valid_to,
    }
    del stored
    if description is not None:
        entry["KeyMaterialDescription"] = description
    if public is not None:
        entry["PublicKey"] = base64.b64encode(public).decode("ascii")
    updated = materials.place(key, entry, chosen, known)
    service.forget_key_material(key["KeyId"])
    service.save_key(updated)
    service.due.reschedule()
    return {"KeyId": key["Arn"], "KeyMaterialId": material_id}


def _valid_to(service: KmsService, params: dict, model: str) -> float | None:
    value = params.get("ValidTo")
    if model == "KEY_MATERIAL_DOES_NOT_EXPIRE":
        if value is not None:
            raise ValidationException(
                "ValidTo must be omitted when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE."
            )
        return None
    if value is None:
        raise ValidationException(
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"
        )
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise validation.violation("ValidTo", value, "Member must be a timestamp")
    now = service.clock.now()
    if value <= now:
        raise ValidationException("ValidTo must be a date and time in the future.")
    if value > now + MAX_VALID_DAYS * 86400:
        raise ValidationException(
            f"ValidTo must be no more than {MAX_VALID_DAYS} days from the request date."
        )
    return float(value)


@operation("DeleteImportedKeyMaterial")
def delete_imported_key_material(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    """The named key material (the current one by default) goes. Without its current
    material the key waits in PendingImport for the same material (a key pending
    deletion stays so); material pending rotation is forgotten entirely."""
    key = _external_key(service, params, caller, ctx, "DeleteImportedKeyMaterial")
    requested = validation.string(params, "KeyMaterialId", optional=True, max_len=64)
    current = key["CurrentKeyMaterialId"]
    target = requested or current
    entry = materials.entry_of(key, target)
    if requested is not None and (entry is None or not materials.is_imported(entry)):
        raise ValidationException(
            f"Key material {requested} is not key material imported into this KMS key."
        )
    updated = materials.remove(key, target)
    service.forget_key_material(key["KeyId"])
    service.save_key(updated)
    service.due.reschedule()
    out = {"KeyId": key["Arn"]}
    if target:
        out["KeyMaterialId"] = target
    return out


def remove_material(service: KmsService, key: dict, material_id: str | None = None) -> dict:
    """The key without the named (by default its current) imported material, not yet
    saved."""
    service.forget_key_material(key["KeyId"])
    return materials.remove(key, material_id or key["CurrentKeyMaterialId"])


def _expiring(key: dict) -> Iterator[tuple[dict, float]]:
    for entry in key["Materials"]:
        if materials.is_imported(entry):
            valid_to = entry.get(
                "ValidTo", key.get("ValidTo") if "ExpirationModel" not in entry else None
            )
            if valid_to is not None:
                yield entry, valid_to


def expiry_dates(service: KmsService) -> list[float]:
    """When imported key material expires, for the engine's schedule."""
    return [
        valid_to
        for key in service.all_keys()
        if key["Origin"] == "EXTERNAL"
        for _entry, valid_to in _expiring(key)
    ]


def expire_material(service: KmsService, now: float) -> list[tuple[dict, str]]:
    """Delete imported key material whose ValidTo has passed: (key, key material id)
    for each."""
    expired = []
    for key in service.all_keys():
        if key["Origin"] != "EXTERNAL":
            continue
        updated = key
        for entry, valid_to in list(_expiring(key)):
            if valid_to <= now:
                updated = remove_material(service, updated, entry["KeyMaterialId"])
                expired.append((key, entry["KeyMaterialId"]))
        if updated is not key:
            service.save_key(updated)
    return expired
