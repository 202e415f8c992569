"""Errors and answers on the wire as KMS sends them (boto3 through the endpoint)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import raw_post


@pytest.fixture(scope="module")
def kms(api):
    return api.client()


@pytest.fixture(scope="module")
def key(kms):
    return kms.create_key(Description="wire messages")["KeyMetadata"]


def error_of(call, **params) -> dict:
    with pytest.raises(ClientError) as raised:
        call(**params)
    return raised.value.response["Error"]


def test_an_invalid_ciphertext_carries_no_message(api, kms, key):
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"a": "1"})[
        "CiphertextBlob"
    ]
    with pytest.raises(ClientError) as raised:
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "2"})
    response = raised.value.response
    assert response["Error"] == {"Code": "InvalidCiphertextException", "Message": ""}
    # KMS sends the bare type: boto3 then has no modeled "message" member to show.
    assert "message" not in response
    # The error type with an empty message: what clients read from KMS's bare error.
    import base64
    import json

    body = json.dumps(
        {"CiphertextBlob": base64.b64encode(b"not a ciphertext" * 4).decode()}
    ).encode()
    status, headers, answer = raw_post(api.url, body, target="TrentService.Decrypt", keys=api.root)
    assert (status, answer) == (400, {"__type": "InvalidCiphertextException"})


def test_an_alias_name_without_the_prefix_is_a_validation_exception(kms, key):
    error = error_of(kms.create_alias, AliasName="no-prefix", TargetKeyId=key["KeyId"])
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith('Alias must start with the prefix "alias/".')


def test_a_plaintext_too_long_is_worded_as_kms_words_it(kms, key):
    error = error_of(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x" * 4097)
    assert error == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value at 'plaintext' failed to satisfy "
        "constraint: Member must have length less than or equal to 4096",
    }


def test_tag_errors(kms, key):
    error = error_of(
        kms.tag_resource,
        KeyId=key["KeyId"],
        Tags=[{"TagKey": "t", "TagValue": "1"}, {"TagKey": "t", "TagValue": "2"}],
    )
    assert error == {"Code": "TagException", "Message": "Duplicate tag keys"}
    error = error_of(kms.create_key, Tags=[{"TagKey": f"t{i}", "TagValue": ""} for i in range(51)])
    assert error == {"Code": "TagException", "Message": "Too many tags"}
    error = error_of(
        kms.tag_resource, KeyId=key["KeyId"], Tags=[{"TagKey": "k" * 129, "TagValue": ""}]
    )
    assert error["Code"] == "ValidationException"
    assert "at 'tags.1.member.tagKey' failed to satisfy constraint" in error["Message"]


def test_rotate_key_on_demand_answers_with_the_key_arn(kms):
    key = kms.create_key()["KeyMetadata"]
    for named in (key["KeyId"], key["Arn"]):
        assert kms.rotate_key_on_demand(KeyId=named)["KeyId"] == key["Arn"]


def test_a_signature_that_does_not_verify_is_answered_by_its_type_alone(api):
    signer = api.client().create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")
    key_id = signer["KeyMetadata"]["KeyId"]
    kms = api.client()
    signature = kms.sign(
        KeyId=key_id, Message=b"signed", MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
    )["Signature"]
    with pytest.raises(ClientError) as raised:
        kms.verify(
            KeyId=key_id,
            Message=b"not what was signed",
            MessageType="RAW",
            Signature=signature,
            SigningAlgorithm="ECDSA_SHA_256",
        )
    response = raised.value.response
    assert response["Error"] == {"Code": "KMSInvalidSignatureException", "Message": ""}
    assert "message" not in response


def test_an_error_with_words_keeps_its_message_member(kms):
    with pytest.raises(ClientError) as raised:
        kms.describe_key(KeyId="alias/nothing-here")
    assert raised.value.response["message"] == raised.value.response["Error"]["Message"]
    assert raised.value.response["Error"]["Code"] == "NotFoundException"
