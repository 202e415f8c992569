"""Event records: what scrub() keeps and drops, checked against a plain reference
implementation of the rule (secret members and byte values dropped, member names in
camelCase, map members kept with their keys untouched), and the JSON line a record
travels as."""

import random

from kmstui.events import MAP_MEMBERS, SECRET_MEMBERS, encode_record, scrub
from kmstui.jsonlines import loads_line


def reference_scrub(value):
    if isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if name in SECRET_MEMBERS or isinstance(item, (bytes, bytearray, memoryview)):
                continue
            camel = name[:1].lower() + name[1:]
            if name in MAP_MEMBERS and isinstance(item, dict):
                out[camel] = dict(item)
            elif isinstance(item, (dict, list)):
                out[camel] = reference_scrub(item)
            else:
                out[camel] = item
        return out
    if isinstance(value, list):
        return [
            reference_scrub(v) for v in value if not isinstance(v, (bytes, bytearray, memoryview))
        ]
    return value


NAMES = [
    *sorted(SECRET_MEMBERS),
    *sorted(MAP_MEMBERS),
    "KeyId",
    "Description",
    "Tags",
    "Constraints",
    "NumberOfBytes",
    "X",
    "",
]


def random_value(rng, depth=0):
    kinds = ["str", "int", "bool", "none", "bytes", "bytearray", "float"]
    if depth < 3:
        kinds += ["dict", "list"]
    kind = rng.choice(kinds)
    if kind == "dict":
        return {rng.choice(NAMES): random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {
        "str": "v",
        "int": 3,
        "bool": True,
        "none": None,
        "bytes": b"secret",
        "bytearray": bytearray(b"secret"),
        "float": 1.5,
    }[kind]


def test_scrub_matches_the_reference_rule():
    rng = random.Random(11)
    for _ in range(3000):
        value = random_value(rng)
        assert scrub(value) == reference_scrub(value)


def test_scrub_never_keeps_secrets_and_leaves_map_keys_alone():
    context = {"Plaintext": "kept: a map's keys are data"}
    request = {"Plaintext": b"x", "GrantTokens": ["t"], "EncryptionContext": context}
    assert scrub(request) == {"encryptionContext": context}


def test_a_record_keeps_the_request_as_it_was_when_the_call_was_made():
    from kmstui.caller import Caller

    context = {"app": "a"}
    line = encode_record(
        "kms",
        "Encrypt",
        Caller.root(),
        1.0,
        "id",
        {"EncryptionContext": context},
        None,
        None,
        None,
        None,
        None,
    )
    context["app"] = "changed later"
    assert loads_line(line)["requestParameters"] == {"encryptionContext": {"app": "a"}}


def test_records_do_not_share_their_request_or_response():
    from kmstui.caller import Caller

    caller = Caller.root()
    records = [
        loads_line(
            encode_record(
                service="kms",
                operation="CreateGrant",
                caller=caller,
                event_time=1.0 + i,
                event_id=f"id-{i}",
                request={"KeyId": "k", "EncryptionContext": {"a": "b"}},
                response={"KeyId": "arn", "CiphertextBlob": b"x"},
                error=None,
                resources=["arn:aws:kms:us-east-1:111122223333:key/k"],
                decision=None,
                extra=None,
            )
        )
        for i in range(2)
    ]
    first, second = records
    assert first["requestParameters"] is not second["requestParameters"]
    assert first["resources"] is not second["resources"]
    assert first["eventID"] == first["requestID"] == "id-0"
    assert second["epoch"] == 2.0 and second["responseElements"] == {"keyId": "arn"}
    assert list(first) == [
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "requestParameters",
        "responseElements",
        "requestID",
        "eventID",
        "readOnly",
        "resources",
        "eventType",
        "managementEvent",
        "recipientAccountId",
        "eventCategory",
        "epoch",
    ]


def _args(**overrides):
    from kmstui.caller import Caller

    args = {
        "service": "kms",
        "operation": "Decrypt",
        "caller": Caller.root(),
        "event_time": 1_800_000_000.25,
        "event_id": "id-1",
        "request": {"CiphertextBlob": b"blob", "EncryptionContext": {"app": "a"}},
        "response": {"Plaintext": b"secret", "KeyId": "arn"},
        "error": None,
        "resources": ["arn:aws:kms:us-east-1:111122223333:key/k"],
        "decision": {"effect": "Allow", "decidedBy": ["s"]},
        "extra": {"additionalEventData": {"keyMaterialId": "m"}},
    }
    args.update(overrides)
    return args


def _line(**overrides):
    return encode_record(*_args(**overrides).values())


def test_a_line_is_one_json_object_with_each_member_once():
    import json

    line = _line()
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    pairs = json.loads(line, object_pairs_hook=lambda pairs: pairs)
    names = [name for name, _value in pairs]
    assert len(names) == len(set(names))
    record = dict(pairs)
    assert record["eventTime"] == "2027-01-15T08:00:00Z"
    assert record["epoch"] == 1_800_000_000.25
    assert record["eventName"] == "Decrypt" and record["readOnly"] is True
    assert record["responseElements"] is None  # a read-only call's response is left out
    assert names[-3:] == ["epoch", "decision", "additionalEventData"]


def test_eventtime_follows_the_clock_across_seconds():
    times = [loads_line(_line(event_time=t))["eventTime"] for t in (5.9, 6.0, 5.0, 86_400.5)]
    assert times == [
        "1970-01-01T00:00:05Z",
        "1970-01-01T00:00:06Z",
        "1970-01-01T00:00:05Z",
        "1970-01-02T00:00:00Z",
    ]


def test_an_extra_member_may_replace_one_of_the_head_in_its_place():
    line = _line(extra={"userAgent": "ec2.amazonaws.com", "eventType": "AwsServiceEvent"})
    pairs = __import__("json").loads(line, object_pairs_hook=lambda pairs: pairs)
    names = [name for name, _value in pairs]
    assert len(names) == len(set(names))
    record = dict(pairs)
    assert record["userAgent"] == "ec2.amazonaws.com"
    assert record["eventType"] == "AwsServiceEvent"
    assert names.index("userAgent") < names.index("requestParameters")
    assert names[:3] == ["eventVersion", "userIdentity", "eventTime"]


def test_values_json_cannot_hold_as_they_are_still_make_a_readable_line():
    # from the Python API anything can arrive: a lone surrogate, a huge int, a set
    request = {"EncryptionContext": {"k": "\ud800"}, "NumberOfBytes": 2**80, "Odd": {1, 2}}
    record = loads_line(_line(request=request))
    assert record["requestParameters"] == {
        "encryptionContext": {"k": "\ud800"},
        "numberOfBytes": 2**80,
        "odd": "{1, 2}",
    }
    assert record["eventName"] == "Decrypt"


def test_a_blob_that_slips_into_a_record_is_written_as_null():
    # a malformed context (bytes as a value) is refused, and its event still carries
    # no bytes: blobs are dropped by scrub, and anywhere else written as null
    line = _line(request={"EncryptionContext": {"k": b"secret-bytes"}}, extra=None)
    assert b"secret-bytes" not in line
    assert loads_line(line)["requestParameters"] == {"encryptionContext": {"k": None}}


def test_a_malformed_context_is_refused_and_its_event_holds_no_bytes(engine):
    import pytest

    from kmstui.errors import SerializationException

    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    with pytest.raises(SerializationException):
        engine.call(
            "Encrypt",
            {"KeyId": key_id, "Plaintext": b"x", "EncryptionContext": {"k": b"secret-bytes"}},
        )
    assert b"secret-bytes" not in engine.events.recent.lines()[-1]
    assert engine.events.recent[-1]["errorCode"] == "SerializationException"


def test_the_buses_encoder_writes_what_the_plain_encoder_writes():
    from kmstui.caller import Caller
    from kmstui.events import EventBus

    bus = EventBus()
    for event_time in (1_800_000_000.25, 1_800_000_000.75, 1_800_000_001.5):
        for caller in (Caller.root(), Caller.for_arn("arn:aws:iam::111122223333:user/a")):
            args = {"caller": caller, "event_time": event_time}
            # the second line of each is made from what the bus remembered of the first
            assert bus.encode_record(*_args(**args).values()) == _line(**args)
            assert bus.encode_record(*_args(**args).values()) == _line(**args)


def test_a_value_only_the_fallback_can_write_still_makes_a_whole_record():
    decision = {"action": "kms:Decrypt", "effect": "Allow", "decidedBy": ["s"]}
    for extra in (None, {"userAgent": "ec2.amazonaws.com"}):
        record = loads_line(_line(request={"NumberOfBytes": 2**80}, decision=decision, extra=extra))
        assert record["requestParameters"] == {"numberOfBytes": 2**80}
        assert record["decision"] == decision
        assert record["resources"] == [
            {
                "accountId": "111122223333",
                "type": "AWS::KMS::Key",
                "ARN": "arn:aws:kms:us-east-1:111122223333:key/k",
            }
        ]


def test_a_decision_orjson_cannot_write_is_still_recorded():
    # a statement's Sid comes from policy text, where JSON allows an escaped lone
    # surrogate: the verdict is still made, and its record still reads back
    from kmstui.kms.authorization import Verdict

    verdict = Verdict(action="kms:Decrypt", effect="Allow", decided_by=["odd \ud800 sid"])
    record = loads_line(_line(decision=verdict.event))
    assert record["decision"]["decidedBy"] == ["odd \ud800 sid"]
    assert record["eventName"] == "Decrypt"


def test_a_policy_whose_sid_orjson_cannot_write_still_decides_calls(engine):
    import json

    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    statement = {
        "Sid": "odd \ud800",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    engine.call("PutKeyPolicy", {"KeyId": key_id, "PolicyName": "default", "Policy": policy})
    engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"})
    assert engine.events.recent[-1]["decision"]["decidedBy"] == ["odd \ud800"]
