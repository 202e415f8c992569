"""Authorization for the operations of asymmetric and HMAC keys: the condition keys they
carry, grants limited to what the key's usage allows, and events without secrets."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmstui.caller import Caller
from kmstui.errors import AccessDeniedException, ValidationException

ROOT = "arn:aws:iam::111122223333:root"
ALICE = Caller.for_arn("arn:aws:iam::111122223333:user/alice")
ADMIN = {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*"}


def _policy(*statements):
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{**s, "Resource": "*"} for s in statements]}
    )


def _create(engine, spec, usage):
    return engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": usage})["KeyMetadata"]["KeyId"]


@pytest.fixture(autouse=True)
def alice(engine):
    engine.call("CreateUser", {"UserName": "alice"})


def _allow_alice(engine, key_id, action, condition):
    statement = {
        "Sid": "AliceOnly",
        "Effect": "Allow",
        "Principal": {"AWS": ALICE.principal},
        "Action": action,
        "Condition": condition,
    }
    engine.call("PutKeyPolicy", {"KeyId": key_id, "Policy": _policy(ADMIN, statement)})


def test_a_policy_on_the_signing_algorithm_and_message_type_is_enforced(engine):
    key_id = _create(engine, "RSA_2048", "SIGN_VERIFY")
    _allow_alice(
        engine,
        key_id,
        "kms:Sign",
        {
            "StringEquals": {
                "kms:SigningAlgorithm": "RSASSA_PSS_SHA_256",
                "kms:MessageType": "RAW",
            }
        },
    )
    params = {"KeyId": key_id, "Message": b"m", "SigningAlgorithm": "RSASSA_PSS_SHA_256"}
    engine.call("Sign", params, caller=ALICE)
    assert engine.events.recent[-1]["decision"]["decidedBy"] == ["AliceOnly"]
    with pytest.raises(AccessDeniedException):
        engine.call(
            "Sign", {**params, "SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"}, caller=ALICE
        )
    with pytest.raises(AccessDeniedException):
        engine.call("Sign", {**params, "Message": b"d" * 32, "MessageType": "DIGEST"}, caller=ALICE)


def test_a_policy_on_the_mac_algorithm_is_enforced(engine):
    key_id = _create(engine, "HMAC_256", "GENERATE_VERIFY_MAC")
    _allow_alice(
        engine, key_id, "kms:GenerateMac", {"StringEquals": {"kms:MacAlgorithm": "HMAC_SHA_512"}}
    )
    with pytest.raises(AccessDeniedException):
        engine.call(
            "GenerateMac",
            {"KeyId": key_id, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"},
            caller=ALICE,
        )


def test_a_policy_on_the_encryption_algorithm_is_enforced(engine):
    key_id = _create(engine, "RSA_2048", "ENCRYPT_DECRYPT")
    _allow_alice(
        engine,
        key_id,
        "kms:Encrypt",
        {"StringEquals": {"kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}},
    )
    params = {"KeyId": key_id, "Plaintext": b"x", "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}
    engine.call("Encrypt", params, caller=ALICE)
    with pytest.raises(AccessDeniedException):
        engine.call("Encrypt", {**params, "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}, caller=ALICE)


def test_a_policy_on_the_data_key_pair_spec_is_enforced(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    _allow_alice(
        engine,
        key_id,
        "kms:GenerateDataKeyPair",
        {"StringEquals": {"kms:DataKeyPairSpec": "ECC_NIST_P256"}},
    )
    engine.call(
        "GenerateDataKeyPair", {"KeyId": key_id, "KeyPairSpec": "ECC_NIST_P256"}, caller=ALICE
    )
    with pytest.raises(AccessDeniedException):
        engine.call(
            "GenerateDataKeyPair", {"KeyId": key_id, "KeyPairSpec": "RSA_2048"}, caller=ALICE
        )


def test_a_policy_on_the_key_agreement_algorithm_is_enforced(engine):
    key_id = _create(engine, "ECC_NIST_P256", "KEY_AGREEMENT")
    _allow_alice(
        engine,
        key_id,
        "kms:DeriveSharedSecret",
        {"StringNotEquals": {"kms:KeyAgreementAlgorithm": "ECDH"}},
    )
    peer = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = peer.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(AccessDeniedException):
        engine.call(
            "DeriveSharedSecret",
            {"KeyId": key_id, "KeyAgreementAlgorithm": "ECDH", "PublicKey": der},
            caller=ALICE,
        )


@pytest.mark.parametrize(
    "spec,usage,allowed,refused",
    [
        ("RSA_2048", "SIGN_VERIFY", ["Sign", "Verify", "GetPublicKey"], ["Encrypt"]),
        ("RSA_2048", "ENCRYPT_DECRYPT", ["Encrypt", "Decrypt", "GetPublicKey"], ["Sign"]),
        ("HMAC_256", "GENERATE_VERIFY_MAC", ["GenerateMac", "VerifyMac"], ["GetPublicKey"]),
        ("ECC_NIST_P256", "KEY_AGREEMENT", ["DeriveSharedSecret"], ["GenerateDataKey"]),
    ],
)
def test_grants_accept_only_what_the_key_usage_allows(engine, spec, usage, allowed, refused):
    key_id = _create(engine, spec, usage)
    base = {"KeyId": key_id, "GranteePrincipal": ALICE.principal}
    engine.call("CreateGrant", {**base, "Operations": [*allowed, "DescribeKey"]})
    with pytest.raises(ValidationException, match="not valid for a"):
        engine.call("CreateGrant", {**base, "Operations": [*allowed, *refused]})


def test_a_grant_lets_its_grantee_sign_and_verify(engine):
    key_id = _create(engine, "ECC_NIST_P256", "SIGN_VERIFY")
    params = {"KeyId": key_id, "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}
    with pytest.raises(AccessDeniedException):
        engine.call("Sign", params, caller=ALICE)
    grant_id = engine.call(
        "CreateGrant",
        {"KeyId": key_id, "GranteePrincipal": ALICE.principal, "Operations": ["Sign"]},
    )["GrantId"]
    engine.call("Sign", params, caller=ALICE)
    assert engine.events.recent[-1]["decision"]["decidedBy"] == [grant_id]


def test_grants_on_asymmetric_keys_take_no_constraints(engine):
    key_id = _create(engine, "RSA_2048", "ENCRYPT_DECRYPT")
    with pytest.raises(ValidationException):
        engine.call(
            "CreateGrant",
            {
                "KeyId": key_id,
                "GranteePrincipal": ALICE.principal,
                "Operations": ["Encrypt"],
                "Constraints": {"EncryptionContextEquals": {"a": "b"}},
            },
        )


def test_no_private_key_shared_secret_or_signature_input_reaches_an_event(engine):
    symmetric = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    pair = engine.call("GenerateDataKeyPair", {"KeyId": symmetric, "KeyPairSpec": "ECC_NIST_P256"})
    agreement = _create(engine, "ECC_NIST_P256", "KEY_AGREEMENT")
    peer = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = peer.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    shared = engine.call(
        "DeriveSharedSecret",
        {"KeyId": agreement, "KeyAgreementAlgorithm": "ECDH", "PublicKey": der},
    )["SharedSecret"]
    signer = _create(engine, "ECC_NIST_P256", "SIGN_VERIFY")
    message = b"SIGNED-MESSAGE-TEXT"
    engine.call("Sign", {"KeyId": signer, "Message": message, "SigningAlgorithm": "ECDSA_SHA_256"})
    mac_key = _create(engine, "HMAC_256", "GENERATE_VERIFY_MAC")
    mac = engine.call(
        "GenerateMac", {"KeyId": mac_key, "Message": message, "MacAlgorithm": "HMAC_SHA_256"}
    )["Mac"]
    text = json.dumps(list(engine.events.recent))
    for needle in (pair["PrivateKeyPlaintext"], pair["PrivateKeyCiphertextBlob"], shared, mac):
        assert base64.b64encode(needle).decode() not in text
        assert needle.hex() not in text
    assert message.decode() not in text
    assert base64.b64encode(message).decode() not in text
    sign_event = next(e for e in engine.events.recent if e["eventName"] == "Sign")
    assert sign_event["requestParameters"]["signingAlgorithm"] == "ECDSA_SHA_256"
