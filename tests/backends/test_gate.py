"""The write gate: reads pass, uses are confirmed, writes are refused read-only and
confirmed otherwise, and a destructive call names what the user types."""

from __future__ import annotations

import pytest

from kmstui.backends import Unavailable, WriteRefused, WriteRequest
from kmstui.backends.gate import READ_ONLY, WriteGate
from kmstui.errors import AwsError

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:eu-west-1:111122223333:key/{KEY_ID}"
ALIASES = {KEY_ID: ["alias/zeta", "alias/app-data"]}


class Asker:
    """A confirmer that answers ``answer`` and keeps what it was asked."""

    def __init__(self, answer: bool):
        self.answer = answer
        self.asked: list[WriteRequest] = []

    def __call__(self, request: WriteRequest) -> bool:
        self.asked.append(request)
        return self.answer


def gate(allow_writes: bool, answer: bool | None = True) -> tuple[WriteGate, Asker | None]:
    g = WriteGate(allow_writes, lambda key_id: list(ALIASES.get(key_id, [])))
    asker = Asker(answer) if answer is not None else None
    g.set_confirm(asker)
    return g, asker


@pytest.mark.parametrize("allow_writes", [False, True])
@pytest.mark.parametrize(
    "operation", ["ListKeys", "DescribeKey", "GetKeyPolicy", "LookupEvents", "ValidatePolicy"]
)
def test_reads_pass_without_asking(allow_writes, operation):
    g, asker = gate(allow_writes)
    g.check("kms", operation, {"KeyId": KEY_ID})
    assert asker is not None and asker.asked == []


def test_reads_pass_with_no_one_to_ask():
    g, _ = gate(False, answer=None)
    g.check("kms", "ListAliases", {})


def test_a_write_read_only_is_refused_with_how_to_allow_writes_and_nobody_is_asked():
    g, asker = gate(False)
    with pytest.raises(WriteRefused) as refused:
        g.check("kms", "CreateKey", {"Description": "app"})
    assert isinstance(refused.value, Unavailable) and isinstance(refused.value, AwsError)
    assert (refused.value.operation, refused.value.code) == ("CreateKey", "ReadOnly")
    message = refused.value.message
    assert message.startswith("read-only: CreateKey was not sent")
    assert "--allow-writes" in message
    assert asker is not None and asker.asked == []


def test_a_destructive_call_read_only_is_refused_too():
    g, asker = gate(False)
    with pytest.raises(WriteRefused, match="read-only: ScheduleKeyDeletion"):
        g.check("kms", "ScheduleKeyDeletion", {"KeyId": KEY_ID})
    assert asker is not None and asker.asked == []


def test_the_capability_says_read_only_and_how_to_allow_writes():
    assert not WriteGate(False, lambda _k: []).capability
    assert WriteGate(False, lambda _k: []).capability.reason == READ_ONLY
    assert READ_ONLY.startswith("read-only: ") and "--allow-writes" in READ_ONLY
    assert WriteGate(True, lambda _k: []).capability


def test_a_write_is_sent_once_confirmed_and_the_user_sees_the_exact_call():
    g, asker = gate(True)
    params = {"KeyId": KEY_ID, "Description": "new words"}
    g.check("kms", "UpdateKeyDescription", params)
    assert asker is not None
    [request] = asker.asked
    assert (request.service, request.operation, request.kind) == (
        "kms",
        "UpdateKeyDescription",
        "write",
    )
    assert request.params == params and request.type_to_confirm is None
    assert request.cli == "aws kms update-key-description"


def test_a_declined_write_is_not_sent_and_says_so():
    g, _ = gate(True, answer=False)
    with pytest.raises(
        WriteRefused, match="CreateAlias was not sent: you did not confirm it"
    ) as no:
        g.check("kms", "CreateAlias", {"AliasName": "alias/x", "TargetKeyId": KEY_ID})
    assert no.value.code == "Cancelled"


def test_a_write_with_no_one_to_ask_is_refused():
    g, _ = gate(True, answer=None)
    with pytest.raises(WriteRefused, match="CreateKey was not sent: no one can confirm it") as no:
        g.check("kms", "CreateKey", {})
    assert no.value.code == "NotConfirmed"


