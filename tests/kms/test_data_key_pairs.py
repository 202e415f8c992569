"""GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext for every DataKeyPairSpec
the engine serves."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from kmstui.errors import InvalidKeyUsageException, UnsupportedOperationException
from kmstui.kms.keypairs import public_der

SPECS = [
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "ECC_NIST_EDWARDS25519",
]


@pytest.fixture
def key_id(engine):
    return engine.call("CreateKey")["KeyMetadata"]["KeyId"]


@pytest.mark.parametrize("spec", SPECS)
def test_the_pair_matches_and_its_private_key_decrypts(engine, key_id, spec):
    context = {"purpose": "test"}
    out = engine.call(
        "GenerateDataKeyPair", {"KeyId": key_id, "KeyPairSpec": spec, "EncryptionContext": context}
    )
    private = serialization.load_der_private_key(out["PrivateKeyPlaintext"], password=None)
    assert public_der(private) == out["PublicKey"]
    assert out["KeyPairSpec"] == spec
    back = engine.call(
        "Decrypt", {"CiphertextBlob": out["PrivateKeyCiphertextBlob"], "EncryptionContext": context}
    )
    assert back["Plaintext"] == out["PrivateKeyPlaintext"]


def test_without_plaintext_returns_the_encrypted_private_key_only(engine, key_id):
    out = engine.call(
        "GenerateDataKeyPairWithoutPlaintext", {"KeyId": key_id, "KeyPairSpec": "ECC_NIST_P256"}
    )
    assert "PrivateKeyPlaintext" not in out
    private_der = engine.call("Decrypt", {"CiphertextBlob": out["PrivateKeyCiphertextBlob"]})[
        "Plaintext"
    ]
    private = serialization.load_der_private_key(private_der, password=None)
    assert public_der(private) == out["PublicKey"]


@pytest.mark.parametrize("spec", ["SM2", "ML_KEM_512"])
def test_pair_specs_the_engine_cannot_serve_are_unsupported(engine, key_id, spec):
    with pytest.raises(UnsupportedOperationException):
        engine.call("GenerateDataKeyPair", {"KeyId": key_id, "KeyPairSpec": spec})


def test_an_asymmetric_kms_key_cannot_protect_a_pair(engine):
    rsa = engine.call("CreateKey", {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"})[
        "KeyMetadata"
    ]["KeyId"]
    with pytest.raises(InvalidKeyUsageException):
        engine.call("GenerateDataKeyPair", {"KeyId": rsa, "KeyPairSpec": "ECC_NIST_P256"})
