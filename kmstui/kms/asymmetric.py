"""Operations of asymmetric keys that are not signing: GetPublicKey, RSAES_OAEP
encryption (Encrypt, Decrypt and ReEncrypt hand RSA keys to the functions here),
DeriveSharedSecret (ECDH), and GenerateDataKeyPair / GenerateDataKeyPairWithoutPlaintext
(key pairs protected by a symmetric encryption key)."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from kmstui.caller import Caller
from kmstui.errors import (
    InvalidKeyUsageException,
    UnsupportedOperationException,
    ValidationException,
)
from kmstui.kms import keypairs, validation
from kmstui.kms.ciphertext import invalid_ciphertext
from kmstui.kms.service import CallContext, KmsService, operation
from kmstui.kms.support import dry_run, grant_tokens
from kmstui.model import keyspecs

_OAEP_HASHES = {"RSAES_OAEP_SHA_1": hashes.SHA1, "RSAES_OAEP_SHA_256": hashes.SHA256}


def public_key_bytes(key: dict) -> bytes:
    """The key's DER SubjectPublicKeyInfo (kept in the clear beside its material)."""
    material_id = key["CurrentKeyMaterialId"]
    material = next(m for m in key["Materials"] if m["KeyMaterialId"] == material_id)
    return base64.b64decode(material["PublicKey"])


def require_asymmetric(key: dict, operation_name: str) -> None:
    if not keyspecs.is_asymmetric(key["KeySpec"]):
        raise UnsupportedOperationException(
            f"{key['Arn']} key spec {key['KeySpec']} is not supported for {operation_name}."
        )


def require_algorithm(key: dict, algorithm: str) -> None:
    """InvalidKeyUsageException when the key's spec and usage do not list the
    algorithm."""
    if algorithm not in keyspecs.algorithms(key["KeySpec"], key["KeyUsage"]):
        raise InvalidKeyUsageException(
            f"Algorithm {algorithm} is incompatible with key spec {key['KeySpec']}."
        )


@operation("GetPublicKey")
def get_public_key(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller)
    grant_tokens(params)
    service.authorize(ctx, caller, "kms:GetPublicKey", key)
    service.require_usable(key)
    require_asymmetric(key, "GetPublicKey")
    return {
        "KeyId": key["Arn"],
        "PublicKey": public_key_bytes(key),
        "CustomerMasterKeySpec": key["KeySpec"],
        "KeySpec": key["KeySpec"],
        "KeyUsage": key["KeyUsage"],
        **keyspecs.metadata_algorithms(key["KeySpec"], key["KeyUsage"]),
    }


# -- RSAES_OAEP -------------------------------------------------------------------------


def _oaep(algorithm: str) -> padding.OAEP:
    digest = _OAEP_HASHES[algorithm]()
    return padding.OAEP(mgf=padding.MGF1(algorithm=digest), algorithm=digest, label=None)


def encryption_algorithm(params: dict, member: str) -> str:
    """An EncryptionAlgorithm member (SYMMETRIC_DEFAULT when absent)."""
    algorithm = validation.string(
        params, member, optional=True, choices=("SYMMETRIC_DEFAULT", *keyspecs.RSA_ENCRYPTION)
    )
    return algorithm or "SYMMETRIC_DEFAULT"


def no_context(params: dict, member: str) -> None:
    if params.get(member):
        raise ValidationException(
            f"{member} is not supported for asymmetric KMS keys: an encryption context is "
            "valid only with symmetric encryption KMS keys."
        )


def rsa_seal(key: dict, plaintext: bytes, algorithm: str) -> bytes:
    """RSAES_OAEP under the key's public key, within AWS's size limit for the key."""
    limit = keyspecs.oaep_max_plaintext(key["KeySpec"], algorithm)
    if len(plaintext) > limit:
        raise ValidationException(
            f"Algorithm {algorithm} and key spec {key['KeySpec']} cannot encrypt data "
            f"larger than {limit} bytes."
        )
    public = serialization.load_der_public_key(public_key_bytes(key))
    # RSAES_OAEP's key is an RSA key; the loader's type is every kind of public key.
    return public.encrypt(plaintext, _oaep(algorithm))  # type: ignore[union-attr]


