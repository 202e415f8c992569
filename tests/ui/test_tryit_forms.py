"""What Try it offers each kind of key and the requests it builds, without a screen."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmstui.errors import AwsError
from kmstui.ui.tryit.forms import (
    BASE64,
    TEXT,
    InputProblem,
    Request,
    decode,
    encryption_context,
    form_for,
    masked,
    params_for,
    public_key_der,
    run,
)


def describe(engine, **params) -> dict:
    return engine.call("CreateKey", params)["KeyMetadata"]


def test_each_usage_offers_its_own_two_operations(engine):
    offered = {
        usage: (form.make, form.check)
        for usage, form in (
            (m["KeyUsage"], form_for(m))
            for m in (
                describe(engine),
                describe(engine, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY"),
                describe(engine, KeySpec="HMAC_384", KeyUsage="GENERATE_VERIFY_MAC"),
                describe(engine, KeySpec="ECC_NIST_P384", KeyUsage="KEY_AGREEMENT"),
                describe(engine, KeySpec="ML_KEM_1024", KeyUsage="ENCAPSULATE_DECAPSULATE"),
            )
        )
    }
    assert offered == {
        "ENCRYPT_DECRYPT": ("Encrypt", "Decrypt"),
        "SIGN_VERIFY": ("Sign", "Verify"),
        "GENERATE_VERIFY_MAC": ("GenerateMac", "VerifyMac"),
        "KEY_AGREEMENT": ("DeriveSharedSecret", None),
        "ENCAPSULATE_DECAPSULATE": ("Encapsulate", "Decapsulate"),
    }


def test_the_choices_are_describe_keys_algorithms_and_the_specs_message_types(engine):
    rsa = form_for(describe(engine, KeySpec="RSA_3072", KeyUsage="SIGN_VERIFY"))
    assert rsa.algorithms[0] == "RSASSA_PKCS1_V1_5_SHA_256" and len(rsa.algorithms) == 6
    assert rsa.message_types == ("RAW", "DIGEST") and not rsa.context
    ml_dsa = form_for(describe(engine, KeySpec="ML_DSA_65", KeyUsage="SIGN_VERIFY"))
    assert ml_dsa.message_types == ("RAW", "EXTERNAL_MU")
    oaep = form_for(describe(engine, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT"))
    assert oaep.algorithms == ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256") and not oaep.context
    assert form_for(describe(engine)).context


def test_input_decodes_as_utf8_text_or_base64():
    assert decode("héllo", TEXT, "Message") == "héllo".encode()
    assert decode("aGVs\nbG8=", BASE64, "Message") == b"hello"
    with pytest.raises(InputProblem, match="Message is not valid base64"):
        decode("aGVsbG8", BASE64, "Message")


def test_a_peer_public_key_is_taken_as_pem_or_as_base64_der():
    der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    pem = serialization.load_der_public_key(der).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert public_key_der(pem.decode()) == der
    assert public_key_der(base64.b64encode(der).decode()) == der
    with pytest.raises(InputProblem):
        public_key_der("  \n")


def test_an_encryption_context_that_is_not_key_value_is_refused():
    assert encryption_context("a=1, b=x=y") == {"a": "1", "b": "x=y"}
    with pytest.raises(InputProblem, match="Encryption context"):
        encryption_context("lonely")


def test_requests_carry_aws_member_names(engine):
    form = form_for(describe(engine, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY"))
    request = Request("k", "ECDSA_SHA_256", data=b"m", field=b"s", message_type="DIGEST")
    assert params_for(form, "Verify", request) == {
        "KeyId": "k",
        "SigningAlgorithm": "ECDSA_SHA_256",
        "Message": b"m",
        "MessageType": "DIGEST",
        "Signature": b"s",
    }
    symmetric = form_for(describe(engine))
    assert params_for(symmetric, "Decrypt", Request("k", "SYMMETRIC_DEFAULT", field=b"c")) == {
        "KeyId": "k",
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "CiphertextBlob": b"c",
    }


def test_a_refusal_is_an_outcome_named_as_aws_names_it(engine):
    meta = describe(engine, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    form = form_for(meta)
    request = Request(meta["KeyId"], "HMAC_SHA_256", data=b"m", field=b"x" * 32)
    outcome = run(engine.call, form, "VerifyMac", request)
    assert isinstance(outcome.error, AwsError)
    assert outcome.summary == "✕ KMSInvalidMacException"


def test_a_masked_secret_shows_its_length_not_its_bytes():
    assert masked(b"top secret") == "•••••••••• 10 bytes, hidden"
