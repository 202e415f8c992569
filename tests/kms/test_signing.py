"""Sign and Verify: every signing algorithm AWS lists per key spec, RAW and DIGEST
messages (EXTERNAL_MU for ML-DSA), each signature checked from GetPublicKey alone by an
independent implementation; AWS's errors for wrong usage, algorithm and message type."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization

from kmstui.errors import (
    DisabledException,
    InvalidKeyUsageException,
    KMSInvalidSignatureException,
    ValidationException,
)
from kmstui.model import keyspecs
from tests.kms.openssl_check import needs_openssl, verify

MESSAGE = b"The quick brown fox jumps over the lazy dog"
OPENSSL_CASES = [
    (spec, algorithm)
    for spec in (*keyspecs.RSA_SPECS, *keyspecs.NIST_SPECS, "ECC_SECG_P256K1")
    for algorithm in keyspecs.algorithms(spec, "SIGN_VERIFY")
] + [("ECC_NIST_EDWARDS25519", "ED25519_SHA_512")]


def _key(engine, spec):
    meta = engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": "SIGN_VERIFY"})["KeyMetadata"]
    return meta["KeyId"]


def _sign(engine, key_id, algorithm, message=MESSAGE, message_type="RAW"):
    return engine.call(
        "Sign",
        {
            "KeyId": key_id,
            "Message": message,
            "MessageType": message_type,
            "SigningAlgorithm": algorithm,
        },
    )["Signature"]


@needs_openssl
@pytest.mark.parametrize("spec,algorithm", OPENSSL_CASES)
def test_a_raw_message_signature_verifies_with_openssl(engine, tmp_path, spec, algorithm):
    key_id = _key(engine, spec)
    public = engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"]
    signature = _sign(engine, key_id, algorithm)
    assert verify(public, algorithm, MESSAGE, signature, tmp_path)
    assert not verify(public, algorithm, MESSAGE + b".", signature, tmp_path)


@needs_openssl
@pytest.mark.parametrize(
    "spec,algorithm",
    [case for case in OPENSSL_CASES if case[1] in keyspecs.SIGNING_HASHES],
)
def test_a_digest_signature_equals_a_signature_of_its_message(engine, tmp_path, spec, algorithm):
    key_id = _key(engine, spec)
    public = engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"]
    digest = hashlib.new(keyspecs.SIGNING_HASHES[algorithm], MESSAGE).digest()
    signature = _sign(engine, key_id, algorithm, digest, "DIGEST")
    # a signature over the digest is a signature over the message it digests
    assert verify(public, algorithm, MESSAGE, signature, tmp_path)
    verified = engine.call(
        "Verify",
        {
            "KeyId": key_id,
            "Message": MESSAGE,
            "SigningAlgorithm": algorithm,
            "Signature": signature,
        },
    )
    assert verified["SignatureValid"] is True


@pytest.mark.parametrize("spec", keyspecs.ML_DSA_SPECS)
def test_ml_dsa_signatures_verify_with_cryptography(engine, spec):
    key_id = _key(engine, spec)
    public = serialization.load_der_public_key(
        engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"]
    )
    signature = _sign(engine, key_id, "ML_DSA_SHAKE_256")
    public.verify(signature, MESSAGE)  # raises InvalidSignature if not


def _external_mu(public_der: bytes, message: bytes) -> bytes:
    """FIPS 204's mu for an empty context: SHAKE256(SHAKE256(pk, 64) || 0 || 0 || M, 64)."""
    from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PublicKey  # noqa: F401

    raw = serialization.load_der_public_key(public_der).public_bytes_raw()
    tr = hashlib.shake_256(raw).digest(64)
    return hashlib.shake_256(tr + b"\x00\x00" + message).digest(64)


@pytest.mark.parametrize("spec", keyspecs.ML_DSA_SPECS)
def test_an_external_mu_signature_verifies_over_the_message(engine, spec):
    key_id = _key(engine, spec)
    public_der = engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"]
    mu = _external_mu(public_der, MESSAGE)
    signature = _sign(engine, key_id, "ML_DSA_SHAKE_256", mu, "EXTERNAL_MU")
    serialization.load_der_public_key(public_der).verify(signature, MESSAGE)


def test_ed25519ph_matches_the_rfc_8032_test_vector():
    """RFC 8032, section 7.3 (Ed25519ph, message "abc")."""
    from kmstui.kms.signing import ed25519ph_sign, ed25519ph_verify

    seed = bytes.fromhex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
    public = bytes.fromhex("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf")
    expected = bytes.fromhex(
        "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41"
        "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"
    )
    digest = hashlib.sha512(b"abc").digest()
    assert ed25519ph_sign(seed, digest) == expected
    assert ed25519ph_verify(public, digest, expected)
    assert not ed25519ph_verify(public, hashlib.sha512(b"abd").digest(), expected)


