"""ML-KEM keys: Encapsulate and Decapsulate, checked against cryptography's ML-KEM with
the public key GetPublicKey returns."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from kmstui.errors import (
    InvalidCiphertextException,
    InvalidKeyUsageException,
    UnsupportedOperationException,
)


def _key(engine, spec):
    return engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": "ENCAPSULATE_DECAPSULATE"})[
        "KeyMetadata"
    ]


@pytest.mark.parametrize("spec", ["ML_KEM_768", "ML_KEM_1024"])
def test_a_secret_encapsulated_with_the_public_key_decapsulates(engine, spec):
    meta = _key(engine, spec)
    assert meta["EncapsulationAlgorithms"] == ["ML_KEM"]
    public = serialization.load_der_public_key(
        engine.call("GetPublicKey", {"KeyId": meta["KeyId"]})["PublicKey"]
    )
    secret, ciphertext = public.encapsulate()  # the other party, outside KMS
    out = engine.call(
        "Decapsulate",
        {
            "KeyId": meta["KeyId"],
            "SharedSecretCiphertextBlob": ciphertext,
            "EncapsulationAlgorithm": "ML_KEM",
        },
    )
    assert out["SharedSecret"] == secret
    made = engine.call("Encapsulate", {"KeyId": meta["KeyId"], "EncapsulationAlgorithm": "ML_KEM"})
    assert len(made["SharedSecret"]) == 32
    back = engine.call(
        "Decapsulate",
        {
            "KeyId": meta["KeyId"],
            "SharedSecretCiphertextBlob": made["SharedSecretCiphertextBlob"],
            "EncapsulationAlgorithm": "ML_KEM",
        },
    )
    assert back["SharedSecret"] == made["SharedSecret"]


def test_a_ciphertext_of_the_wrong_length_is_invalid(engine):
    key_id = _key(engine, "ML_KEM_768")["KeyId"]
    with pytest.raises(InvalidCiphertextException):
        engine.call(
            "Decapsulate",
            {
                "KeyId": key_id,
                "SharedSecretCiphertextBlob": b"c" * 100,
                "EncapsulationAlgorithm": "ML_KEM",
            },
        )


def test_an_altered_ciphertext_gives_another_secret(engine):
    key_id = _key(engine, "ML_KEM_768")["KeyId"]
    made = engine.call("Encapsulate", {"KeyId": key_id, "EncapsulationAlgorithm": "ML_KEM"})
    blob = made["SharedSecretCiphertextBlob"]
    altered = bytes([blob[0] ^ 1]) + blob[1:]
    out = engine.call(
        "Decapsulate",
        {
            "KeyId": key_id,
            "SharedSecretCiphertextBlob": altered,
            "EncapsulationAlgorithm": "ML_KEM",
        },
    )
    assert len(out["SharedSecret"]) == 32 and out["SharedSecret"] != made["SharedSecret"]


def test_ml_kem_512_is_unsupported_and_other_keys_cannot_encapsulate(engine):
    with pytest.raises(UnsupportedOperationException):
        _key(engine, "ML_KEM_512")
    symmetric = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    with pytest.raises(InvalidKeyUsageException, match="not valid for Encapsulate"):
        engine.call("Encapsulate", {"KeyId": symmetric, "EncapsulationAlgorithm": "ML_KEM"})


@pytest.mark.parametrize("spec", ["ML_KEM_768", "ML_KEM_1024"])
def test_ml_kem_data_key_pairs(engine, spec):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    pair = engine.call("GenerateDataKeyPair", {"KeyId": key_id, "KeyPairSpec": spec})
    private = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], password=None)
    public = serialization.load_der_public_key(pair["PublicKey"])
    secret, ciphertext = public.encapsulate()
    assert private.decapsulate(ciphertext) == secret
