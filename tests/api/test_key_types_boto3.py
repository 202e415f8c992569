"""Asymmetric and HMAC keys through boto3 against the endpoint, errors as botocore
raises them, and the aws CLI's sign, verify, get-public-key and generate-mac."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.kms.openssl_check import needs_openssl, verify

from .conftest import client_error
from .test_cli import aws

MESSAGE = b"signed over the wire"


@pytest.fixture(scope="module")
def kms(api):
    return api.client()


def _key(kms, spec, usage):
    return kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]


@needs_openssl
@pytest.mark.parametrize(
    "spec,algorithm",
    [
        ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256"),
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("ECC_SECG_P256K1", "ECDSA_SHA_256"),
        ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"),
    ],
)
def test_sign_and_verify_through_boto3(kms, tmp_path, spec, algorithm):
    meta = _key(kms, spec, "SIGN_VERIFY")
    assert algorithm in meta["SigningAlgorithms"]
    signed = kms.sign(KeyId=meta["KeyId"], Message=MESSAGE, SigningAlgorithm=algorithm)
    assert signed["KeyId"] == meta["Arn"]
    public = kms.get_public_key(KeyId=meta["KeyId"])
    assert public["KeySpec"] == spec and public["KeyUsage"] == "SIGN_VERIFY"
    assert verify(public["PublicKey"], algorithm, MESSAGE, signed["Signature"], tmp_path)
    ok = kms.verify(
        KeyId=meta["KeyId"],
        Message=MESSAGE,
        SigningAlgorithm=algorithm,
        Signature=signed["Signature"],
    )
    assert ok["SignatureValid"] is True
    with pytest.raises(ClientError) as caught:
        kms.verify(
            KeyId=meta["KeyId"],
            Message=MESSAGE + b"?",
            SigningAlgorithm=algorithm,
            Signature=signed["Signature"],
        )
    assert client_error(caught)[0] == "KMSInvalidSignatureException"


def test_ml_dsa_through_boto3(kms):
    meta = _key(kms, "ML_DSA_65", "SIGN_VERIFY")
    signed = kms.sign(KeyId=meta["KeyId"], Message=MESSAGE, SigningAlgorithm="ML_DSA_SHAKE_256")
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=meta["KeyId"])["PublicKey"])
    public.verify(signed["Signature"], MESSAGE)


def test_digest_messages_through_boto3(kms):
    meta = _key(kms, "ECC_NIST_P384", "SIGN_VERIFY")
    digest = hashlib.sha384(MESSAGE).digest()
    signed = kms.sign(
        KeyId=meta["KeyId"], Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_384"
    )
    ok = kms.verify(
        KeyId=meta["KeyId"],
        Message=MESSAGE,
        SigningAlgorithm="ECDSA_SHA_384",
        Signature=signed["Signature"],
    )
    assert ok["SignatureValid"] is True
    with pytest.raises(ClientError) as caught:
        kms.sign(
            KeyId=meta["KeyId"],
            Message=digest[:20],
            MessageType="DIGEST",
            SigningAlgorithm="ECDSA_SHA_384",
        )
    assert client_error(caught) == (
        "ValidationException",
        "Digest is invalid length for algorithm ECDSA_SHA_384.",
    )


def test_wrong_usage_and_algorithm_errors_through_boto3(kms):
    meta = _key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    with pytest.raises(ClientError) as caught:
        kms.sign(KeyId=meta["KeyId"], Message=MESSAGE, SigningAlgorithm="RSASSA_PSS_SHA_256")
    assert client_error(caught) == (
        "InvalidKeyUsageException",
        "Algorithm RSASSA_PSS_SHA_256 is incompatible with key spec ECC_NIST_P256.",
    )
    with pytest.raises(ClientError) as caught:
        kms.encrypt(KeyId=meta["KeyId"], Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_1")
    assert client_error(caught) == (
        "InvalidKeyUsageException",
        f"{meta['Arn']} key usage is SIGN_VERIFY which is not valid for Encrypt.",
    )
    kms.disable_key(KeyId=meta["KeyId"])
    with pytest.raises(ClientError) as caught:
        kms.sign(KeyId=meta["KeyId"], Message=MESSAGE, SigningAlgorithm="ECDSA_SHA_256")
    assert client_error(caught)[0] == "DisabledException"


def test_create_key_errors_through_boto3(kms):
    with pytest.raises(ClientError) as caught:
        kms.create_key(KeySpec="HMAC_256")
    assert client_error(caught)[0] == "ValidationException"
    with pytest.raises(ClientError) as caught:
        kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="ENCRYPT_DECRYPT")
    assert client_error(caught) == (
        "ValidationException",
        "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256",
    )


def test_rsa_encryption_through_boto3(kms):
    meta = _key(kms, "RSA_4096", "ENCRYPT_DECRYPT")
    blob = kms.encrypt(
        KeyId=meta["KeyId"], Plaintext=b"p" * 446, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
    )["CiphertextBlob"]
    out = kms.decrypt(
        KeyId=meta["KeyId"], CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
    )
    assert out["Plaintext"] == b"p" * 446
    with pytest.raises(ClientError) as caught:
        kms.encrypt(
            KeyId=meta["KeyId"], Plaintext=b"p" * 447, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
        )
    assert client_error(caught)[0] == "ValidationException"


def test_hmac_through_boto3(kms):
    meta = _key(kms, "HMAC_512", "GENERATE_VERIFY_MAC")
    assert meta["MacAlgorithms"] == ["HMAC_SHA_512"]
    mac = kms.generate_mac(KeyId=meta["KeyId"], Message=MESSAGE, MacAlgorithm="HMAC_SHA_512")
    assert len(mac["Mac"]) == 64
    ok = kms.verify_mac(
        KeyId=meta["KeyId"], Message=MESSAGE, MacAlgorithm="HMAC_SHA_512", Mac=mac["Mac"]
    )
    assert ok["MacValid"] is True
    with pytest.raises(ClientError) as caught:
        kms.verify_mac(
            KeyId=meta["KeyId"], Message=b"other", MacAlgorithm="HMAC_SHA_512", Mac=mac["Mac"]
        )
    assert client_error(caught)[0] == "KMSInvalidMacException"


def test_key_agreement_and_data_key_pairs_through_boto3(kms):
    meta = _key(kms, "ECC_NIST_P521", "KEY_AGREEMENT")
    peer = ec.generate_private_key(ec.SECP521R1())
    der = peer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    shared = kms.derive_shared_secret(
        KeyId=meta["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=der
    )["SharedSecret"]
    ours = serialization.load_der_public_key(kms.get_public_key(KeyId=meta["KeyId"])["PublicKey"])
    assert shared == peer.exchange(ec.ECDH(), ours)
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    pair = kms.generate_data_key_pair(KeyId=symmetric, KeyPairSpec="RSA_2048")
    private = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], password=None)
    assert private.key_size == 2048
    back = kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])["Plaintext"]
    assert back == pair["PrivateKeyPlaintext"]
    bare = kms.generate_data_key_pair_without_plaintext(
        KeyId=symmetric, KeyPairSpec="ECC_NIST_P256"
    )
    assert "PrivateKeyPlaintext" not in bare


def test_the_aws_cli_signs_verifies_and_makes_macs(api, tmp_path):
    def run(*args):
        done = aws(api, api.root, *args, tmp=tmp_path)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    signer = run("create-key", "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")
    key_id = signer["KeyMetadata"]["KeyId"]
    # the aws CLI reads blobs from files as bytes (fileb://)
    (tmp_path / "message").write_bytes(MESSAGE)
    message = f"fileb://{tmp_path / 'message'}"
    signed = run(
        "sign",
        "--key-id",
        key_id,
        "--message",
        message,
        "--signing-algorithm",
        "ECDSA_SHA_256",
    )
    (tmp_path / "signature").write_bytes(base64.b64decode(signed["Signature"]))
    verified = run(
        "verify",
        "--key-id",
        key_id,
        "--message",
        message,
        "--signature",
        f"fileb://{tmp_path / 'signature'}",
        "--signing-algorithm",
        "ECDSA_SHA_256",
    )
    assert verified["SignatureValid"] is True
    public = run("get-public-key", "--key-id", key_id)
    key = serialization.load_der_public_key(base64.b64decode(public["PublicKey"]))
    key.verify(base64.b64decode(signed["Signature"]), MESSAGE, ec.ECDSA(_sha256()))
    mac_key = run("create-key", "--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC")
    mac = run(
        "generate-mac",
        "--key-id",
        mac_key["KeyMetadata"]["KeyId"],
        "--message",
        message,
        "--mac-algorithm",
        "HMAC_SHA_256",
    )
    assert len(base64.b64decode(mac["Mac"])) == 32


def _sha256():
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def test_ml_kem_through_boto3(kms):
    meta = _key(kms, "ML_KEM_1024", "ENCAPSULATE_DECAPSULATE")
    made = kms.encapsulate(KeyId=meta["KeyId"], EncapsulationAlgorithm="ML_KEM")
    back = kms.decapsulate(
        KeyId=meta["KeyId"],
        SharedSecretCiphertextBlob=made["SharedSecretCiphertextBlob"],
        EncapsulationAlgorithm="ML_KEM",
    )
    assert back["SharedSecret"] == made["SharedSecret"]
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=meta["KeyId"])["PublicKey"])
    secret, ciphertext = public.encapsulate()
    out = kms.decapsulate(
        KeyId=meta["KeyId"], SharedSecretCiphertextBlob=ciphertext, EncapsulationAlgorithm="ML_KEM"
    )
    assert out["SharedSecret"] == secret


def test_imported_key_material_through_boto3(kms):
    import datetime
    import os

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    parameters = kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_4096"
    )
    public = serialization.load_der_public_key(parameters["PublicKey"])
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    valid_to = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)
    kms.import_key_material(
        KeyId=key_id,
        ImportToken=parameters["ImportToken"],
        EncryptedKeyMaterial=public.encrypt(os.urandom(32), oaep),
        ExpirationModel="KEY_MATERIAL_EXPIRES",
        ValidTo=valid_to,
    )
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "Enabled" and meta["Origin"] == "EXTERNAL"
    assert abs((meta["ValidTo"] - valid_to).total_seconds()) < 1
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    kms.delete_imported_key_material(KeyId=key_id)
    with pytest.raises(ClientError) as caught:
        kms.decrypt(CiphertextBlob=blob)
    assert client_error(caught)[0] == "KMSInvalidStateException"
