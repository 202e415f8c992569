"""Reading a request's encryption context: a value, validated and serialised once per
content by the engine's memo of the contexts it has read."""

import pytest

from kmstui.errors import SerializationException
from kmstui.kms.ciphertext import canonical_context
from kmstui.kms.encryption_context import EMPTY, EncryptionContexts, encryption_context


def test_the_same_pairs_give_equal_contexts():
    first = encryption_context({"EncryptionContext": {"app": "orders", "tenant": "t-1"}})
    again = encryption_context({"EncryptionContext": {"app": "orders", "tenant": "t-1"}})
    assert again == first and hash(again) == hash(first)
    assert dict(first.mapping) == {"app": "orders", "tenant": "t-1"}


def test_other_pairs_give_another_context():
    one = encryption_context({"EncryptionContext": {"app": "orders"}})
    other = encryption_context({"EncryptionContext": {"app": "billing"}})
    assert one != other
    assert one.aad != other.aad


def test_the_same_pairs_in_another_order_are_the_same_context():
    ab = encryption_context({"EncryptionContext": {"a": "1", "b": "2"}})
    ba = encryption_context({"EncryptionContext": {"b": "2", "a": "1"}})
    assert ab == ba and hash(ab) == hash(ba)
    assert ab.aad == ba.aad == canonical_context({"a": "1", "b": "2"})


def test_pairs_that_run_together_alike_are_different_contexts():
    assert encryption_context({"EncryptionContext": {"a": "bc"}}) != encryption_context(
        {"EncryptionContext": {"ab": "c"}}
    )


def test_an_absent_or_null_member_is_the_empty_context():
    assert encryption_context({}) is EMPTY
    assert encryption_context({"EncryptionContext": None}) is EMPTY
    assert encryption_context({"EncryptionContext": {}}) == EMPTY
    assert EMPTY.aad == b"\x00\x00\x00\x00"


def test_the_engines_memo_gives_what_reading_anew_gives():
    contexts = EncryptionContexts()
    params = {"EncryptionContext": {"app": "orders"}}
    assert contexts.read(params) == encryption_context(params)
    assert contexts.read(params) is contexts.read(params)  # the second from memory
    assert contexts.read({}) is EMPTY


@pytest.mark.parametrize(
    "value",
    [{"a": 1}, {"a": ["b"]}, {"a": None}, {1: "a"}, ["a", "b"], "a=b", {"a": b"b"}],
    ids=["int", "list", "null", "int-key", "list", "string", "bytes"],
)
def test_anything_but_a_string_map_is_a_serialization_error(value):
    with pytest.raises(SerializationException):
        encryption_context({"EncryptionContext": value})


def test_a_rejected_context_is_not_remembered():
    contexts = EncryptionContexts()
    for _ in range(2):
        with pytest.raises(SerializationException):
            contexts.read({"EncryptionContext": {"a": 1}})
    assert len(contexts._read) == 0


def test_the_remembered_map_cannot_be_changed_and_is_not_the_callers():
    given = {"app": "orders"}
    context = encryption_context({"EncryptionContext": given})
    given["app"] = "changed"  # the caller's own dict
    assert context.mapping["app"] == "orders"
    with pytest.raises(TypeError):
        context.mapping["app"] = "changed"  # type: ignore[index]


def test_the_memory_is_bounded():
    contexts = EncryptionContexts(size=8)
    for i in range(20):
        assert dict(contexts.read({"EncryptionContext": {"n": str(i)}}).mapping) == {"n": str(i)}
        assert len(contexts._read) <= 8
    assert contexts.read({}) is EMPTY


def test_a_string_that_is_not_valid_unicode_is_a_serialization_error():
    with pytest.raises(SerializationException, match="valid Unicode"):
        encryption_context({"EncryptionContext": {"k": "\ud800"}})
    with pytest.raises(SerializationException):
        encryption_context({"EncryptionContext": {"\udfff": "v"}})


def test_an_encrypt_with_such_a_context_fails_as_a_serialization_error(engine):
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    with pytest.raises(SerializationException):
        engine.call(
            "Encrypt", {"KeyId": key_id, "Plaintext": b"x", "EncryptionContext": {"k": "\ud800"}}
        )
    assert engine.events.recent[-1]["errorCode"] == "SerializationException"