def rsa_open(service: KmsService, key: dict, blob: bytes, algorithm: str) -> bytes:
    private = service.key_secret(key)
    try:
        return private.decrypt(blob, _oaep(algorithm))
    except ValueError:
        raise invalid_ciphertext() from None


def encrypt(service: KmsService, key: dict, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """Encrypt under an asymmetric key (Encrypt hands every non-symmetric key here)."""
    plaintext = validation.blob(params, "Plaintext", max_len=4096)
    grant_tokens(params)
    algorithm = encryption_algorithm(params, "EncryptionAlgorithm")
    service.authorize(ctx, caller, "kms:Encrypt", key, None, {"kms:EncryptionAlgorithm": algorithm})
    service.require_usable(key)
    service.require_usage(key, "ENCRYPT_DECRYPT", "Encrypt")
    require_algorithm(key, algorithm)
    no_context(params, "EncryptionContext")
    dry_run(params)
    assert plaintext is not None
    blob = rsa_seal(key, plaintext, algorithm)
    ctx.extra["additionalEventData"] = {"keyMaterialId": key["CurrentKeyMaterialId"]}
    return {"CiphertextBlob": blob, "KeyId": key["Arn"], "EncryptionAlgorithm": algorithm}


def decrypt(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """Decrypt with an asymmetric algorithm: KeyId must name the RSA key."""
    blob = validation.blob(params, "CiphertextBlob")
    grant_tokens(params)
    if params.get("KeyId") is None:
        raise invalid_ciphertext()
    key = service.resolve(params.get("KeyId"), caller)
    algorithm = encryption_algorithm(params, "EncryptionAlgorithm")
    service.authorize(ctx, caller, "kms:Decrypt", key, None, {"kms:EncryptionAlgorithm": algorithm})
    service.require_usable(key)
    service.require_usage(key, "ENCRYPT_DECRYPT", "Decrypt")
    assert blob is not None
    require_algorithm(key, algorithm)
    no_context(params, "EncryptionContext")
    dry_run(params)
    plaintext = rsa_open(service, key, blob, algorithm)
    ctx.extra["additionalEventData"] = {"keyMaterialId": key["CurrentKeyMaterialId"]}
    # KeyMaterialId is a member of symmetric decryption only
    return {"KeyId": key["Arn"], "Plaintext": plaintext, "EncryptionAlgorithm": algorithm}


def open_source(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> tuple[dict, bytes, str, str]:
    """ReEncrypt's source when SourceEncryptionAlgorithm is RSAES_OAEP: SourceKeyId
    names the RSA key. (key, plaintext, key material id, algorithm)."""
    blob = validation.blob(params, "CiphertextBlob")
    if params.get("SourceKeyId") is None:
        raise invalid_ciphertext()
    key = service.resolve(params.get("SourceKeyId"), caller, member="SourceKeyId")
    algorithm = encryption_algorithm(params, "SourceEncryptionAlgorithm")
    service.authorize(
        ctx,
        caller,
        "kms:ReEncryptFrom",
        key,
        None,
        {"kms:ReEncryptOnSameKey": False, "kms:EncryptionAlgorithm": algorithm},
    )
    service.require_usable(key)
    service.require_usage(key, "ENCRYPT_DECRYPT", "ReEncrypt")
    require_algorithm(key, algorithm)
    no_context(params, "SourceEncryptionContext")
    assert blob is not None
    plaintext = rsa_open(service, key, blob, algorithm)
    return key, plaintext, key["CurrentKeyMaterialId"], algorithm


# -- DeriveSharedSecret -------------------------------------------------------------------


@operation("DeriveSharedSecret")
def derive_shared_secret(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    """ECDH between the key's private key and the peer's public key (DER
    SubjectPublicKeyInfo on the key's curve): the raw shared secret."""
    key = service.resolve(params.get("KeyId"), caller)
    algorithm = validation.string(params, "KeyAgreementAlgorithm", choices=("ECDH",))
    peer_der = validation.blob(params, "PublicKey", max_len=8192)
    grant_tokens(params)
    if params.get("Recipient") is not None:
        raise ValidationException("Recipient (attested enclaves) is not supported.")
    service.authorize(
        ctx,
        caller,
        "kms:DeriveSharedSecret",
        key,
        None,
        {"kms:KeyAgreementAlgorithm": algorithm},
    )
    service.require_usable(key)
    service.require_usage(key, "KEY_AGREEMENT", "DeriveSharedSecret")
    assert algorithm is not None and peer_der is not None
    require_algorithm(key, algorithm)
    private = service.key_secret(key)
    peer = _peer_public_key(peer_der, private.curve)
    dry_run(params)
    secret = private.exchange(ec.ECDH(), peer)
    return {
        "KeyId": key["Arn"],
        "SharedSecret": secret,
        "KeyAgreementAlgorithm": algorithm,
        "KeyOrigin": key["Origin"],
    }


def _peer_public_key(der: bytes, curve: ec.EllipticCurve) -> ec.EllipticCurvePublicKey:
    try:
        peer = serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        raise ValidationException(
            "PublicKey must be a DER-encoded X.509 SubjectPublicKeyInfo public key."
        ) from None
    if not isinstance(peer, ec.EllipticCurvePublicKey) or peer.curve.name != curve.name:
        raise ValidationException(
            f"The public key is not on the key's curve ({curve.name}): key agreement needs "
            "two keys on the same curve."
        )
    return peer


# -- GenerateDataKeyPair --------------------------------------------------------------------


def _generate_data_key_pair(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext, operation_name: str
) -> tuple[dict, bytes, dict[str, Any]]:
    from kmstui.kms.crypto import seal

    key = service.resolve(params.get("KeyId"), caller)
    pair_spec = validation.string(params, "KeyPairSpec", choices=keyspecs.DATA_KEY_PAIR_SPEC_ENUM)
    context = service.encryption_contexts.read(params)
    grant_tokens(params)
    if params.get("Recipient") is not None:
        raise ValidationException("Recipient (attested enclaves) is not supported.")
    assert pair_spec is not None
    service.authorize(
        ctx,
        caller,
        f"kms:{operation_name}",
        key,
        context,
        {"kms:DataKeyPairSpec": pair_spec, "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
    )
    service.require_usable(key)
    service.require_symmetric(key, operation_name)
    if pair_spec in keyspecs.UNSUPPORTED_SPECS:
        reason = keyspecs.UNSUPPORTED_SPECS[pair_spec].replace("KeySpec", "KeyPairSpec", 1)
        raise UnsupportedOperationException(reason)
    dry_run(params)
    pair = keypairs.generate(pair_spec, service.entropy, service.rsa_pool)
    private_der = keypairs.private_der(pair)
    blob = seal(service, key, private_der, context)
    ctx.extra["additionalEventData"] = {"keyMaterialId": key["CurrentKeyMaterialId"]}
    out = {
        "PrivateKeyCiphertextBlob": blob,
        "PublicKey": keypairs.public_der(pair),
        "KeyId": key["Arn"],
        "KeyPairSpec": pair_spec,
        "KeyMaterialId": key["CurrentKeyMaterialId"],
    }
    return key, private_der, out


@operation("GenerateDataKeyPair")
def generate_data_key_pair(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    """A key pair: its private key in plaintext and encrypted under a symmetric
    encryption key, and its public key."""
    _key, private_der, out = _generate_data_key_pair(
        service, params, caller, ctx, "GenerateDataKeyPair"
    )
    return {
        "PrivateKeyCiphertextBlob": out["PrivateKeyCiphertextBlob"],
        "PrivateKeyPlaintext": private_der,
        **{k: v for k, v in out.items() if k != "PrivateKeyCiphertextBlob"},
    }


@operation("GenerateDataKeyPairWithoutPlaintext")
def generate_data_key_pair_without_plaintext(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    _key, private_der, out = _generate_data_key_pair(
        service, params, caller, ctx, "GenerateDataKeyPairWithoutPlaintext"
    )
    del private_der
    return out
