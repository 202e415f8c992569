"""Property: whatever JSON a client sends any operation the endpoint serves (deep
nesting, huge numbers, lone surrogates, wrong types, unknown members), the answer is
an AWS-named 4xx, or a success whose stored result reads back through DescribeKey and
the List operations; never a 500, never a traceback in the server's log.

Deterministic (derandomized, no example database) and bounded to a few hundred
requests."""

from __future__ import annotations

import base64
import json
import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmstui.kms import OPERATIONS as KMS_OPERATIONS
from kmstui.model import load

from .conftest import raw_post

OPERATIONS = sorted(KMS_OPERATIONS)  # what the endpoint serves
MODEL = load("kms")
AWS_NAME = re.compile(r"[A-Z][A-Za-z]+(Exception|Error|Failure)?")
# the errors KMS answers by their type alone
WORDLESS_ERRORS = {
    "InvalidCiphertextException",
    "KMSInvalidSignatureException",
    "KMSInvalidMacException",
}


class Raw:
    """JSON text sent as it is (what json.dumps cannot or will not write)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text[:40]!r}{'...' if len(self.text) > 40 else ''})"


def dump(value) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(v) for v in value) + "]"
    return json.dumps(value)


surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
hostile_text = st.one_of(
    st.text(max_size=20),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=5), surrogate, st.text(max_size=5)),
    st.text(alphabet="ab", min_size=5000, max_size=9000),
)
plausible = st.sampled_from(
    [
        "alias/hypothesis",
        "alias/aws/ebs",
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        "AWS_KMS",
        "default",
        "arn:aws:iam::111122223333:root",
        "Encrypt",
        base64.b64encode(b"plaintext").decode(),
        "",
    ]
)
huge = st.sampled_from(
    [
        Raw("9" * 5000),
        Raw("-" + "9" * 5000),
        Raw("1e400"),
        Raw("[" * 900 + "]" * 900),
        Raw('{"a":' * 900 + "0" + "}" * 900),
        Raw("4294967296"),
        Raw("18446744073709551616"),
    ]
)
scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
    plausible,
    huge,
)
value = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), surrogate), inner, max_size=4),
    ),
    max_leaves=8,
)


def valid(shape, depth: int = 0):
    """Values of ``shape``'s type (so that many requests get past the checks)."""
    kind = shape.kind
    enum = MODEL._raw[shape.name].get("enum") if MODEL is not None else None
    if kind == "string":
        return st.sampled_from(enum) if enum else st.one_of(plausible, st.text(max_size=20))
    if kind in ("integer", "long"):
        return st.integers(min_value=0, max_value=100)
    if kind == "boolean":
        return st.booleans()
    if kind == "blob":
        return st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode())
    if kind == "timestamp":
        return st.integers(min_value=0, max_value=2**33)
    if depth > 4:
        return st.none()
    if kind == "list":
        return st.lists(valid(shape.member, depth + 1), max_size=3)
    if kind == "map":
        return st.dictionaries(st.text(max_size=8), valid(shape.value, depth + 1), max_size=3)
    if kind == "structure":
        return st.fixed_dictionaries(
            {}, optional={n: valid(m, depth + 1) for n, m in shape.members.items()}
        )
    return value


KEY_MEMBERS = {"KeyId", "TargetKeyId", "DestinationKeyId", "SourceKeyId"}
THE_KEY = "@the-key@"  # replaced, when the request is sent, by alias/hypothesis's key


