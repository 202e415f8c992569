"""Sign and Verify with asymmetric SIGN_VERIFY keys: RSASSA PKCS#1 v1.5 and PSS, ECDSA
(NIST curves and secp256k1), Ed25519 and Ed25519ph, and ML-DSA.

MessageType RAW has KMS hash the message (up to 4,096 bytes) with the algorithm's
hash; DIGEST passes a digest of exactly the hash's length; EXTERNAL_MU passes ML-DSA's
64-byte mu. Signatures are as AWS returns them: RSA signatures raw, ECDSA signatures
DER-encoded (RFC 3279), Ed25519 and ML-DSA signatures raw."""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, utils

from kmstui.caller import Caller
from kmstui.errors import KMSInvalidSignatureException, ValidationException
from kmstui.kms import validation
from kmstui.kms.asymmetric import require_algorithm
from kmstui.kms.service import CallContext, KmsService, operation
from kmstui.kms.support import dry_run, grant_tokens
from kmstui.model import keyspecs
from kmstui.model.keyspecs import DIGEST_BYTES, ML_DSA_SPECS, SIGNING_HASHES

SIGNING_ALGORITHMS = (
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "ECDSA_SHA_256",
    "ECDSA_SHA_384",
    "ECDSA_SHA_512",
    "SM2DSA",
    "ML_DSA_SHAKE_256",
    "ED25519_SHA_512",
    "ED25519_PH_SHA_512",
)
MESSAGE_TYPES = ("RAW", "DIGEST", "EXTERNAL_MU")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
MU_BYTES = 64


def _request(
    service: KmsService,
    params: dict,
    caller: Caller,
    ctx: CallContext,
    operation_name: str,
) -> tuple[dict, bytes, str, str]:
    """The checks Sign and Verify share: (key, message, algorithm, message type)."""
    key = service.resolve(params.get("KeyId"), caller)
    message = validation.blob(params, "Message", max_len=4096)
    message_type = (
        validation.string(params, "MessageType", optional=True, choices=MESSAGE_TYPES) or "RAW"
    )
    algorithm = validation.string(params, "SigningAlgorithm", choices=SIGNING_ALGORITHMS)
    grant_tokens(params)
    assert message is not None and algorithm is not None
    service.authorize(
        ctx,
        caller,
        f"kms:{operation_name}",
        key,
        None,
        {"kms:SigningAlgorithm": algorithm, "kms:MessageType": message_type},
    )
    service.require_usable(key)
    service.require_usage(key, "SIGN_VERIFY", operation_name)
    require_algorithm(key, algorithm)
    _check_message(key["KeySpec"], algorithm, message_type, message)
    return key, message, algorithm, message_type


def _check_message(spec: str, algorithm: str, message_type: str, message: bytes) -> None:
    """AWS's rules for which message types each algorithm takes, and their lengths."""
    if spec in ML_DSA_SPECS:
        if message_type == "DIGEST":
            raise ValidationException(f"Message type DIGEST is incompatible with key spec {spec}.")
        if message_type == "EXTERNAL_MU" and len(message) != MU_BYTES:
            raise ValidationException(f"External Mu is invalid length for algorithm {algorithm}.")
        return
    if message_type == "EXTERNAL_MU":
        raise ValidationException(f"Message type EXTERNAL_MU is incompatible with key spec {spec}.")
    if algorithm == "ED25519_SHA_512" and message_type != "RAW":
        raise ValidationException(
            f"Message type {message_type} is incompatible with algorithm {algorithm}."
        )
    if message_type == "DIGEST" and len(message) != DIGEST_BYTES[SIGNING_HASHES[algorithm]]:
        raise ValidationException(f"Digest is invalid length for algorithm {algorithm}.")


def _rsa_padding(algorithm: str, digest: hashes.HashAlgorithm) -> Any:
    if algorithm.startswith("RSASSA_PSS_"):
        # AWS KMS uses a salt as long as the digest.
        return padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
    return padding.PKCS1v15()


def _hash_choice(algorithm: str, message_type: str) -> Any:
    digest = _HASHES[SIGNING_HASHES[algorithm]]()
    return utils.Prehashed(digest) if message_type == "DIGEST" else digest


