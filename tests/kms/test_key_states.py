"""Each key state against each cryptographic operation (the AWS key-state table)."""

import pytest

from kmstui.errors import DisabledException, KMSInvalidStateException


def _encrypt(engine, key_id, blob):
    engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"p"})


def _decrypt(engine, key_id, blob):
    engine.call("Decrypt", {"CiphertextBlob": blob})


def _re_encrypt(engine, key_id, blob):
    engine.call("ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": key_id})


def _generate_data_key(engine, key_id, blob):
    engine.call("GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256"})


def _generate_data_key_without_plaintext(engine, key_id, blob):
    engine.call("GenerateDataKeyWithoutPlaintext", {"KeyId": key_id, "NumberOfBytes": 64})


def _create_grant(engine, key_id, blob):
    engine.call(
        "CreateGrant",
        {
            "KeyId": key_id,
            "Operations": ["Decrypt"],
            "GranteePrincipal": "arn:aws:iam::111122223333:role/app",
        },
    )


def _enable_key_rotation(engine, key_id, blob):
    engine.call("EnableKeyRotation", {"KeyId": key_id})


def _rotate_key_on_demand(engine, key_id, blob):
    engine.call("RotateKeyOnDemand", {"KeyId": key_id})


CRYPTO_OPERATIONS = [
    _encrypt,
    _decrypt,
    _re_encrypt,
    _generate_data_key,
    _generate_data_key_without_plaintext,
    _create_grant,
    _enable_key_rotation,
    _rotate_key_on_demand,
]


@pytest.fixture
def key_and_blob(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"p"})["CiphertextBlob"]
    return key_id, blob


@pytest.mark.parametrize("operation", CRYPTO_OPERATIONS, ids=lambda f: f.__name__[1:])
def test_enabled_key_allows(engine, key_and_blob, operation):
    key_id, blob = key_and_blob
    operation(engine, key_id, blob)


@pytest.mark.parametrize("operation", CRYPTO_OPERATIONS, ids=lambda f: f.__name__[1:])
def test_disabled_key_raises_disabled_exception(engine, key_and_blob, operation):
    key_id, blob = key_and_blob
    engine.call("DisableKey", {"KeyId": key_id})
    with pytest.raises(DisabledException, match="is disabled"):
        operation(engine, key_id, blob)


@pytest.mark.parametrize("operation", CRYPTO_OPERATIONS, ids=lambda f: f.__name__[1:])
def test_pending_deletion_key_raises_invalid_state(engine, key_and_blob, operation):
    key_id, blob = key_and_blob
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    with pytest.raises(KMSInvalidStateException, match="pending deletion"):
        operation(engine, key_id, blob)


def test_re_enabled_key_works_again(engine, key_and_blob):
    key_id, blob = key_and_blob
    engine.call("DisableKey", {"KeyId": key_id})
    engine.call("EnableKey", {"KeyId": key_id})
    assert engine.call("Decrypt", {"CiphertextBlob": blob})["Plaintext"] == b"p"


def test_describe_key_reports_enabled_flag_and_state(engine, key_and_blob):
    key_id, _ = key_and_blob
    engine.call("DisableKey", {"KeyId": key_id})
    meta = engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert (meta["KeyState"], meta["Enabled"]) == ("Disabled", False)


def test_management_operations_work_on_a_disabled_key(engine, key_and_blob):
    key_id, _ = key_and_blob
    engine.call("DisableKey", {"KeyId": key_id})
    engine.call("UpdateKeyDescription", {"KeyId": key_id, "Description": "still editable"})
    engine.call("TagResource", {"KeyId": key_id, "Tags": [{"TagKey": "a", "TagValue": "b"}]})
    engine.call("CreateAlias", {"AliasName": "alias/disabled", "TargetKeyId": key_id})
    assert engine.call("GetKeyPolicy", {"KeyId": key_id})["Policy"]


def test_pending_deletion_key_refuses_enable_and_disable(engine, key_and_blob):
    key_id, _ = key_and_blob
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    for operation in ("EnableKey", "DisableKey"):
        with pytest.raises(KMSInvalidStateException):
            engine.call(operation, {"KeyId": key_id})
