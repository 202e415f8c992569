"""Cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey,
GenerateDataKeyWithoutPlaintext, GenerateRandom.

Envelope encryption with AES-256-GCM under the key's current key material; the blob
records which key and which key material made it (see ``ciphertext``), so blobs made
before a rotation keep decrypting."""

from __future__ import annotations

from cryptography.exceptions import InvalidTag

from kmstui.caller import Caller
from kmstui.errors import (
    AwsError,
    IncorrectKeyException,
    InvalidKeyUsageException,
    KMSInvalidStateException,
    NotFoundException,
    ValidationException,
)
from kmstui.kms import ciphertext, validation
from kmstui.kms.ciphertext import invalid_ciphertext
from kmstui.kms.encryption_context import EncryptionContext
from kmstui.kms.service import CallContext, KmsService, operation
from kmstui.kms.support import dry_run as _dry_run
from kmstui.kms.support import grant_tokens as _grant_tokens

ALGORITHMS = ("SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE")
DATA_KEY_SPECS = {"AES_256": 32, "AES_128": 16}
# The request's algorithm condition key: symmetric keys only take SYMMETRIC_DEFAULT
# (_algorithm says so).
_SYMMETRIC_DEFAULT = {"kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}


def _algorithm(params: dict, name: str = "EncryptionAlgorithm") -> str:
    if params.get(name) is None:
        return "SYMMETRIC_DEFAULT"
    algorithm = validation.string(params, name, optional=True, choices=ALGORITHMS)
    if algorithm not in (None, "SYMMETRIC_DEFAULT"):
        raise InvalidKeyUsageException(
            f"The encryption algorithm {algorithm} is not compatible with a symmetric "
            "encryption KMS key. Use SYMMETRIC_DEFAULT."
        )
    return "SYMMETRIC_DEFAULT"


def seal(service: KmsService, key: dict, plaintext: bytes, context: EncryptionContext) -> bytes:
    material_id = key["CurrentKeyMaterialId"]
    aead = service.aead(key, material_id)
    if aead is None:  # the key is usable only while its current material is imported
        raise _pending_import(key, material_id)
    head = ciphertext.header(key["KeyId"], material_id)
    nonce = service.entropy.token_bytes(ciphertext.NONCE_LEN)
    sealed = aead.encrypt(nonce, plaintext, head + context.aad)
    return ciphertext.pack(head, nonce, sealed)


def _pending_import(key: dict, material_id: str) -> AwsError:
    return KMSInvalidStateException(
        f"Key material {material_id} of {key['Arn']} is pending import."
    )


def open_blob(
    service: KmsService,
    blob: bytes,
    caller: Caller,
    ctx: CallContext,
    *,
    key_id_param,
    context: EncryptionContext,
    action: str,
    extra_context: dict | None = None,
) -> tuple[dict, bytes, str]:
    """Find the blob's key, check KeyId, authorize, check state, decrypt.

    InvalidCiphertextException for anything tampered with or not ours;
    IncorrectKeyException when KeyId names another key; NotFoundException when the
    blob's key has been deleted."""
    envelope = ciphertext.unpack(blob)
    if envelope.key_id.startswith("mrk-"):
        key = _related_key_here(service, envelope.key_id, caller)
    else:
        key = service.key_by_id(envelope.key_id)
    if key is None:
        raise invalid_ciphertext()
    if key["KeyState"] == "Deleted":
        raise NotFoundException(f"Key '{key['Arn']}' does not exist")
    if key_id_param is not None:
        named = service.resolve(key_id_param, caller)
        if named["KeyId"] != key["KeyId"]:
            raise IncorrectKeyException(
                "The key ID in the request does not identify a CMK that can perform this operation."
            )
    service.authorize(ctx, caller, action, key, context, extra_context)
    service.require_usable(key)
    aead = service.aead(key, envelope.key_material_id)
    if aead is None:
        if any(m["KeyMaterialId"] == envelope.key_material_id for m in key["Materials"]):
            raise _pending_import(key, envelope.key_material_id)
        raise invalid_ciphertext()
    try:
        plaintext = aead.decrypt(envelope.nonce, envelope.sealed, envelope.header + context.aad)
    except InvalidTag:
        raise invalid_ciphertext() from None
    return key, plaintext, envelope.key_material_id


def _related_key_here(service: KmsService, key_id: str, caller: Caller) -> dict | None:
    """The caller's Region's copy of the multi-Region key that made a blob: the
    primary or a replica, whichever lives there."""
    copies = service.keys_with_id(key_id)
    if not copies:
        return None
    here = [k for k in copies if k["Region"] == caller.region]
    if not here:
        owner = copies[0]["AWSAccountId"]
        raise NotFoundException(
            f"Key 'arn:aws:kms:{caller.region}:{owner}:key/{key_id}' does not exist"
        )
    mine = [k for k in here if k["AWSAccountId"] == caller.account]
    return (mine or here)[0]


@operation("Encrypt")
def encrypt(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """Encrypt up to 4,096 bytes under a symmetric key (RSA keys: see asymmetric)."""
    key = service.resolve(params.get("KeyId"), caller)
    if key["KeySpec"] != "SYMMETRIC_DEFAULT":
        from kmstui.kms import asymmetric

        return asymmetric.encrypt(service, key, params, caller, ctx)
    plaintext = validation.blob(params, "Plaintext", max_len=4096)
    context = service.encryption_contexts.read(params)
    algorithm = _algorithm(params)
    _grant_tokens(params)
    service.authorize(ctx, caller, "kms:Encrypt", key, context, _SYMMETRIC_DEFAULT)
    service.require_usable(key)
    _dry_run(params)
    blob = seal(service, key, plaintext, context)
    ctx.extra["additionalEventData"] = {"keyMaterialId": key["CurrentKeyMaterialId"]}
    return {"CiphertextBlob": blob, "KeyId": key["Arn"], "EncryptionAlgorithm": algorithm}


@operation("Decrypt")
def decrypt(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    if params.get("EncryptionAlgorithm") not in (None, "SYMMETRIC_DEFAULT"):
        from kmstui.kms import asymmetric

        return asymmetric.decrypt(service, params, caller, ctx)
    blob = validation.blob(params, "CiphertextBlob")
    context = service.encryption_contexts.read(params)
    algorithm = _algorithm(params)
    _grant_tokens(params)
    if params.get("Recipient") is not None:
        raise ValidationException("Recipient (attested enclaves) is not supported.")
    key, plaintext, material_id = open_blob(
        service,
        blob,
        caller,
        ctx,
        key_id_param=params.get("KeyId"),
        context=context,
        action="kms:Decrypt",
        extra_context=_SYMMETRIC_DEFAULT,
    )
    _dry_run(params)
    ctx.extra["additionalEventData"] = {"keyMaterialId": material_id}
    return {
        "KeyId": key["Arn"],
        "Plaintext": plaintext,
        "EncryptionAlgorithm": algorithm,
        "KeyMaterialId": material_id,
    }


@operation("ReEncrypt")
def re_encrypt(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """Decrypt under the source key and encrypt under the destination key without
    exposing the plaintext (kms:ReEncryptFrom on the source, kms:ReEncryptTo on the
    destination)."""
    from kmstui.kms import asymmetric

    blob = validation.blob(params, "CiphertextBlob")
    source_context = service.encryption_contexts.read(params, "SourceEncryptionContext")
    destination_context = service.encryption_contexts.read(params, "DestinationEncryptionContext")
    rsa_source = params.get("SourceEncryptionAlgorithm") not in (None, "SYMMETRIC_DEFAULT")
    source_algorithm = (
        "SYMMETRIC_DEFAULT" if rsa_source else _algorithm(params, "SourceEncryptionAlgorithm")
    )
    _grant_tokens(params)
    validation.required(params, "DestinationKeyId")
    destination = service.resolve(params.get("DestinationKeyId"), caller, member="DestinationKeyId")
    if destination["KeySpec"] == "SYMMETRIC_DEFAULT":
        destination_algorithm = _algorithm(params, "DestinationEncryptionAlgorithm")
    else:
        destination_algorithm = asymmetric.encryption_algorithm(
            params, "DestinationEncryptionAlgorithm"
        )
    if rsa_source:
        source, plaintext, source_material, source_algorithm = asymmetric.open_source(
            service, params, caller, ctx
        )
    else:
        source, plaintext, source_material = open_blob(
            service,
            blob,
            caller,
            ctx,
            key_id_param=params.get("SourceKeyId"),
            context=source_context,
            action="kms:ReEncryptFrom",
            extra_context={"kms:ReEncryptOnSameKey": False},
        )
    same = source["KeyId"] == destination["KeyId"]
    service.authorize(
        ctx,
        caller,
        "kms:ReEncryptTo",
        destination,
        destination_context,
        {"kms:ReEncryptOnSameKey": same, "kms:EncryptionAlgorithm": destination_algorithm},
    )
    service.require_usable(destination)
    service.require_usage(destination, "ENCRYPT_DECRYPT", "ReEncrypt")
    if destination["KeySpec"] != "SYMMETRIC_DEFAULT":
        asymmetric.require_algorithm(destination, destination_algorithm)
        asymmetric.no_context(params, "DestinationEncryptionContext")
    _dry_run(params)
    if destination["KeySpec"] == "SYMMETRIC_DEFAULT":
        blob = seal(service, destination, plaintext, destination_context)
    else:
        blob = asymmetric.rsa_seal(destination, plaintext, destination_algorithm)
    ctx.extra["additionalEventData"] = {
        "destinationKeyMaterialId": destination["CurrentKeyMaterialId"],
        "sourceKeyMaterialId": source_material,
    }
    out = {
        "CiphertextBlob": blob,
        "SourceKeyId": source["Arn"],
        "KeyId": destination["Arn"],
        "SourceEncryptionAlgorithm": source_algorithm,
        "DestinationEncryptionAlgorithm": destination_algorithm,
    }
    # the key material members name symmetric key material only
    if not rsa_source:
        out["SourceKeyMaterialId"] = source_material
    if destination["KeySpec"] == "SYMMETRIC_DEFAULT":
        out["DestinationKeyMaterialId"] = destination["CurrentKeyMaterialId"]
    return out


def _data_key_size(params: dict) -> int:
    spec = validation.string(params, "KeySpec", optional=True, choices=tuple(DATA_KEY_SPECS))
    count = validation.integer(params, "NumberOfBytes", low=1, high=1024)
    if spec is None:
        if count is None:
            raise ValidationException("Please specify either number of bytes or key spec.")
        return count
    if count is not None:
        raise ValidationException("Please specify either number of bytes or key spec, not both.")
    return DATA_KEY_SPECS[spec]


def _generate_data_key(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext, action: str
) -> tuple[dict, bytes, bytes]:
    key = service.resolve(params.get("KeyId"), caller)
    size = _data_key_size(params)
    context = service.encryption_contexts.read(params)
    _grant_tokens(params)
    service.authorize(ctx, caller, action, key, context)
    service.require_usable(key)
    service.require_symmetric(key, action[4:])
    _dry_run(params)
    plaintext = service.entropy.token_bytes(size)
    blob = seal(service, key, plaintext, context)
    ctx.extra["additionalEventData"] = {"keyMaterialId": key["CurrentKeyMaterialId"]}
    return key, plaintext, blob


@operation("GenerateDataKey")
def generate_data_key(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """A data key: its plaintext and its copy encrypted under the KMS key.
    Exactly one of KeySpec (AES_128, AES_256) and NumberOfBytes (1–1024)."""
    key, plaintext, blob = _generate_data_key(service, params, caller, ctx, "kms:GenerateDataKey")
    return {
        "CiphertextBlob": blob,
        "Plaintext": plaintext,
        "KeyId": key["Arn"],
        "KeyMaterialId": key["CurrentKeyMaterialId"],
    }


@operation("GenerateDataKeyWithoutPlaintext")
def generate_data_key_without_plaintext(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    key, _plaintext, blob = _generate_data_key(
        service, params, caller, ctx, "kms:GenerateDataKeyWithoutPlaintext"
    )
    del _plaintext
    return {
        "CiphertextBlob": blob,
        "KeyId": key["Arn"],
        "KeyMaterialId": key["CurrentKeyMaterialId"],
    }


@operation("GenerateRandom")
def generate_random(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    count = validation.integer(params, "NumberOfBytes", low=1, high=1024)
    if count is None:
        raise ValidationException("NumberOfBytes is required.")
    store = params.get("CustomKeyStoreId")
    if store is not None:
        store = validation.string(params, "CustomKeyStoreId", max_len=64)
    service.authorize(ctx, caller, "kms:GenerateRandom", None)
    if store is not None:  # no custom key store exists (see customkeystores)
        from kmstui.kms.customkeystores import not_found

        raise not_found(store)
    return {"Plaintext": service.entropy.token_bytes(count)}