def test_confirm_can_be_taken_away():
    g, _ = gate(True)
    g.set_confirm(None)
    with pytest.raises(WriteRefused, match="no one can confirm"):
        g.check("kms", "EnableKey", {"KeyId": KEY_ID})


@pytest.mark.parametrize("allow_writes", [False, True])
def test_a_use_of_a_key_is_confirmed_writes_allowed_or_not(allow_writes):
    g, asker = gate(allow_writes)
    g.check("kms", "Encrypt", {"KeyId": KEY_ID, "Plaintext": b"secret"})
    assert asker is not None
    [request] = asker.asked
    assert request.kind == "use" and request.type_to_confirm is None
    assert request.params == {"KeyId": KEY_ID, "Plaintext": "<6 bytes, hidden>"}


def test_a_declined_use_is_not_sent():
    g, _ = gate(False, answer=False)
    with pytest.raises(WriteRefused, match="Sign was not sent: you did not confirm it"):
        g.check("kms", "Sign", {"KeyId": KEY_ID, "Message": b"m"})


def test_a_use_with_no_one_to_ask_is_refused():
    g, _ = gate(False, answer=None)
    with pytest.raises(WriteRefused, match="Decrypt was not sent: no one can confirm"):
        g.check("kms", "Decrypt", {"CiphertextBlob": b"c"})


@pytest.mark.parametrize(
    ("key", "typed"),
    [
        (KEY_ID, "alias/app-data"),  # one of its aliases (the first by name)
        (KEY_ARN, "alias/app-data"),
        ("alias/chosen", "alias/chosen"),  # the alias the call names
        ("arn:aws:kms:eu-west-1:111122223333:alias/chosen", "alias/chosen"),
        ("0000aaaa-12ab-34cd-56ef-1234567890ab", "0000aaaa-12ab-34cd-56ef-1234567890ab"),
    ],
)
def test_a_destructive_call_on_a_key_asks_for_its_alias_or_its_id(key, typed):
    g, asker = gate(True)
    g.check("kms", "ScheduleKeyDeletion", {"KeyId": key, "PendingWindowInDays": 7})
    assert asker is not None
    [request] = asker.asked
    assert request.kind == "destructive" and request.type_to_confirm == typed


@pytest.mark.parametrize(
    ("service", "operation", "params", "typed"),
    [
        ("kms", "DeleteAlias", {"AliasName": "alias/app-data"}, "alias/app-data"),
        ("ec2", "DetachVolume", {"VolumeId": "vol-0abc"}, "vol-0abc"),
        ("kms", "PutKeyPolicy", {"KeyId": KEY_ID, "Policy": "{}"}, "alias/app-data"),
        ("kms", "RevokeGrant", {"KeyId": KEY_ID, "GrantId": "g1"}, "alias/app-data"),
        ("kms", "RetireGrant", {"GrantToken": "token"}, "token"),
        ("ec2", "TerminateInstances", {"InstanceIds": ["i-1", "i-2"]}, "i-1,i-2"),
    ],
)
def test_each_destructive_call_names_what_is_typed(service, operation, params, typed):
    g, asker = gate(True)
    g.check(service, operation, params)
    assert asker is not None
    assert [(r.kind, r.type_to_confirm) for r in asker.asked] == [("destructive", typed)]


def test_a_key_whose_aliases_cannot_be_read_is_typed_by_its_id():
    def broken(_key_id: str) -> list[str]:
        raise RuntimeError("no aliases")

    g = WriteGate(True, broken)
    asked: list[WriteRequest] = []
    g.set_confirm(lambda r: asked.append(r) or True)
    g.check("kms", "DisableKey", {"KeyId": KEY_ID})
    assert asked[0].type_to_confirm == KEY_ID


def test_the_request_asked_is_a_copy_of_the_params():
    g, asker = gate(True)
    params = {"Description": "a"}
    g.check("kms", "CreateKey", params)
    assert asker is not None
    asker.asked[0].params["Description"] = "b"
    assert params == {"Description": "a"}
