"""Keys of origin EXTERNAL: GetParametersForImport, ImportKeyMaterial (wrapped by the
caller with cryptography, as a client would), expiry on the engine clock,
DeleteImportedKeyMaterial, and AWS's rules for wrapping algorithms."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

from kmstui.errors import (
    ExpiredImportTokenException,
    IncorrectKeyMaterialException,
    InvalidImportTokenException,
    KMSInvalidStateException,
    UnsupportedOperationException,
    ValidationException,
)
from tests.conftest import FIXED_TIME

DAY = 86400


def _external(engine, spec="SYMMETRIC_DEFAULT", usage=None):
    params = {"Origin": "EXTERNAL", "KeySpec": spec}
    if usage:
        params["KeyUsage"] = usage
    return engine.call("CreateKey", params)["KeyMetadata"]


def _wrap(public_der: bytes, algorithm: str, material: bytes) -> bytes:
    """What a client does with the wrapping public key."""
    public = serialization.load_der_public_key(public_der)
    digest = hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=digest), algorithm=digest, label=None)
    if algorithm.startswith("RSAES_OAEP"):
        return public.encrypt(material, oaep)
    aes_key = os.urandom(32)
    return public.encrypt(aes_key, oaep) + aes_key_wrap_with_padding(aes_key, material)


def _import(engine, key_id, material, algorithm="RSAES_OAEP_SHA_256", wrapping="RSA_2048", **extra):
    parameters = engine.call(
        "GetParametersForImport",
        {"KeyId": key_id, "WrappingAlgorithm": algorithm, "WrappingKeySpec": wrapping},
    )
    params = {
        "KeyId": key_id,
        "ImportToken": parameters["ImportToken"],
        "EncryptedKeyMaterial": _wrap(parameters["PublicKey"], algorithm, material),
        "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        **extra,
    }
    if "ValidTo" in extra:
        params["ExpirationModel"] = "KEY_MATERIAL_EXPIRES"
    return engine.call("ImportKeyMaterial", params)


def test_an_external_key_waits_in_pending_import(engine):
    meta = _external(engine)
    assert meta["Origin"] == "EXTERNAL"
    assert meta["KeyState"] == "PendingImport" and meta["Enabled"] is False
    assert "CurrentKeyMaterialId" not in meta
    with pytest.raises(KMSInvalidStateException, match="pending import"):
        engine.call("Encrypt", {"KeyId": meta["KeyId"], "Plaintext": b"x"})
    with pytest.raises(KMSInvalidStateException):
        engine.call("EnableKey", {"KeyId": meta["KeyId"]})


@pytest.mark.parametrize(
    "algorithm", ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_256"]
)
def test_imported_symmetric_material_encrypts_as_the_material_says(engine, algorithm):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key_id = _external(engine)["KeyId"]
    material = os.urandom(32)
    out = _import(engine, key_id, material, algorithm)
    meta = engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert meta["KeyState"] == "Enabled"
    assert meta["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert meta["CurrentKeyMaterialId"] == out["KeyMaterialId"]
    blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"imported"})["CiphertextBlob"]
    assert engine.call("Decrypt", {"CiphertextBlob": blob})["Plaintext"] == b"imported"
    # the engine's own material is used: the store holds the imported bytes, wrapped
    key = engine.kms.key_by_id(key_id)
    assert isinstance(engine.kms.aead(key, out["KeyMaterialId"]), AESGCM)


def test_asymmetric_material_signs_with_the_imported_private_key(engine):
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_id = _external(engine, "ECC_NIST_P256", "SIGN_VERIFY")["KeyId"]
    _import(engine, key_id, der)
    signature = engine.call(
        "Sign", {"KeyId": key_id, "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}
    )["Signature"]
    private.public_key().verify(signature, b"m", ec.ECDSA(hashes.SHA256()))


def test_rsa_material_needs_rsa_aes_key_wrap(engine):
    key_id = _external(engine, "RSA_2048", "SIGN_VERIFY")["KeyId"]
    with pytest.raises(ValidationException, match="RSA_AES_KEY_WRAP"):
        engine.call(
            "GetParametersForImport",
            {
                "KeyId": key_id,
                "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
                "WrappingKeySpec": "RSA_4096",
            },
        )
    private = rsa.generate_private_key(65537, 2048)
    der = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _import(engine, key_id, der, "RSA_AES_KEY_WRAP_SHA_1", "RSA_3072")
    public = engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"]
    assert serialization.load_der_public_key(public).public_numbers() == (
        private.public_key().public_numbers()
    )


def test_wrapping_rules_as_aws_states_them(engine):
    key_id = _external(engine, "ECC_NIST_P521", "SIGN_VERIFY")["KeyId"]
    for algorithm, wrapping, error in [
        ("RSAES_PKCS1_V1_5", "RSA_2048", ValidationException),
        ("RSAES_OAEP_SHA_256", "RSA_2048", ValidationException),
        ("SM2PKE", "SM2", UnsupportedOperationException),
    ]:
        with pytest.raises(error):
            engine.call(
                "GetParametersForImport",
                {"KeyId": key_id, "WrappingAlgorithm": algorithm, "WrappingKeySpec": wrapping},
            )
    out = engine.call(
        "GetParametersForImport",
        {"KeyId": key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_3072"},
    )
    assert out["ParametersValidTo"] == FIXED_TIME + DAY
    assert serialization.load_der_public_key(out["PublicKey"]).key_size == 3072


def test_a_key_made_by_kms_imports_nothing(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    with pytest.raises(UnsupportedOperationException, match="origin is AWS_KMS"):
        engine.call(
            "GetParametersForImport",
            {
                "KeyId": key_id,
                "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
                "WrappingKeySpec": "RSA_2048",
            },
        )


def test_the_import_token_expires_after_24_hours_and_binds_its_key(engine):
    key_id, other = _external(engine)["KeyId"], _external(engine)["KeyId"]
    parameters = engine.call(
        "GetParametersForImport",
        {"KeyId": key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"},
    )
    params = {
        "ImportToken": parameters["ImportToken"],
        "EncryptedKeyMaterial": _wrap(parameters["PublicKey"], "RSAES_OAEP_SHA_256", b"k" * 32),
        "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
    }
    with pytest.raises(InvalidImportTokenException):
        engine.call("ImportKeyMaterial", {**params, "KeyId": other})
    with pytest.raises(InvalidImportTokenException):
        engine.call("ImportKeyMaterial", {**params, "KeyId": key_id, "ImportToken": b"forged"})
    engine.advance_clock(DAY)
    with pytest.raises(ExpiredImportTokenException):
        engine.call("ImportKeyMaterial", {**params, "KeyId": key_id})


def test_only_the_same_material_can_be_imported_again(engine):
    key_id = _external(engine)["KeyId"]
    material = os.urandom(32)
    first = _import(engine, key_id, material)
    blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"kept"})["CiphertextBlob"]
    deleted = engine.call("DeleteImportedKeyMaterial", {"KeyId": key_id})
    assert deleted["KeyMaterialId"] == first["KeyMaterialId"]
    assert engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"] == (
        "PendingImport"
    )
    with pytest.raises(KMSInvalidStateException):
        engine.call("Decrypt", {"CiphertextBlob": blob})
    with pytest.raises(IncorrectKeyMaterialException):
        _import(engine, key_id, os.urandom(32))
    again = _import(engine, key_id, material)
    assert again["KeyMaterialId"] == first["KeyMaterialId"]
    assert engine.call("Decrypt", {"CiphertextBlob": blob})["Plaintext"] == b"kept"


def test_material_of_the_wrong_kind_is_incorrect(engine):
    key_id = _external(engine)["KeyId"]
    with pytest.raises(IncorrectKeyMaterialException):
        _import(engine, key_id, os.urandom(16))
    signing = _external(engine, "ECC_NIST_P384", "SIGN_VERIFY")["KeyId"]
    other_curve = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(IncorrectKeyMaterialException):
        _import(engine, signing, other_curve)


def test_material_expires_on_the_engine_clock(engine):
    key_id = _external(engine)["KeyId"]
    valid_to = FIXED_TIME + 2 * DAY
    _import(engine, key_id, os.urandom(32), ValidTo=valid_to)
    meta = engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert meta["ExpirationModel"] == "KEY_MATERIAL_EXPIRES" and meta["ValidTo"] == valid_to
    engine.advance_clock(DAY)
    assert engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"] == "Enabled"
    engine.advance_clock(DAY)
    meta = engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert meta["KeyState"] == "PendingImport"
    assert "ValidTo" not in meta
    assert any(e["eventName"] == "DeleteExpiredKeyMaterial" for e in engine.events.recent)


@pytest.mark.parametrize(
    "extra",
    [
        {"ExpirationModel": "KEY_MATERIAL_EXPIRES"},  # no ValidTo
        {"ExpirationModel": "KEY_MATERIAL_EXPIRES", "ValidTo": FIXED_TIME - 1},
        {"ExpirationModel": "KEY_MATERIAL_EXPIRES", "ValidTo": FIXED_TIME + 366 * DAY},
        {"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE", "ValidTo": FIXED_TIME + DAY},
    ],
)
def test_valid_to_rules(engine, extra):
    key_id = _external(engine)["KeyId"]
    parameters = engine.call(
        "GetParametersForImport",
        {"KeyId": key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"},
    )
    with pytest.raises(ValidationException):
        engine.call(
            "ImportKeyMaterial",
            {
                "KeyId": key_id,
                "ImportToken": parameters["ImportToken"],
                "EncryptedKeyMaterial": _wrap(
                    parameters["PublicKey"], "RSAES_OAEP_SHA_256", b"k" * 32
                ),
                **extra,
            },
        )


def test_material_without_an_expiration_model_expires_and_so_needs_valid_to(engine):
    # ExpirationModel defaults to KEY_MATERIAL_EXPIRES: a request that names neither it
    # nor ValidTo is refused in KMS's words
    key_id = _external(engine)["KeyId"]
    parameters = engine.call(
        "GetParametersForImport",
        {"KeyId": key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"},
    )
    with pytest.raises(ValidationException) as caught:
        engine.call(
            "ImportKeyMaterial",
            {
                "KeyId": key_id,
                "ImportToken": parameters["ImportToken"],
                "EncryptedKeyMaterial": _wrap(
                    parameters["PublicKey"], "RSAES_OAEP_SHA_256", b"k" * 32
                ),
            },
        )
    assert caught.value.message == (
        "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"
    )


def test_cancelling_deletion_of_a_key_without_material_returns_it_to_pending_import(engine):
    key_id = _external(engine)["KeyId"]
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    engine.call("CancelKeyDeletion", {"KeyId": key_id})
    assert engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"] == (
        "PendingImport"
    )


def test_no_key_material_or_token_reaches_an_event(engine):
    import base64
    import json

    key_id = _external(engine)["KeyId"]
    material = os.urandom(32)
    _import(engine, key_id, material)
    text = json.dumps(list(engine.events.recent))
    assert base64.b64encode(material).decode() not in text and material.hex() not in text
    imported = next(e for e in engine.events.recent if e["eventName"] == "ImportKeyMaterial")
    assert "importToken" not in imported["requestParameters"]
    assert "encryptedKeyMaterial" not in imported["requestParameters"]


def test_kms_does_not_rotate_imported_material(engine):
    key_id = _external(engine)["KeyId"]
    _import(engine, key_id, os.urandom(32))
    for operation in ("EnableKeyRotation", "RotateKeyOnDemand"):
        with pytest.raises(UnsupportedOperationException, match="origin is EXTERNAL"):
            engine.call(operation, {"KeyId": key_id})
    status = engine.call("GetKeyRotationStatus", {"KeyId": key_id})
    assert status["KeyRotationEnabled"] is False


def test_a_policy_on_the_wrapping_algorithm_and_expiration_model_is_enforced(engine):
    import json

    from kmstui.caller import Caller
    from kmstui.errors import AccessDeniedException

    engine.call("CreateUser", {"UserName": "alice"})
    alice = Caller.for_arn("arn:aws:iam::111122223333:user/alice")
    key_id = _external(engine)["KeyId"]
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Principal": {"AWS": alice.principal},
            "Action": ["kms:GetParametersForImport", "kms:ImportKeyMaterial"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:WrappingAlgorithm": "RSA_AES_KEY_WRAP_SHA_256"},
            },
        },
    ]
    engine.call(
        "PutKeyPolicy",
        {"KeyId": key_id, "Policy": json.dumps({"Version": "2012-10-17", "Statement": statements})},
    )
    request = {"KeyId": key_id, "WrappingKeySpec": "RSA_2048"}
    engine.call(
        "GetParametersForImport",
        {**request, "WrappingAlgorithm": "RSA_AES_KEY_WRAP_SHA_256"},
        caller=alice,
    )
    with pytest.raises(AccessDeniedException):
        engine.call(
            "GetParametersForImport",
            {**request, "WrappingAlgorithm": "RSAES_OAEP_SHA_256"},
            caller=alice,
        )


def _rotations(engine, key_id, include="ALL_KEY_MATERIAL"):
    return engine.call("ListKeyRotations", {"KeyId": key_id, "IncludeKeyMaterial": include})[
        "Rotations"
    ]


def test_on_demand_rotation_to_new_imported_material(engine):
    key_id = _external(engine)["KeyId"]
    first_material, second_material = os.urandom(32), os.urandom(32)
    first = _import(engine, key_id, first_material, KeyMaterialDescription="first")
    old_blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"old"})["CiphertextBlob"]
    second = _import(
        engine,
        key_id,
        second_material,
        ImportType="NEW_KEY_MATERIAL",
        KeyMaterialDescription="next",
    )
    assert second["KeyMaterialId"] != first["KeyMaterialId"]
    # imported, but not used until the rotation
    meta = engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert meta["CurrentKeyMaterialId"] == first["KeyMaterialId"]
    assert [
        (r["KeyMaterialId"], r["KeyMaterialState"], r["ImportState"])
        for r in _rotations(engine, key_id)
    ] == [
        (first["KeyMaterialId"], "CURRENT", "IMPORTED"),
        (second["KeyMaterialId"], "PENDING_ROTATION", "IMPORTED"),
    ]
    assert _rotations(engine, key_id, "ROTATIONS_ONLY") == []
    engine.call("RotateKeyOnDemand", {"KeyId": key_id})
    meta = engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert meta["CurrentKeyMaterialId"] == second["KeyMaterialId"]
    rotated = _rotations(engine, key_id, "ROTATIONS_ONLY")
    assert rotated == [
        {
            "KeyId": key_id,
            "KeyMaterialId": second["KeyMaterialId"],
            "KeyMaterialState": "CURRENT",
            "RotationDate": FIXED_TIME,
            "RotationType": "ON_DEMAND",
            "ImportState": "IMPORTED",
            "KeyMaterialDescription": "next",
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }
    ]
    new_blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"new"})
    assert new_blob["KeyId"].endswith(key_id)
    assert engine.call("Decrypt", {"CiphertextBlob": old_blob})["Plaintext"] == b"old"
    assert (
        engine.call("Decrypt", {"CiphertextBlob": new_blob["CiphertextBlob"]})["Plaintext"]
        == b"new"
    )
    status = engine.call("GetKeyRotationStatus", {"KeyId": key_id})
    assert status["OnDemandRotationCount"] == 1 and status["KeyRotationEnabled"] is False
    # nothing pending now: another rotation needs new material first
    with pytest.raises(UnsupportedOperationException, match="NEW_KEY_MATERIAL"):
        engine.call("RotateKeyOnDemand", {"KeyId": key_id})


def test_import_types_and_key_material_ids(engine):
    key_id = _external(engine)["KeyId"]
    material = os.urandom(32)
    first = _import(engine, key_id, material)  # the first import is NEW_KEY_MATERIAL
    with pytest.raises(IncorrectKeyMaterialException, match="EXISTING_KEY_MATERIAL"):
        _import(engine, key_id, material, ImportType="NEW_KEY_MATERIAL")
    with pytest.raises(IncorrectKeyMaterialException):  # EXISTING is the default now
        _import(engine, key_id, os.urandom(32))
    with pytest.raises(ValidationException, match="KeyMaterialId"):
        _import(
            engine,
            key_id,
            os.urandom(32),
            ImportType="NEW_KEY_MATERIAL",
            KeyMaterialId=first["KeyMaterialId"],
        )
    with pytest.raises(IncorrectKeyMaterialException, match="key material ID"):
        _import(engine, key_id, material, KeyMaterialId="0" * 64)
    again = _import(engine, key_id, material, KeyMaterialId=first["KeyMaterialId"])
    assert again["KeyMaterialId"] == first["KeyMaterialId"]
    pending = _import(engine, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    with pytest.raises(KMSInvalidStateException, match="pending rotation"):
        _import(engine, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    # material pending rotation is not part of the key yet: deleting it forgets it
    engine.call(
        "DeleteImportedKeyMaterial", {"KeyId": key_id, "KeyMaterialId": pending["KeyMaterialId"]}
    )
    assert [r["KeyMaterialId"] for r in _rotations(engine, key_id)] == [first["KeyMaterialId"]]
    assert engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"] == "Enabled"


def test_deleted_and_expired_material_waits_for_reimport(engine):
    key_id = _external(engine)["KeyId"]
    first_material = os.urandom(32)
    first = _import(engine, key_id, first_material)
    old_blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"old"})["CiphertextBlob"]
    second = _import(
        engine, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL", ValidTo=FIXED_TIME + DAY
    )
    engine.call("RotateKeyOnDemand", {"KeyId": key_id})
    # the old, non-current material deleted: the key stays usable, old blobs wait
    engine.call(
        "DeleteImportedKeyMaterial", {"KeyId": key_id, "KeyMaterialId": first["KeyMaterialId"]}
    )
    assert engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"] == "Enabled"
    with pytest.raises(KMSInvalidStateException, match="pending import"):
        engine.call("Decrypt", {"CiphertextBlob": old_blob})
    states = {r["KeyMaterialId"]: r["ImportState"] for r in _rotations(engine, key_id)}
    assert states == {first["KeyMaterialId"]: "PENDING_IMPORT", second["KeyMaterialId"]: "IMPORTED"}
    _import(engine, key_id, first_material, KeyMaterialId=first["KeyMaterialId"])
    assert engine.call("Decrypt", {"CiphertextBlob": old_blob})["Plaintext"] == b"old"
    # the current material expires: the key waits for it, the other material stays
    engine.advance_clock(DAY)
    meta = engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert meta["KeyState"] == "PendingImport"
    assert meta["CurrentKeyMaterialId"] == second["KeyMaterialId"]
    expired = [e for e in engine.events.recent if e["eventName"] == "DeleteExpiredKeyMaterial"]
    assert expired[-1]["keyMaterialId"] == second["KeyMaterialId"]


def test_new_material_is_for_symmetric_keys_only(engine):
    key_id = _external(engine, "HMAC_256", "GENERATE_VERIFY_MAC")["KeyId"]
    _import(engine, key_id, os.urandom(32))
    with pytest.raises(UnsupportedOperationException, match="symmetric"):
        _import(engine, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
