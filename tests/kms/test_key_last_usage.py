"""GetKeyLastUsage: the last successful cryptographic operation, its time and the id of
its CloudTrail-shaped event; failures and non-cryptographic calls leave it alone."""

from __future__ import annotations

import json

import pytest

from kmstui.caller import Caller
from kmstui.clock import Clock
from kmstui.errors import InvalidCiphertextException, KMSInvalidMacException, NotFoundException
from tests.conftest import FIXED_TIME

DAY = 86400


def _usage(engine, key_id, caller=None):
    return engine.call("GetKeyLastUsage", {"KeyId": key_id}, caller=caller)


def test_a_new_key_has_no_last_usage(engine):
    key = engine.call("CreateKey")["KeyMetadata"]
    out = _usage(engine, key["KeyId"])
    assert out == {
        "KeyId": key["KeyId"],
        "KeyLastUsage": {},
        "TrackingStartDate": key["CreationDate"],
        "KeyCreationDate": key["CreationDate"],
    }


def test_last_usage_names_the_operation_time_and_event(engine):
    key = engine.call("CreateKey")["KeyMetadata"]
    engine.advance_clock(DAY)
    engine.call("Encrypt", {"KeyId": key["KeyId"], "Plaintext": b"x"})
    encrypted_at = engine.clock.now()
    event = engine.events.recent[-1]
    engine.advance_clock(DAY)
    engine.call("DescribeKey", {"KeyId": key["KeyId"]})  # not a cryptographic use
    with pytest.raises(InvalidCiphertextException):  # a failed use is not recorded
        engine.call("Decrypt", {"CiphertextBlob": b"\x01" * 80})
    last = _usage(engine, key["KeyId"])["KeyLastUsage"]
    assert event["eventName"] == "Encrypt"
    assert last == {
        "Operation": "Encrypt",
        "Timestamp": encrypted_at,
        "CloudTrailEventId": event["eventID"],
        "KmsRequestId": event["requestID"],
    }


def test_re_encrypt_counts_for_both_keys_and_failed_mac_checks_do_not(engine):
    source = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    destination = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    blob = engine.call("Encrypt", {"KeyId": source, "Plaintext": b"x"})["CiphertextBlob"]
    engine.call("ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": destination})
    for key_id in (source, destination):
        assert _usage(engine, key_id)["KeyLastUsage"]["Operation"] == "ReEncrypt"
    mac_key = engine.call("CreateKey", {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"})[
        "KeyMetadata"
    ]["KeyId"]
    engine.call("GenerateMac", {"KeyId": mac_key, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"})
    with pytest.raises(KMSInvalidMacException):
        engine.call(
            "VerifyMac",
            {"KeyId": mac_key, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256", "Mac": b"0" * 32},
        )
    assert _usage(engine, mac_key)["KeyLastUsage"]["Operation"] == "GenerateMac"


def test_tracking_starts_when_the_engine_opens(make_engine):
    engine = make_engine()
    key = engine.call("CreateKey")["KeyMetadata"]
    engine.call("Encrypt", {"KeyId": key["KeyId"], "Plaintext": b"x"})
    engine.close()
    again = make_engine(clock=Clock(fixed=FIXED_TIME + DAY))
    out = _usage(again, key["KeyId"])
    assert out["KeyLastUsage"] == {}
    assert out["TrackingStartDate"] == again.clock.now() > out["KeyCreationDate"]


def test_aliases_and_other_accounts_are_refused(engine):
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
        for account in ("111122223333", "444455556666")
    ]
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    key = engine.call("CreateKey", {"Policy": policy})["KeyMetadata"]
    engine.call("CreateAlias", {"AliasName": "alias/used", "TargetKeyId": key["KeyId"]})
    with pytest.raises(NotFoundException):
        _usage(engine, "alias/used")
    # allowed by the key policy, but not an operation AWS performs across accounts
    with pytest.raises(NotFoundException):
        _usage(engine, key["Arn"], caller=Caller.root("444455556666", "us-east-1"))


def test_replicas_track_their_use_each_on_their_own(engine):
    east, west = Caller.root("111122223333", "us-east-1"), Caller.root("111122223333", "us-west-2")
    key = engine.call("CreateKey", {"MultiRegion": True}, caller=east)["KeyMetadata"]["KeyId"]
    engine.call("ReplicateKey", {"KeyId": key, "ReplicaRegion": "us-west-2"}, caller=east)
    engine.call("Encrypt", {"KeyId": key, "Plaintext": b"x"}, caller=west)
    assert _usage(engine, key, caller=west)["KeyLastUsage"]["Operation"] == "Encrypt"
    assert _usage(engine, key, caller=east)["KeyLastUsage"] == {}
