"""Bodies a hostile client sends the endpoint: each answers an AWS-shaped 400, never a
500, and the server goes on serving."""

from __future__ import annotations

import json

import pytest

from .conftest import raw_post

HOSTILE = {
    "a 5,000-digit number": b'{"Limit": ' + b"9" * 5000 + b"}",
    "a 5,000-digit number in an unknown member": b'{"Other": ' + b"9" * 5000 + b"}",
    "a 400-digit number": b'{"Limit": ' + b"9" * 400 + b"}",
    "a negative 5,000-digit number": b'{"Limit": -' + b"9" * 5000 + b"}",
    "an array nested 900 deep": b'{"Other": ' + b"[" * 900 + b"]" * 900 + b"}",
    "an object nested 900 deep": b'{"Other": ' + b'{"a":' * 900 + b"1" + b"}" * 900 + b"}",
    "an array nested 60,000 deep": b"[" * 60_000 + b"]" * 60_000,
    "an escaped lone surrogate": b'{"KeyId": "\\ud800"}',
    "a raw encoded surrogate": b'{"KeyId": "\xed\xa0\x80"}',
    "an integer member as a float": b'{"Limit": 1.5}',
    "an integer member past 32 bits": b'{"Limit": 4294967296}',
}


@pytest.mark.parametrize("body", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_body_is_a_serialization_error(api, body):
    status, headers, answer = raw_post(api.url, body, target="TrentService.ListKeys", keys=api.root)
    assert status == 400, answer
    assert answer["__type"] == "SerializationException"
    assert headers["x-amzn-errortype"] == "SerializationException"
    status, _, answer = raw_post(api.url, b"{}", keys=api.root)
    assert status == 200 and "Keys" in answer


WRONG = [
    (member, value)
    for member in ("CustomerMasterKeySpec", "CustomKeyStoreId", "XksKeyId", "Origin", "Tags")
    for value in (True, 0, 1.5, [], {}, ["x"])
    if not (member == "Tags" and value == [])  # an empty list of tags is a valid request
]


@pytest.mark.parametrize(("member", "value"), WRONG, ids=repr)
def test_create_key_with_a_wrong_type_makes_no_key(api, member, value):
    before = api.engine.call("ListKeys")["Keys"]
    body = json.dumps({"KeySpec": "SYMMETRIC_DEFAULT", member: value}).encode()
    status, _, answer = raw_post(api.url, body, target="TrentService.CreateKey", keys=api.root)
    assert status == 400, answer
    assert answer["__type"] == "SerializationException"
    assert api.engine.call("ListKeys")["Keys"] == before


def test_a_lone_surrogate_description_creates_no_key(api):
    before = api.engine.call("ListKeys")["Keys"]
    body = b'{"Description": "\\ud800"}'
    status, _, answer = raw_post(api.url, body, target="TrentService.CreateKey", keys=api.root)
    assert status == 400 and answer["__type"] == "SerializationException"
    assert api.engine.call("ListKeys")["Keys"] == before
    for key in before:
        status, _, _ = raw_post(
            api.url,
            json.dumps({"KeyId": key["KeyId"]}).encode(),
            target="TrentService.DescribeKey",
            keys=api.root,
        )
        assert status == 200