@st.composite
def requests(draw):
    """(operation, body): one body in four hostile, the others of the right types."""
    operation = draw(st.sampled_from(OPERATIONS))
    shape = MODEL.input(operation) if MODEL is not None else None
    required = MODEL._raw[shape.name].get("required", []) if shape is not None else []
    optional = sorted(set(shape.members) - set(required)) if shape is not None else []
    chosen = list(required)
    if optional:
        chosen += draw(st.lists(st.sampled_from(optional), unique=True, max_size=2))
    hostile = draw(st.integers(min_value=0, max_value=3)) == 0
    body = {}
    for name in chosen:
        typed = valid(shape.members[name])
        if name in KEY_MEMBERS:
            typed = st.one_of(
                st.just(THE_KEY), st.just(THE_KEY), st.just("alias/hypothesis"), typed
            )
        body[name] = draw(st.one_of(typed, value) if hostile else typed)
    for name in draw(st.lists(st.text(min_size=1, max_size=12), max_size=3)):
        body[name] = draw(value if hostile else plausible)
    return operation, dump(body).encode("utf-8", "surrogatepass")


class Errors(logging.Handler):
    """Every log record at ERROR or above, or that carries an exception."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)


def a_key_to_act_on(engine) -> str:
    """alias/hypothesis names an enabled key again (an example may have deleted the
    alias, or disabled or scheduled the deletion of its key)."""
    aliases = engine.call("ListAliases", {"Limit": 100})["Aliases"]
    target = next(
        (a.get("TargetKeyId") for a in aliases if a["AliasName"] == "alias/hypothesis"), None
    )
    if target is not None:
        state = engine.call("DescribeKey", {"KeyId": target})["KeyMetadata"]["KeyState"]
        if state == "Enabled":
            return target
        engine.call("DeleteAlias", {"AliasName": "alias/hypothesis"})
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    engine.call("CreateAlias", {"AliasName": "alias/hypothesis", "TargetKeyId": key_id})
    return key_id


@pytest.fixture(scope="module")
def server_log():
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def call(api, operation: str, body: bytes) -> tuple[int, dict]:
    status, _, answer = raw_post(
        api.url, body, target=f"TrentService.{operation}", keys=api.root, timeout=30
    )
    return status, answer


def read_back(api, key_ids: set[str]) -> None:
    """Everything stored still reads back as JSON through the read operations."""
    status, answer = call(api, "ListKeys", b'{"Limit": 1000}')
    assert status == 200, answer
    status, answer = call(api, "ListAliases", b'{"Limit": 100}')
    assert status == 200, answer
    for key_id in key_ids:
        for operation in ("DescribeKey", "ListResourceTags", "ListGrants"):
            status, answer = call(api, operation, json.dumps({"KeyId": key_id}).encode())
            assert status in (200, 400), (operation, answer)  # a deleted key is a 400
            if status == 400:
                assert answer["__type"] in ("NotFoundException", "KMSInvalidStateException")


def keys_named(body: bytes, answer: dict) -> set[str]:
    found = set()
    metadata = answer.get("KeyMetadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("KeyId"), str):
        found.add(metadata["KeyId"])
    for member in ("KeyId", "TargetKeyId"):
        if isinstance(answer.get(member), str):
            found.add(answer[member])
    return found


@settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)
@given(requests())
def test_any_request_gets_an_aws_answer_and_leaves_the_store_readable(api, server_log, request):
    operation, body = request
    body = body.replace(THE_KEY.encode(), a_key_to_act_on(api.engine).encode())
    status, answer = call(api, operation, body)
    assert status < 500, (operation, body[:300], answer)
    assert not server_log.records, [r.getMessage() for r in server_log.records]
    if status == 200:
        read_back(api, keys_named(body, answer))
    else:
        assert 400 <= status < 500
        assert AWS_NAME.fullmatch(answer.get("__type", "")), answer
        # a message in words, or none at all where KMS sends none
        if "message" in answer:
            assert isinstance(answer["message"], str) and answer["message"]
        else:
            assert answer["__type"] in WORDLESS_ERRORS, answer


def test_afterwards_every_key_reads_back(api, server_log):
    keys = api.engine.call("ListKeys", {"Limit": 1000})["Keys"]
    read_back(api, {key["KeyId"] for key in keys})
    for key in keys:
        status, answer = call(
            api,
            "GetKeyPolicy",
            json.dumps({"KeyId": key["KeyId"], "PolicyName": "default"}).encode(),
        )
        assert status in (200, 400), answer
    assert not server_log.records