def _ed25519ph_digest(message: bytes, message_type: str) -> bytes:
    if message_type == "DIGEST":
        return message
    digest = hashes.Hash(hashes.SHA512())
    digest.update(message)
    return digest.finalize()


def ed25519ph_sign(seed: bytes, digest: bytes) -> bytes:
    """Ed25519ph (RFC 8032, empty context) over a SHA-512 digest, by PyCryptodome."""
    from Crypto.Signature import eddsa

    return eddsa.new(eddsa.import_private_key(seed), "rfc8032").sign(_given_digest(digest))


def ed25519ph_verify(public: bytes, digest: bytes, signature: bytes) -> bool:
    from Crypto.Signature import eddsa

    try:
        eddsa.new(eddsa.import_public_key(public), "rfc8032").verify(
            _given_digest(digest), signature
        )
    except ValueError:
        return False
    return True


def _given_digest(digest: bytes) -> Any:
    """A SHA-512 hash object standing for a digest KMS was given rather than computed:
    PyCryptodome's Ed25519ph takes the prehash as a SHA-512 object and reads only its
    digest."""
    from Crypto.Hash import SHA512

    class GivenDigest(SHA512.SHA512Hash):
        def digest(self) -> bytes:
            return digest

    return GivenDigest(None, None)


def sign_message(
    private: Any, spec: str, algorithm: str, message_type: str, message: bytes
) -> bytes:
    if spec in ML_DSA_SPECS:
        return private.sign_mu(message) if message_type == "EXTERNAL_MU" else private.sign(message)
    if algorithm == "ED25519_SHA_512":
        return private.sign(message)
    if algorithm == "ED25519_PH_SHA_512":
        return ed25519ph_sign(private.private_bytes_raw(), _ed25519ph_digest(message, message_type))
    choice = _hash_choice(algorithm, message_type)
    if spec in keyspecs.RSA_SPECS:
        digest = _HASHES[SIGNING_HASHES[algorithm]]()
        return private.sign(message, _rsa_padding(algorithm, digest), choice)
    return private.sign(message, ec.ECDSA(choice))


def verify_message(
    public: Any, spec: str, algorithm: str, message_type: str, message: bytes, signature: bytes
) -> bool:
    try:
        if spec in ML_DSA_SPECS:
            if message_type == "EXTERNAL_MU":
                public.verify_mu(signature, message)
            else:
                public.verify(signature, message)
        elif algorithm == "ED25519_SHA_512":
            public.verify(signature, message)
        elif algorithm == "ED25519_PH_SHA_512":
            assert isinstance(public, ed25519.Ed25519PublicKey)
            return ed25519ph_verify(
                public.public_bytes_raw(), _ed25519ph_digest(message, message_type), signature
            )
        elif spec in keyspecs.RSA_SPECS:
            digest = _HASHES[SIGNING_HASHES[algorithm]]()
            public.verify(
                signature,
                message,
                _rsa_padding(algorithm, digest),
                _hash_choice(algorithm, message_type),
            )
        else:
            public.verify(signature, message, ec.ECDSA(_hash_choice(algorithm, message_type)))
    except (InvalidSignature, ValueError):
        return False
    return True


@operation("Sign")
def sign(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key, message, algorithm, message_type = _request(service, params, caller, ctx, "Sign")
    dry_run(params)
    private = service.key_secret(key)
    signature = sign_message(private, key["KeySpec"], algorithm, message_type, message)
    return {"KeyId": key["Arn"], "Signature": signature, "SigningAlgorithm": algorithm}


@operation("Verify")
def verify(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """Verify a signature with the key's public key: SignatureValid true, or
    KMSInvalidSignatureException."""
    key, message, algorithm, message_type = _request(service, params, caller, ctx, "Verify")
    signature = validation.blob(params, "Signature", max_len=6144)
    assert signature is not None
    dry_run(params)
    # the cached private key's public half: no DER parsing per call
    public = service.key_secret(key).public_key()
    if not verify_message(public, key["KeySpec"], algorithm, message_type, message, signature):
        raise KMSInvalidSignatureException("")
    return {"KeyId": key["Arn"], "SignatureValid": True, "SigningAlgorithm": algorithm}
