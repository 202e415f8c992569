"""CreateKey and DescribeKey for every KeySpec x KeyUsage pair AWS allows; the pairs it
refuses; private material at rest; reproducible keys under seeded entropy."""

from __future__ import annotations

import base64

import pytest

from kmstui.entropy import Entropy
from kmstui.errors import UnsupportedOperationException, ValidationException

RSA_SIGNING = [
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
]
# (KeySpec, KeyUsage) -> the algorithm member DescribeKey returns, as AWS documents it
EXPECTED = {
    **{
        (spec, "ENCRYPT_DECRYPT"): {
            "EncryptionAlgorithms": ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
        }
        for spec in ("RSA_2048", "RSA_3072", "RSA_4096")
    },
    **{
        (spec, "SIGN_VERIFY"): {"SigningAlgorithms": RSA_SIGNING}
        for spec in ("RSA_2048", "RSA_3072", "RSA_4096")
    },
    ("ECC_NIST_P256", "SIGN_VERIFY"): {"SigningAlgorithms": ["ECDSA_SHA_256"]},
    ("ECC_NIST_P384", "SIGN_VERIFY"): {"SigningAlgorithms": ["ECDSA_SHA_384"]},
    ("ECC_NIST_P521", "SIGN_VERIFY"): {"SigningAlgorithms": ["ECDSA_SHA_512"]},
    ("ECC_SECG_P256K1", "SIGN_VERIFY"): {"SigningAlgorithms": ["ECDSA_SHA_256"]},
    **{
        (spec, "KEY_AGREEMENT"): {"KeyAgreementAlgorithms": ["ECDH"]}
        for spec in ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521")
    },
    ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"): {
        "SigningAlgorithms": ["ED25519_SHA_512", "ED25519_PH_SHA_512"]
    },
    **{
        (spec, "SIGN_VERIFY"): {"SigningAlgorithms": ["ML_DSA_SHAKE_256"]}
        for spec in ("ML_DSA_44", "ML_DSA_65", "ML_DSA_87")
    },
    **{
        (f"HMAC_{bits}", "GENERATE_VERIFY_MAC"): {"MacAlgorithms": [f"HMAC_SHA_{bits}"]}
        for bits in (224, 256, 384, 512)
    },
    **{
        (spec, "ENCAPSULATE_DECAPSULATE"): {"EncapsulationAlgorithms": ["ML_KEM"]}
        for spec in ("ML_KEM_768", "ML_KEM_1024")
    },
}
ALGORITHM_MEMBERS = (
    "EncryptionAlgorithms",
    "SigningAlgorithms",
    "MacAlgorithms",
    "KeyAgreementAlgorithms",
    "EncapsulationAlgorithms",
)


@pytest.mark.parametrize("spec,usage", sorted(EXPECTED))
def test_describe_key_returns_the_spec_and_its_algorithms(engine, spec, usage):
    created = engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": usage})["KeyMetadata"]
    meta = engine.call("DescribeKey", {"KeyId": created["KeyId"]})["KeyMetadata"]
    assert meta == created
    assert meta["KeySpec"] == meta["CustomerMasterKeySpec"] == spec
    assert meta["KeyUsage"] == usage
    present = {name: meta[name] for name in ALGORITHM_MEMBERS if name in meta}
    assert present == EXPECTED[(spec, usage)]
    assert "CurrentKeyMaterialId" not in meta  # symmetric encryption keys only