def test_ed25519ph_raw_and_digest_messages_give_one_signature(engine):
    key_id = _key(engine, "ECC_NIST_EDWARDS25519")
    raw = _sign(engine, key_id, "ED25519_PH_SHA_512")
    digest = _sign(engine, key_id, "ED25519_PH_SHA_512", hashlib.sha512(MESSAGE).digest(), "DIGEST")
    assert raw == digest  # Ed25519ph is deterministic
    ok = engine.call(
        "Verify",
        {
            "KeyId": key_id,
            "Message": MESSAGE,
            "SigningAlgorithm": "ED25519_PH_SHA_512",
            "Signature": raw,
        },
    )
    assert ok["SignatureValid"] is True


@pytest.mark.parametrize(
    "spec,algorithm",
    [
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"),
        ("ML_DSA_44", "ML_DSA_SHAKE_256"),
    ],
)
def test_a_wrong_signature_is_kms_invalid_signature(engine, spec, algorithm):
    key_id = _key(engine, spec)
    signature = _sign(engine, key_id, algorithm)
    with pytest.raises(KMSInvalidSignatureException):
        engine.call(
            "Verify",
            {
                "KeyId": key_id,
                "Message": MESSAGE + b"!",
                "SigningAlgorithm": algorithm,
                "Signature": signature,
            },
        )


def test_an_algorithm_the_key_spec_does_not_list_is_invalid_key_usage(engine):
    key_id = _key(engine, "ECC_NIST_P256")
    with pytest.raises(InvalidKeyUsageException) as caught:
        _sign(engine, key_id, "ECDSA_SHA_384")
    assert (
        caught.value.message
        == "Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256."
    )


def test_a_symmetric_key_cannot_sign(engine):
    key = engine.call("CreateKey")["KeyMetadata"]
    with pytest.raises(InvalidKeyUsageException) as caught:
        _sign(engine, key["KeyId"], "ECDSA_SHA_256")
    assert caught.value.message == (
        f"{key['Arn']} key usage is ENCRYPT_DECRYPT which is not valid for Sign."
    )


def test_a_signing_key_cannot_encrypt(engine):
    key_id = _key(engine, "RSA_2048")
    with pytest.raises(
        InvalidKeyUsageException, match="SIGN_VERIFY which is not valid for Encrypt"
    ):
        engine.call(
            "Encrypt",
            {"KeyId": key_id, "Plaintext": b"x", "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"},
        )


@pytest.mark.parametrize("length", [31, 33, 64])
def test_a_digest_of_the_wrong_length_is_rejected(engine, length):
    key_id = _key(engine, "ECC_NIST_P256")
    with pytest.raises(ValidationException, match="Digest is invalid length for algorithm"):
        _sign(engine, key_id, "ECDSA_SHA_256", b"d" * length, "DIGEST")


def test_message_types_each_algorithm_refuses(engine):
    ed = _key(engine, "ECC_NIST_EDWARDS25519")
    with pytest.raises(ValidationException, match="incompatible with algorithm ED25519_SHA_512"):
        _sign(engine, ed, "ED25519_SHA_512", b"d" * 64, "DIGEST")
    ml = _key(engine, "ML_DSA_65")
    with pytest.raises(ValidationException, match="DIGEST is incompatible with key spec ML_DSA_65"):
        _sign(engine, ml, "ML_DSA_SHAKE_256", b"d" * 64, "DIGEST")
    with pytest.raises(ValidationException, match="External Mu is invalid length"):
        _sign(engine, ml, "ML_DSA_SHAKE_256", b"d" * 32, "EXTERNAL_MU")
    ec = _key(engine, "ECC_NIST_P256")
    with pytest.raises(ValidationException, match="EXTERNAL_MU is incompatible"):
        _sign(engine, ec, "ECDSA_SHA_256", b"d" * 64, "EXTERNAL_MU")


def test_a_raw_message_over_4096_bytes_is_rejected(engine):
    key_id = _key(engine, "ECC_NIST_P256")
    with pytest.raises(ValidationException, match="less than or equal to 4096"):
        _sign(engine, key_id, "ECDSA_SHA_256", b"m" * 4097)


def test_a_disabled_key_neither_signs_nor_verifies(engine):
    key_id = _key(engine, "ECC_NIST_P256")
    signature = _sign(engine, key_id, "ECDSA_SHA_256")
    engine.call("DisableKey", {"KeyId": key_id})
    with pytest.raises(DisabledException):
        _sign(engine, key_id, "ECDSA_SHA_256")
    with pytest.raises(DisabledException):
        engine.call(
            "Verify",
            {
                "KeyId": key_id,
                "Message": MESSAGE,
                "SigningAlgorithm": "ECDSA_SHA_256",
                "Signature": signature,
            },
        )


def test_signing_algorithm_is_required(engine):
    key_id = _key(engine, "ECC_NIST_P256")
    with pytest.raises(ValidationException, match="signingAlgorithm"):
        engine.call("Sign", {"KeyId": key_id, "Message": MESSAGE})
