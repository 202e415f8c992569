"""Every KMS call emits one CloudTrail-shaped event; no secret ever appears in one."""

import base64
import json

import pytest

from kmstui.caller import Caller
from kmstui.errors import AccessDeniedException, NotFoundException


def test_a_successful_call_emits_a_cloudtrail_shaped_event(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x", "EncryptionContext": {"app": "a"}})
    event = engine.events.recent[-1]
    assert event["eventSource"] == "kms.amazonaws.com"
    assert event["eventName"] == "Encrypt"
    assert event["awsRegion"] == "us-east-1"
    assert event["eventTime"] == "2027-01-15T08:00:00Z"
    assert event["userIdentity"] == {
        "type": "Root",
        "arn": "arn:aws:iam::111122223333:root",
        "accountId": "111122223333",
    }
    assert event["requestParameters"]["encryptionContext"] == {"app": "a"}
    assert event["resources"][0]["ARN"].endswith(key_id)
    assert event["decision"]["effect"] == "Allow"
    assert "errorCode" not in event


def test_cryptographic_calls_are_read_only_and_name_the_key_material_used(engine):
    # As CloudTrail records them: readOnly, no responseElements, and the key material
    # in additionalEventData (the material that made the blob, for a Decrypt).
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    old = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"})["CiphertextBlob"]
    encrypt = engine.events.recent[-1]
    first_material = engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"][
        "CurrentKeyMaterialId"
    ]
    engine.call("RotateKeyOnDemand", {"KeyId": key_id})
    assert engine.events.recent[-1]["readOnly"] is False
    engine.call("Decrypt", {"CiphertextBlob": old})
    decrypt = engine.events.recent[-1]
    engine.call("GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256"})
    generate = engine.events.recent[-1]
    second_material = engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"][
        "CurrentKeyMaterialId"
    ]
    assert second_material != first_material
    for event in (encrypt, decrypt, generate):
        assert event["readOnly"] is True
        assert event["responseElements"] is None
    assert encrypt["additionalEventData"] == {"keyMaterialId": first_material}
    assert decrypt["additionalEventData"] == {"keyMaterialId": first_material}
    assert generate["additionalEventData"] == {"keyMaterialId": second_material}
    engine.call("ReEncrypt", {"CiphertextBlob": old, "DestinationKeyId": key_id})
    assert engine.events.recent[-1]["additionalEventData"] == {
        "destinationKeyMaterialId": second_material,
        "sourceKeyMaterialId": first_material,
    }


def test_a_failed_call_emits_an_event_with_its_error(engine):
    with pytest.raises(NotFoundException):
        engine.call("DescribeKey", {"KeyId": "alias/missing"})
    event = engine.events.recent[-1]
    assert event["eventName"] == "DescribeKey"
    assert event["errorCode"] == "NotFoundException"
    assert "alias/missing" in event["errorMessage"]


def test_a_denied_call_emits_an_event_naming_what_decided(engine):
    engine.call("CreateUser", {"UserName": "bob"})
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Admin",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "NoDecryptForBob",
                    "Effect": "Deny",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                },
            ],
        }
    )
    engine.call("PutKeyPolicy", {"KeyId": key_id, "Policy": policy})
    blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"})["CiphertextBlob"]
    bob = Caller.for_arn("arn:aws:iam::111122223333:user/bob")
    with pytest.raises(AccessDeniedException, match="explicit deny in a resource-based policy"):
        engine.call("Decrypt", {"CiphertextBlob": blob}, caller=bob)
    event = engine.events.recent[-1]
    assert event["errorCode"] == "AccessDeniedException"
    assert event["decision"]["effect"] == "ExplicitDeny"
    assert event["decision"]["decidedBy"] == ["NoDecryptForBob"]
    assert event["userIdentity"]["arn"].endswith("user/bob")


def test_no_plaintext_or_data_key_appears_in_any_event(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    secret = b"TOP-SECRET-PLAINTEXT"
    blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": secret})["CiphertextBlob"]
    engine.call("Decrypt", {"CiphertextBlob": blob})
    data_key = engine.call("GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256"})
    random = engine.call("GenerateRandom", {"NumberOfBytes": 32})["Plaintext"]
    grant = engine.call(
        "CreateGrant",
        {
            "KeyId": key_id,
            "Operations": ["Decrypt"],
            "GranteePrincipal": "arn:aws:iam::111122223333:role/x",
        },
    )
    text = json.dumps(list(engine.events.recent))
    for needle in (secret, data_key["Plaintext"], random):
        assert base64.b64encode(needle).decode() not in text
        assert needle.hex() not in text
    assert secret.decode() not in text
    assert grant["GrantToken"] not in text


def test_subscribers_see_events_as_they_happen(engine):
    seen = []
    unsubscribe = engine.events.subscribe(seen.append)
    engine.call("ListKeys")
    unsubscribe()
    engine.call("ListKeys")
    assert [e["eventName"] for e in seen] == ["ListKeys"]


def test_events_are_persisted_to_the_event_log(make_engine, dirs):
    from kmstui.store.eventlog import EventLog

    engine = make_engine()
    engine.call("CreateKey")
    engine.close()
    names = [e["eventName"] for e in EventLog.open_readonly(dirs[0] / "events").iter()]
    assert names == ["CreateKey"]


def test_an_unexpected_failure_is_an_internal_error_with_its_event(engine, monkeypatch):
    from kmstui.errors import KMSInternalException
    from kmstui.kms.service import OPERATIONS

    def broken(service, params, caller, ctx):
        raise RuntimeError("bug")

    monkeypatch.setitem(OPERATIONS, "ListKeys", broken)
    with pytest.raises(KMSInternalException) as info:
        engine.call("ListKeys")
    assert info.value.status == 500
    event = engine.events.recent[-1]
    assert (event["eventName"], event["errorCode"]) == ("ListKeys", "KMSInternalException")


def test_the_ring_keeps_lines_and_readers_get_fresh_records(engine):
    seen = []
    engine.events.subscribe(seen.append)
    engine.call("ListKeys")
    engine.call("ListAliases")
    lines = engine.events.recent.lines()
    assert all(isinstance(line, bytes) for line in lines)
    recent = engine.events.recent
    assert [r["eventName"] for r in recent][-2:] == ["ListKeys", "ListAliases"]
    assert [r["eventName"] for r in reversed(recent)][:2] == ["ListAliases", "ListKeys"]
    assert recent[-1] == seen[-1] and recent[-1] is not recent[-1]
    assert recent[-2:] == seen[-2:]
    recent[-1]["eventName"] = "changed by a reader"
    assert recent[-1]["eventName"] == "ListAliases"


def test_the_event_log_stores_the_line_the_bus_carried(engine):
    engine.call("CreateKey", {"Description": "d", "Tags": [{"TagKey": "t", "TagValue": "v"}]})
    engine.event_log.flush()
    assert engine.event_log.tail(1) == [engine.events.recent[-1]]
