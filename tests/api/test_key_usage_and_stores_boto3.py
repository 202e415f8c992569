"""GetKeyLastUsage and custom key stores through boto3: the shapes botocore parses and
AWS's error codes."""

from __future__ import annotations

import datetime
import os

import pytest
from botocore.exceptions import ClientError

from .conftest import client_error


@pytest.fixture(scope="module")
def kms(api):
    return api.client()


def test_get_key_last_usage(kms):
    key = kms.create_key()["KeyMetadata"]
    fresh = kms.get_key_last_usage(KeyId=key["KeyId"])
    assert fresh["KeyLastUsage"] == {} and fresh["KeyId"] == key["KeyId"]
    assert isinstance(fresh["TrackingStartDate"], datetime.datetime)
    kms.generate_data_key(KeyId=key["Arn"], KeySpec="AES_256")
    last = kms.get_key_last_usage(KeyId=key["Arn"])["KeyLastUsage"]
    assert last["Operation"] == "GenerateDataKey"
    assert isinstance(last["Timestamp"], datetime.datetime)
    assert (
        len(last["CloudTrailEventId"]) == 36 and last["KmsRequestId"] == last["CloudTrailEventId"]
    )
    with pytest.raises(ClientError) as excinfo:
        kms.get_key_last_usage(KeyId="alias/aws/ebs")
    assert client_error(excinfo)[0] == "NotFoundException"


def _wrapped(kms, key_id, material):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    params = kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    public = serialization.load_der_public_key(params["PublicKey"])
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return params["ImportToken"], public.encrypt(material, oaep)


def test_rotation_with_new_imported_material(kms):
    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    token, encrypted = _wrapped(kms, key_id, os.urandom(32))
    first = kms.import_key_material(
        KeyId=key_id,
        ImportToken=token,
        EncryptedKeyMaterial=encrypted,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    token, encrypted = _wrapped(kms, key_id, os.urandom(32))
    second = kms.import_key_material(
        KeyId=key_id,
        ImportToken=token,
        EncryptedKeyMaterial=encrypted,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        ImportType="NEW_KEY_MATERIAL",
        KeyMaterialDescription="second",
    )
    listed = kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")
    assert [r["KeyMaterialState"] for r in listed["Rotations"]] == ["CURRENT", "PENDING_ROTATION"]
    kms.rotate_key_on_demand(KeyId=key_id)
    rotations = kms.list_key_rotations(KeyId=key_id)["Rotations"]
    assert [(r["KeyMaterialId"], r["RotationType"]) for r in rotations] == [
        (second["KeyMaterialId"], "ON_DEMAND")
    ]
    assert rotations[0]["KeyMaterialDescription"] == "second"
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["CurrentKeyMaterialId"] == second["KeyMaterialId"] != first["KeyMaterialId"]
    with pytest.raises(ClientError) as excinfo:
        kms.rotate_key_on_demand(KeyId=key_id)
    assert client_error(excinfo)[0] == "UnsupportedOperationException"


def test_custom_key_stores_as_kms_answers_without_any(kms):
    assert kms.describe_custom_key_stores()["CustomKeyStores"] == []
    cases = [
        (
            lambda: kms.describe_custom_key_stores(CustomKeyStoreId="cks-0123456789abcdef0"),
            "CustomKeyStoreNotFoundException",
        ),
        (
            lambda: kms.connect_custom_key_store(CustomKeyStoreId="cks-0123456789abcdef0"),
            "CustomKeyStoreNotFoundException",
        ),
        (
            lambda: kms.create_key(CustomKeyStoreId="cks-0123456789abcdef0", Origin="AWS_CLOUDHSM"),
            "CustomKeyStoreNotFoundException",
        ),
        (
            lambda: kms.create_custom_key_store(
                CustomKeyStoreName="hsm",
                CloudHsmClusterId="cluster-234567abcdefg",
                TrustAnchorCertificate="-----BEGIN CERTIFICATE-----",
                KeyStorePassword="correct horse",
            ),
            "CloudHsmClusterNotFoundException",
        ),
    ]
    for call, code in cases:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert client_error(excinfo)[0] == code
