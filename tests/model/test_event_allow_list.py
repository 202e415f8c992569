"""Events record only the members an operation defines, minus its secrets, and every
buffer an event passes through is bounded in bytes."""

from __future__ import annotations

import pytest

from kmstui import events
from kmstui.errors import SerializationException, ValidationException
from kmstui.events import EventBus
from kmstui.model import load
from kmstui.model.record import MAX_TEXT, recorded


def test_unknown_members_never_reach_the_event(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    junk = {f"Junk{i:05d}": "x" * 20 for i in range(36_000)}
    small = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"p"})
    line_small = engine.events.recent.lines()[-1]
    big = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"p", **junk})
    line_big = engine.events.recent.lines()[-1]
    assert small["KeyId"] == big["KeyId"]
    assert b"Junk" not in line_big
    assert abs(len(line_big) - len(line_small)) < 64  # the ids and times differ
    assert engine.events.recent[-1]["requestParameters"] == {"keyId": key_id}


def test_nested_unknown_members_are_left_out_too(engine):
    engine.call(
        "CreateKey",
        {"Description": "d", "Tags": [{"TagKey": "k", "TagValue": "v", "Secret": "s3cr3t"}]},
    )
    line = engine.events.recent.lines()[-1]
    assert b"s3cr3t" not in line
    assert engine.events.recent[-1]["requestParameters"] == {
        "description": "d",
        "tags": [{"tagKey": "k", "tagValue": "v"}],
    }


def test_secrets_are_never_recorded_even_on_a_refused_request(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    with pytest.raises(SerializationException):
        engine.call(
            "Encrypt",
            {
                "KeyId": key_id,
                "Plaintext": b"plain-secret",
                "GrantTokens": ["grant-token-secret"],
                "EncryptionContext": 5,  # refused
            },
        )
    line = engine.events.recent.lines()[-1]
    assert b"plain-secret" not in line and b"grant-token-secret" not in line
    assert engine.events.recent[-1]["requestParameters"] == {"keyId": key_id}


def test_every_sensitive_or_blob_member_of_the_kms_model_is_left_out():
    model = load("kms")
    assert model is not None
    for operation in model.operations:
        shape = model.input(operation)
        if shape is None:
            continue
        params = {name: _sample(member) for name, member in shape.members.items()}
        kept = recorded(shape, params)
        for name, member in shape.members.items():
            camel = name[:1].lower() + name[1:]
            if member.secret or name in events.SECRET_MEMBERS:
                assert camel not in kept, (operation, name)


def _sample(shape):
    return {"string": "s", "blob": b"b", "boolean": True, "integer": 1, "long": 1}.get(
        shape.kind, None
    )


def test_strings_are_cut_to_what_the_model_allows(engine):
    with pytest.raises(ValidationException):
        engine.call("CreateKey", {"Description": "d" * 100_000})
    assert len(engine.events.recent[-1]["requestParameters"]["description"]) == 8192
    with pytest.raises(ValidationException):
        engine.call("CreateKey", {"Tags": [{"TagKey": "k" * 1_000_000, "TagValue": "v"}]})
    assert len(engine.events.recent.lines()[-1]) < 4_000  # the key cut to 128, the message to 2 KiB


def test_unbounded_members_are_bounded_too(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    context = {f"k{i}": "v" * 200 for i in range(5_000)}
    engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x", "EncryptionContext": context})
    recorded_context = engine.events.recent[-1]["requestParameters"]["encryptionContext"]
    assert len(recorded_context) <= 1000
    engine.call(
        "Encrypt",
        {"KeyId": key_id, "Plaintext": b"x", "EncryptionContext": {"k": "v" * 300_000}},
    )
    assert len(engine.events.recent[-1]["requestParameters"]["encryptionContext"]["k"]) == MAX_TEXT


def test_the_ring_is_bounded_in_bytes():
    bus = EventBus(ring_size=1000, ring_bytes=10_000)
    for i in range(500):
        bus.publish(b'{"n":%d,"pad":"%s"}\n' % (i, b"x" * 200))
        lines = bus.recent.lines()
        assert sum(map(len, lines)) <= 12_500 + len(lines[-1])  # 1.25 times, and a line
    assert len(lines) < 100
    assert bus.recent[-1]["n"] == 499  # the newest are kept
    assert bus.published == 500


def test_a_line_larger_than_the_bound_stays_until_newer_lines_replace_it():
    bus = EventBus(ring_size=10, ring_bytes=100)
    bus.publish(b'{"big":"' + b"x" * 1000 + b'"}\n')
    assert len(bus.recent) == 1
    for n in range(30):
        bus.publish(b'{"n":%d}\n' % n)
    assert "big" not in bus.recent[0]
    assert sum(map(len, bus.recent.lines())) <= 125 + 9


def test_the_ring_still_counts_lines():
    bus = EventBus(ring_size=5)
    for i in range(20):
        bus.publish(b'{"n":%d}\n' % i)
    assert [r["n"] for r in bus.recent] == [15, 16, 17, 18, 19]


def test_responses_are_recorded_by_their_output_shape(engine, monkeypatch):
    from kmstui.kms import OPERATIONS

    def create_key(service, params, caller, ctx):
        return {"KeyMetadata": {"KeyId": "made-up", "NotInTheModel": "x"}, "Junk": [1, 2]}

    monkeypatch.setitem(OPERATIONS, "CreateKey", create_key)
    assert engine.call("CreateKey")["Junk"] == [1, 2]  # the caller gets what it returned
    assert engine.events.recent[-1]["responseElements"] == {"keyMetadata": {"keyId": "made-up"}}


def test_a_secret_in_a_response_is_never_recorded(engine):
    secret = engine.call("CreateAccessKey")["AccessKey"]["SecretAccessKey"]
    line = engine.events.recent.lines()[-1]
    assert secret.encode() not in line
    assert "accessKeyId" in engine.events.recent[-1]["responseElements"]["accessKey"]
