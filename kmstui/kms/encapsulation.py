"""Encapsulate and Decapsulate with ML-KEM keys (KeyUsage ENCAPSULATE_DECAPSULATE, FIPS
203): a fresh 32-byte shared secret and its ciphertext under the key's public key, and
the secret recovered from a ciphertext with the private key."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from kmstui.caller import Caller
from kmstui.kms import validation
from kmstui.kms.asymmetric import public_key_bytes, require_algorithm
from kmstui.kms.ciphertext import invalid_ciphertext
from kmstui.kms.service import CallContext, KmsService, operation
from kmstui.kms.support import dry_run, grant_tokens

ENCAPSULATION_ALGORITHMS = ("ML_KEM",)


def _key(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext, operation_name: str
) -> tuple[dict, str]:
    key = service.resolve(params.get("KeyId"), caller)
    algorithm = validation.string(
        params, "EncapsulationAlgorithm", choices=ENCAPSULATION_ALGORITHMS
    )
    grant_tokens(params)
    assert algorithm is not None
    service.authorize(ctx, caller, f"kms:{operation_name}", key)
    service.require_usable(key)
    service.require_usage(key, "ENCAPSULATE_DECAPSULATE", operation_name)
    require_algorithm(key, algorithm)
    return key, algorithm


@operation("Encapsulate")
def encapsulate(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key, algorithm = _key(service, params, caller, ctx, "Encapsulate")
    dry_run(params)
    public = serialization.load_der_public_key(public_key_bytes(key))
    # A key of usage ENCAPSULATE_DECAPSULATE is an ML-KEM key; the loader's type is
    # every kind of public key.
    secret, ciphertext = public.encapsulate()  # type: ignore[union-attr]
    return {
        "KeyId": key["Arn"],
        "SharedSecret": secret,
        "SharedSecretCiphertextBlob": ciphertext,
        "EncapsulationAlgorithm": algorithm,
    }


@operation("Decapsulate")
def decapsulate(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """The shared secret in SharedSecretCiphertextBlob. A ciphertext of the wrong length
    is InvalidCiphertextException; any other gives 32 bytes (ML-KEM's implicit
    rejection), which match the sender's only for the ciphertext it sent."""
    ciphertext = validation.blob(params, "SharedSecretCiphertextBlob")
    key, algorithm = _key(service, params, caller, ctx, "Decapsulate")
    assert ciphertext is not None
    dry_run(params)
    try:
        secret = service.key_secret(key).decapsulate(ciphertext)
    except ValueError:
        raise invalid_ciphertext() from None
    return {"KeyId": key["Arn"], "SharedSecret": secret, "EncapsulationAlgorithm": algorithm}
