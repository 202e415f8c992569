"""GenerateMac/VerifyMac with HMAC keys and DeriveSharedSecret with ECC KEY_AGREEMENT
keys."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmstui.errors import (
    DisabledException,
    InvalidKeyUsageException,
    KMSInvalidMacException,
    ValidationException,
)

MAC_SPECS = {"HMAC_224": 28, "HMAC_256": 32, "HMAC_384": 48, "HMAC_512": 64}


def _mac_key(engine, spec="HMAC_256"):
    return engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": "GENERATE_VERIFY_MAC"})[
        "KeyMetadata"
    ]["KeyId"]


@pytest.mark.parametrize("spec,size", sorted(MAC_SPECS.items()))
def test_a_mac_verifies_and_has_the_hash_length(engine, spec, size):
    key_id = _mac_key(engine, spec)
    algorithm = f"HMAC_SHA_{spec[5:]}"
    params = {"KeyId": key_id, "Message": b"message", "MacAlgorithm": algorithm}
    out = engine.call("GenerateMac", params)
    assert len(out["Mac"]) == size
    assert out["MacAlgorithm"] == algorithm
    assert engine.call("GenerateMac", params)["Mac"] == out["Mac"]  # HMAC is deterministic
    verified = engine.call("VerifyMac", {**params, "Mac": out["Mac"]})
    assert verified["MacValid"] is True
    with pytest.raises(KMSInvalidMacException):
        engine.call("VerifyMac", {**params, "Message": b"messagf", "Mac": out["Mac"]})


def test_two_hmac_keys_give_different_macs(engine):
    params = {"Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}
    macs = {engine.call("GenerateMac", {**params, "KeyId": _mac_key(engine)})["Mac"] for _ in "ab"}
    assert len(macs) == 2


def test_mac_errors_as_aws_names_them(engine):
    key_id = _mac_key(engine)
    with pytest.raises(InvalidKeyUsageException, match="HMAC_SHA_512 is incompatible"):
        engine.call(
            "GenerateMac", {"KeyId": key_id, "Message": b"m", "MacAlgorithm": "HMAC_SHA_512"}
        )
    symmetric = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    with pytest.raises(InvalidKeyUsageException, match="not valid for GenerateMac"):
        engine.call(
            "GenerateMac", {"KeyId": symmetric, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}
        )
    with pytest.raises(ValidationException, match="macAlgorithm"):
        engine.call("GenerateMac", {"KeyId": key_id, "Message": b"m"})
    engine.call("DisableKey", {"KeyId": key_id})
    with pytest.raises(DisabledException):
        engine.call(
            "GenerateMac", {"KeyId": key_id, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}
        )


def _agreement_key(engine, spec):
    return engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": "KEY_AGREEMENT"})["KeyMetadata"][
        "KeyId"
    ]


def _der(public):
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize(
    "spec,curve",
    [
        ("ECC_NIST_P256", ec.SECP256R1),
        ("ECC_NIST_P384", ec.SECP384R1),
        ("ECC_NIST_P521", ec.SECP521R1),
    ],
)
def test_both_sides_derive_the_same_secret(engine, spec, curve):
    key_id = _agreement_key(engine, spec)
    peer = ec.generate_private_key(curve())
    out = engine.call(
        "DeriveSharedSecret",
        {"KeyId": key_id, "KeyAgreementAlgorithm": "ECDH", "PublicKey": _der(peer.public_key())},
    )
    kms_public = serialization.load_der_public_key(
        engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"]
    )
    assert out["SharedSecret"] == peer.exchange(ec.ECDH(), kms_public)
    assert out["KeyAgreementAlgorithm"] == "ECDH"
    assert out["KeyOrigin"] == "AWS_KMS"


def test_a_public_key_on_another_curve_or_malformed_is_rejected(engine):
    key_id = _agreement_key(engine, "ECC_NIST_P256")
    other = ec.generate_private_key(ec.SECP384R1()).public_key()
    for public in (_der(other), b"not a key"):
        with pytest.raises(ValidationException):
            engine.call(
                "DeriveSharedSecret",
                {"KeyId": key_id, "KeyAgreementAlgorithm": "ECDH", "PublicKey": public},
            )


def test_a_signing_key_cannot_derive(engine):
    key_id = engine.call("CreateKey", {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"})[
        "KeyMetadata"
    ]["KeyId"]
    peer = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(InvalidKeyUsageException, match="not valid for DeriveSharedSecret"):
        engine.call(
            "DeriveSharedSecret",
            {"KeyId": key_id, "KeyAgreementAlgorithm": "ECDH", "PublicKey": _der(peer)},
        )


@pytest.mark.parametrize("operation", ["GenerateMac", "VerifyMac"])
def test_an_unknown_mac_algorithm_is_refused_listing_kms_own_order(engine, operation):
    key_id = engine.call("CreateKey", {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"})[
        "KeyMetadata"
    ]["KeyId"]
    params = {"KeyId": key_id, "Message": b"m", "MacAlgorithm": "INVALID", "Mac": b"x" * 32}
    if operation == "GenerateMac":
        del params["Mac"]
    with pytest.raises(ValidationException) as caught:
        engine.call(operation, params)
    assert caught.value.message == (
        "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy "
        "constraint: Member must satisfy enum value set: "
        "[HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]"
    )
