"""Event records: what scrub() keeps and drops, checked against a plain reference
implementation of the rule (secret members and byte values dropped, member names in
camelCase, map members copied with their keys untouched)."""

import random

from kmstui.events import MAP_MEMBERS, SECRET_MEMBERS, build_record, scrub


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


def test_scrub_copies_maps_and_never_keeps_secrets():
    context = {"Plaintext": "kept: a map's keys are data"}
    request = {"Plaintext": b"x", "GrantTokens": ["t"], "EncryptionContext": context}
    out = scrub(request)
    assert out == {"encryptionContext": context}
    assert out["encryptionContext"] is not context


def test_records_do_not_share_their_request_or_response():
    from kmstui.caller import Caller

    caller = Caller.root()
    records = [
        build_record(
            service="kms",
            operation="CreateGrant",
            caller=caller,
            event_time=1.0 + i,
            event_id=f"id-{i}",
            request={"KeyId": "k", "EncryptionContext": {"a": "b"}},
            response={"KeyId": "arn", "CiphertextBlob": b"x"},
            resources=["arn:aws:kms:us-east-1:111122223333:key/k"],
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
