"""GenerateDataKey, GenerateDataKeyWithoutPlaintext, GenerateRandom and plaintext
bounds."""

import pytest

from kmstui.errors import ValidationException


@pytest.fixture
def key_id(engine):
    return engine.call("CreateKey")["KeyMetadata"]["KeyId"]


@pytest.mark.parametrize("spec,size", [("AES_256", 32), ("AES_128", 16)])
def test_key_spec_sets_the_data_key_size(engine, key_id, spec, size):
    out = engine.call("GenerateDataKey", {"KeyId": key_id, "KeySpec": spec})
    assert len(out["Plaintext"]) == size


@pytest.mark.parametrize("count", [1, 64, 1024])
def test_number_of_bytes_sets_the_data_key_size(engine, key_id, count):
    out = engine.call("GenerateDataKey", {"KeyId": key_id, "NumberOfBytes": count})
    assert len(out["Plaintext"]) == count


@pytest.mark.parametrize("count", [0, 1025])
def test_number_of_bytes_out_of_range_is_rejected(engine, key_id, count):
    with pytest.raises(ValidationException):
        engine.call("GenerateDataKey", {"KeyId": key_id, "NumberOfBytes": count})


def test_neither_key_spec_nor_number_of_bytes_is_rejected(engine, key_id):
    with pytest.raises(ValidationException, match="either number of bytes or key spec"):
        engine.call("GenerateDataKey", {"KeyId": key_id})


def test_both_key_spec_and_number_of_bytes_is_rejected(engine, key_id):
    with pytest.raises(ValidationException):
        engine.call("GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256", "NumberOfBytes": 32})


def test_unknown_key_spec_is_rejected(engine, key_id):
    with pytest.raises(ValidationException, match="enum"):
        engine.call("GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_512"})


def test_data_key_ciphertext_decrypts_to_the_plaintext(engine, key_id):
    out = engine.call(
        "GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256", "EncryptionContext": {"v": "1"}}
    )
    back = engine.call(
        "Decrypt", {"CiphertextBlob": out["CiphertextBlob"], "EncryptionContext": {"v": "1"}}
    )
    assert back["Plaintext"] == out["Plaintext"]


def test_without_plaintext_returns_no_plaintext(engine, key_id):
    out = engine.call("GenerateDataKeyWithoutPlaintext", {"KeyId": key_id, "NumberOfBytes": 64})
    assert "Plaintext" not in out
    assert len(engine.call("Decrypt", {"CiphertextBlob": out["CiphertextBlob"]})["Plaintext"]) == 64


@pytest.mark.parametrize("size", [1, 4096])
def test_plaintext_size_bounds_are_accepted(engine, key_id, size):
    engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x" * size})


@pytest.mark.parametrize(
    ("size", "constraint"),
    [
        (0, "Member must have length greater than or equal to 1"),
        (4097, "Member must have length less than or equal to 4096"),
    ],
)
def test_plaintext_outside_1_to_4096_bytes_is_rejected(engine, key_id, size, constraint):
    with pytest.raises(ValidationException) as raised:
        engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x" * size})
    # As KMS words it: a blob's value is not quoted.
    assert raised.value.message == (
        f"1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
        f"{constraint}"
    )


def test_generate_random_returns_the_requested_bytes(engine):
    assert len(engine.call("GenerateRandom", {"NumberOfBytes": 48})["Plaintext"]) == 48


@pytest.mark.parametrize("count", [0, 1025])
def test_generate_random_bounds(engine, count):
    with pytest.raises(ValidationException):
        engine.call("GenerateRandom", {"NumberOfBytes": count})


def test_asymmetric_algorithm_on_a_symmetric_key_is_invalid_key_usage(engine, key_id):
    from kmstui.errors import InvalidKeyUsageException

    with pytest.raises(InvalidKeyUsageException):
        engine.call(
            "Encrypt",
            {"KeyId": key_id, "Plaintext": b"x", "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"},
        )


def test_dry_run_reports_success_without_encrypting(engine, key_id):
    from kmstui.errors import DryRunOperationException

    with pytest.raises(DryRunOperationException):
        engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x", "DryRun": True})