def test_the_older_customer_master_key_spec_member_still_creates_the_key(engine):
    meta = engine.call(
        "CreateKey", {"CustomerMasterKeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}
    )["KeyMetadata"]
    assert meta["KeySpec"] == "ECC_NIST_P256"
    with pytest.raises(ValidationException, match="KeySpec and CustomerMasterKeySpec"):
        engine.call(
            "CreateKey",
            {
                "KeySpec": "ECC_NIST_P256",
                "CustomerMasterKeySpec": "ECC_NIST_P256",
                "KeyUsage": "SIGN_VERIFY",
            },
        )


@pytest.mark.parametrize(
    "spec,usage",
    [
        ("SYMMETRIC_DEFAULT", "SIGN_VERIFY"),
        ("RSA_2048", "KEY_AGREEMENT"),
        ("RSA_2048", "GENERATE_VERIFY_MAC"),
        ("ECC_NIST_P256", "ENCRYPT_DECRYPT"),
        ("ECC_SECG_P256K1", "KEY_AGREEMENT"),
        ("ECC_NIST_EDWARDS25519", "KEY_AGREEMENT"),
        ("ML_DSA_44", "ENCRYPT_DECRYPT"),
        ("HMAC_256", "ENCRYPT_DECRYPT"),
        ("HMAC_256", "SIGN_VERIFY"),
    ],
)
def test_a_usage_the_spec_does_not_allow_is_a_validation_error(engine, spec, usage):
    with pytest.raises(ValidationException) as caught:
        engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": usage})
    assert caught.value.message == f"KeyUsage {usage} is not compatible with KeySpec {spec}"
    assert engine.call("ListKeys")["Keys"] == []


@pytest.mark.parametrize("spec", ["HMAC_256", "RSA_2048", "ECC_NIST_P256", "ML_DSA_65"])
def test_a_key_other_than_symmetric_needs_its_key_usage(engine, spec):
    with pytest.raises(ValidationException) as caught:
        engine.call("CreateKey", {"KeySpec": spec})
    assert caught.value.message == (
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."
    )


@pytest.mark.parametrize(
    "spec,usage",
    [("SM2", "SIGN_VERIFY"), ("ML_KEM_512", "ENCAPSULATE_DECAPSULATE")],
)
def test_specs_the_engine_cannot_serve_are_unsupported(engine, spec, usage):
    with pytest.raises(UnsupportedOperationException, match=spec):
        engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": usage})


def test_an_unknown_spec_lists_aws_enum(engine):
    with pytest.raises(ValidationException, match="enum value set: \\[RSA_2048, RSA_3072"):
        engine.call("CreateKey", {"KeySpec": "RSA_1024", "KeyUsage": "SIGN_VERIFY"})


@pytest.mark.parametrize(
    "spec,usage",
    [
        ("RSA_2048", "SIGN_VERIFY"),
        ("ECC_NIST_P256", "SIGN_VERIFY"),
        ("HMAC_256", "GENERATE_VERIFY_MAC"),
    ],
)
def test_private_material_never_reaches_the_database_in_the_clear(engine, dirs, spec, usage):
    key_id = engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": usage})["KeyMetadata"]["KeyId"]
    key = engine.kms.key_by_id(key_id)
    secret = engine.kms.key_secret(key)
    if not isinstance(secret, bytes):
        from kmstui.kms.keypairs import private_der

        secret = private_der(secret)
    stored = b"".join(path.read_bytes() for path in dirs[0].rglob("*") if path.is_file())
    for form in (secret, base64.b64encode(secret), secret.hex().encode()):
        assert form not in stored


@pytest.mark.parametrize(
    "spec", ["RSA_2048", "ECC_NIST_P384", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519", "ML_DSA_44"]
)
def test_seeded_entropy_makes_the_same_key_pairs(make_engine, tmp_path, spec):
    from kmstui.engine import Engine

    publics = []
    for run in range(2):
        engine = Engine(tmp_path / f"d{run}", tmp_path / f"c{run}", entropy=Entropy("demo"))
        try:
            key_id = engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": "SIGN_VERIFY"})[
                "KeyMetadata"
            ]["KeyId"]
            publics.append(engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"])
        finally:
            engine.close()
    assert publics[0] == publics[1]


def test_real_entropy_makes_different_key_pairs(tmp_path):
    from kmstui.engine import Engine

    engine = Engine(tmp_path / "d", tmp_path / "c", entropy=Entropy())
    try:
        publics = {
            engine.call(
                "GetPublicKey",
                {
                    "KeyId": engine.call(
                        "CreateKey", {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}
                    )["KeyMetadata"]["KeyId"]
                },
            )["PublicKey"]
            for _ in range(3)
        }
    finally:
        engine.close()
    assert len(publics) == 3


def test_keys_survive_reopening_the_engine(make_engine):
    engine = make_engine()
    key_id = engine.call("CreateKey", {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"})[
        "KeyMetadata"
    ]["KeyId"]
    params = {"KeyId": key_id, "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}
    signature = engine.call("Sign", params)["Signature"]
    engine.close()
    again = make_engine()
    assert again.call("Verify", {**params, "Signature": signature})["SignatureValid"] is True


def test_asymmetric_and_hmac_keys_do_not_rotate(engine):
    from kmstui.errors import UnsupportedOperationException

    for spec, usage in (("ECC_NIST_P256", "SIGN_VERIFY"), ("HMAC_256", "GENERATE_VERIFY_MAC")):
        key_id = engine.call("CreateKey", {"KeySpec": spec, "KeyUsage": usage})["KeyMetadata"][
            "KeyId"
        ]
        for operation in ("EnableKeyRotation", "RotateKeyOnDemand"):
            with pytest.raises(UnsupportedOperationException):
                engine.call(operation, {"KeyId": key_id})


def test_get_public_key_of_a_symmetric_key_is_unsupported(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    with pytest.raises(UnsupportedOperationException):
        engine.call("GetPublicKey", {"KeyId": key_id})


def test_get_public_key_returns_every_member_aws_returns(engine):
    meta = engine.call("CreateKey", {"KeySpec": "RSA_3072", "KeyUsage": "ENCRYPT_DECRYPT"})[
        "KeyMetadata"
    ]
    out = engine.call("GetPublicKey", {"KeyId": meta["KeyId"]})
    assert set(out) == {
        "KeyId",
        "PublicKey",
        "CustomerMasterKeySpec",
        "KeySpec",
        "KeyUsage",
        "EncryptionAlgorithms",
    }
    assert out["KeyId"] == meta["Arn"]
    assert out["EncryptionAlgorithms"] == meta["EncryptionAlgorithms"]
    from cryptography.hazmat.primitives import serialization

    assert serialization.load_der_public_key(out["PublicKey"]).key_size == 3072
