"""RSAES_OAEP Encrypt, Decrypt and ReEncrypt with RSA ENCRYPT_DECRYPT keys: openssl
encrypts with the public key alone and KMS decrypts; AWS's size limits per key size;
no encryption context."""

from __future__ import annotations

import pytest

from kmstui.errors import (
    InvalidCiphertextException,
    InvalidKeyUsageException,
    ValidationException,
)
from tests.kms.openssl_check import needs_openssl, rsa_oaep_encrypt

# AWS's largest plaintexts: the modulus bytes less twice the hash less two
LIMITS = {
    ("RSA_2048", "RSAES_OAEP_SHA_1"): 214,
    ("RSA_2048", "RSAES_OAEP_SHA_256"): 190,
    ("RSA_3072", "RSAES_OAEP_SHA_1"): 342,
    ("RSA_3072", "RSAES_OAEP_SHA_256"): 318,
    ("RSA_4096", "RSAES_OAEP_SHA_1"): 470,
    ("RSA_4096", "RSAES_OAEP_SHA_256"): 446,
}


def _key(engine, spec="RSA_2048"):
    return engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": "ENCRYPT_DECRYPT"})[
        "KeyMetadata"
    ]["KeyId"]


def _decrypt(engine, key_id, blob, algorithm):
    return engine.call(
        "Decrypt", {"KeyId": key_id, "CiphertextBlob": blob, "EncryptionAlgorithm": algorithm}
    )


@needs_openssl
@pytest.mark.parametrize("spec,algorithm", sorted(LIMITS))
def test_openssl_encrypts_with_the_public_key_and_kms_decrypts(engine, tmp_path, spec, algorithm):
    key_id = _key(engine, spec)
    public = engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"]
    plaintext = bytes(n % 256 for n in range(LIMITS[(spec, algorithm)]))  # the largest
    blob = rsa_oaep_encrypt(public, algorithm, plaintext, tmp_path)
    out = _decrypt(engine, key_id, blob, algorithm)
    assert out["Plaintext"] == plaintext
    assert out["EncryptionAlgorithm"] == algorithm
    assert "KeyMaterialId" not in out  # a member of symmetric decryption only


@pytest.mark.parametrize("spec,algorithm", sorted(LIMITS))
def test_plaintext_size_limit_per_key_size(engine, spec, algorithm):
    key_id = _key(engine, spec)
    limit = LIMITS[(spec, algorithm)]
    params = {"KeyId": key_id, "EncryptionAlgorithm": algorithm}
    blob = engine.call("Encrypt", {**params, "Plaintext": b"a" * limit})["CiphertextBlob"]
    assert _decrypt(engine, key_id, blob, algorithm)["Plaintext"] == b"a" * limit
    with pytest.raises(ValidationException) as caught:
        engine.call("Encrypt", {**params, "Plaintext": b"a" * (limit + 1)})
    assert caught.value.message == (
        f"Algorithm {algorithm} and key spec {spec} cannot encrypt data larger than {limit} bytes."
    )


def test_an_rsa_key_needs_an_rsa_algorithm(engine):
    key_id = _key(engine)
    with pytest.raises(InvalidKeyUsageException, match="SYMMETRIC_DEFAULT is incompatible"):
        engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"})


def test_a_symmetric_key_refuses_an_rsa_algorithm(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    with pytest.raises(InvalidKeyUsageException):
        engine.call(
            "Encrypt",
            {"KeyId": key_id, "Plaintext": b"x", "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"},
        )


def test_an_encryption_context_is_refused(engine):
    key_id = _key(engine)
    with pytest.raises(ValidationException, match="encryption context"):
        engine.call(
            "Encrypt",
            {
                "KeyId": key_id,
                "Plaintext": b"x",
                "EncryptionAlgorithm": "RSAES_OAEP_SHA_256",
                "EncryptionContext": {"a": "b"},
            },
        )


def test_decrypt_needs_the_key_id_and_the_right_algorithm(engine):
    key_id = _key(engine)
    blob = engine.call(
        "Encrypt",
        {"KeyId": key_id, "Plaintext": b"x", "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"},
    )["CiphertextBlob"]
    with pytest.raises(InvalidCiphertextException):
        engine.call(
            "Decrypt", {"CiphertextBlob": blob, "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}
        )
    with pytest.raises(InvalidCiphertextException):
        _decrypt(engine, key_id, blob, "RSAES_OAEP_SHA_1")
    damaged = bytes([blob[0] ^ 1]) + blob[1:]
    with pytest.raises(InvalidCiphertextException):
        _decrypt(engine, key_id, damaged, "RSAES_OAEP_SHA_256")


def test_re_encrypt_from_rsa_to_symmetric_and_back(engine):
    rsa_key, symmetric = _key(engine), engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    blob = engine.call(
        "Encrypt",
        {"KeyId": rsa_key, "Plaintext": b"moving", "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"},
    )["CiphertextBlob"]
    moved = engine.call(
        "ReEncrypt",
        {
            "CiphertextBlob": blob,
            "SourceKeyId": rsa_key,
            "SourceEncryptionAlgorithm": "RSAES_OAEP_SHA_1",
            "DestinationKeyId": symmetric,
        },
    )
    assert moved["SourceEncryptionAlgorithm"] == "RSAES_OAEP_SHA_1"
    assert moved["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert "SourceKeyMaterialId" not in moved and "DestinationKeyMaterialId" in moved
    assert engine.call("Decrypt", {"CiphertextBlob": moved["CiphertextBlob"]})["Plaintext"] == (
        b"moving"
    )
    back = engine.call(
        "ReEncrypt",
        {
            "CiphertextBlob": moved["CiphertextBlob"],
            "DestinationKeyId": rsa_key,
            "DestinationEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
        },
    )
    assert _decrypt(engine, rsa_key, back["CiphertextBlob"], "RSAES_OAEP_SHA_256")["Plaintext"] == (
        b"moving"
    )


def test_data_keys_need_a_symmetric_key(engine):
    key_id = _key(engine)
    with pytest.raises(InvalidKeyUsageException):
        engine.call("GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256"})
    mac_key = engine.call("CreateKey", {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"})[
        "KeyMetadata"
    ]
    with pytest.raises(InvalidKeyUsageException) as caught:
        engine.call("GenerateDataKey", {"KeyId": mac_key["KeyId"], "KeySpec": "AES_256"})
    assert caught.value.message == (
        f"{mac_key['Arn']} key usage is GENERATE_VERIFY_MAC which is not valid for GenerateDataKey."
    )
