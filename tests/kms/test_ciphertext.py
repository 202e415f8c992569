"""Envelope encryption: context binding, key binding and tamper detection."""

import pytest

from kmstui.errors import (
    IncorrectKeyException,
    InvalidCiphertextException,
    NotFoundException,
)


@pytest.fixture
def key_id(engine):
    return engine.call("CreateKey")["KeyMetadata"]["KeyId"]


def encrypt(engine, key_id, plaintext=b"secret", context=None):
    params = {"KeyId": key_id, "Plaintext": plaintext}
    if context is not None:
        params["EncryptionContext"] = context
    return engine.call("Encrypt", params)["CiphertextBlob"]


def test_round_trip_with_context(engine, key_id):
    blob = encrypt(engine, key_id, b"hello", {"app": "orders"})
    out = engine.call("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"app": "orders"}})
    assert out["Plaintext"] == b"hello"
    assert out["KeyId"].endswith(key_id)


def test_decrypt_with_a_different_context_value_is_rejected(engine, key_id):
    blob = encrypt(engine, key_id, context={"app": "orders"})
    with pytest.raises(InvalidCiphertextException):
        engine.call("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"app": "billing"}})


def test_decrypt_without_the_context_is_rejected(engine, key_id):
    blob = encrypt(engine, key_id, context={"app": "orders"})
    with pytest.raises(InvalidCiphertextException):
        engine.call("Decrypt", {"CiphertextBlob": blob})


def test_decrypt_with_an_extra_context_pair_is_rejected(engine, key_id):
    blob = encrypt(engine, key_id, context={"app": "orders"})
    with pytest.raises(InvalidCiphertextException):
        engine.call(
            "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"app": "orders", "x": "y"}}
        )


def test_context_order_does_not_matter(engine, key_id):
    blob = encrypt(engine, key_id, context={"a": "1", "b": "2", "c": "3"})
    out = engine.call(
        "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"c": "3", "a": "1", "b": "2"}}
    )
    assert out["Plaintext"] == b"secret"


def test_concatenation_collision_does_not_decrypt(engine, key_id):
    """{"a": "bc"} and {"ab": "c"} concatenate to the same string; they must differ."""
    blob = encrypt(engine, key_id, context={"a": "bc"})
    with pytest.raises(InvalidCiphertextException):
        engine.call("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"ab": "c"}})


def test_pair_boundary_collision_does_not_decrypt(engine, key_id):
    blob = encrypt(engine, key_id, context={"a": "b", "c": "d"})
    with pytest.raises(InvalidCiphertextException):
        engine.call("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"a": "bc", "": "d"}})


def test_decrypt_naming_another_key_is_incorrect_key(engine, key_id):
    other = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    blob = encrypt(engine, key_id)
    with pytest.raises(IncorrectKeyException):
        engine.call("Decrypt", {"CiphertextBlob": blob, "KeyId": other})


def test_decrypt_naming_the_right_key_by_alias_works(engine, key_id):
    engine.call("CreateAlias", {"AliasName": "alias/mine", "TargetKeyId": key_id})
    blob = encrypt(engine, key_id)
    assert engine.call("Decrypt", {"CiphertextBlob": blob, "KeyId": "alias/mine"})["Plaintext"]


def test_every_flipped_byte_is_detected(engine, key_id):
    blob = encrypt(engine, key_id, b"x" * 40, {"k": "v"})
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(InvalidCiphertextException):
            engine.call(
                "Decrypt", {"CiphertextBlob": bytes(tampered), "EncryptionContext": {"k": "v"}}
            )


def test_truncated_blob_is_invalid(engine, key_id):
    blob = encrypt(engine, key_id)
    with pytest.raises(InvalidCiphertextException):
        engine.call("Decrypt", {"CiphertextBlob": blob[:-1]})
    with pytest.raises(InvalidCiphertextException):
        engine.call("Decrypt", {"CiphertextBlob": blob[:20]})


def test_random_bytes_are_invalid_ciphertext(engine, key_id):
    with pytest.raises(InvalidCiphertextException):
        engine.call("Decrypt", {"CiphertextBlob": b"\x01" + bytes(range(100))})


def test_same_plaintext_twice_gives_different_blobs(engine, key_id):
    assert encrypt(engine, key_id) != encrypt(engine, key_id)


def test_re_encrypt_moves_a_blob_to_another_key_and_context(engine, key_id):
    other = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    blob = encrypt(engine, key_id, b"moving", {"a": "1"})
    out = engine.call(
        "ReEncrypt",
        {
            "CiphertextBlob": blob,
            "SourceEncryptionContext": {"a": "1"},
            "DestinationKeyId": other,
            "DestinationEncryptionContext": {"b": "2"},
        },
    )
    assert out["SourceKeyId"].endswith(key_id) and out["KeyId"].endswith(other)
    decrypted = engine.call(
        "Decrypt", {"CiphertextBlob": out["CiphertextBlob"], "EncryptionContext": {"b": "2"}}
    )
    assert decrypted["Plaintext"] == b"moving"
    assert decrypted["KeyId"].endswith(other)


def test_blob_of_a_deleted_key_is_not_found(engine, key_id):
    blob = encrypt(engine, key_id)
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    engine.advance_clock(8 * 86400)
    with pytest.raises(NotFoundException):
        engine.call("Decrypt", {"CiphertextBlob": blob})
