"""Callers are values: equal fields make equal callers that hash alike, however and
wherever each was built, so the engine's memos find a caller built anew for each
request (as the endpoint builds one)."""

import copy
import dataclasses
import pickle

import pytest

from kmstui.caller import Caller

USER = "arn:aws:iam::111122223333:user/alice"


def test_the_same_fields_give_equal_callers():
    first = Caller(principal=USER)
    for again in (Caller(USER, "111122223333", "us-east-1"), Caller.for_arn(USER)):
        assert again == first and hash(again) == hash(first)
    assert Caller.root() == Caller(principal="arn:aws:iam::111122223333:root")


def test_a_memo_keyed_by_a_caller_finds_an_equal_one_built_later():
    memo = {(Caller(principal=USER), "kms:Decrypt"): "decided"}
    assert memo[(Caller.for_arn(USER), "kms:Decrypt")] == "decided"


def test_any_field_that_differs_gives_another_caller():
    first = Caller(principal=USER)
    others = [
        Caller(principal=USER, account="444455556666"),
        first.in_region("eu-west-1"),
        first.via("ec2.us-east-1.amazonaws.com"),
        Caller(principal=USER, source_ip="10.0.0.1"),
        Caller(principal=USER, user_agent="aws-cli/2"),
        Caller(principal=USER, access_key_id="AKIAEXAMPLE"),
    ]
    for other in others:
        assert other != first
    assert len({first, *others}) == 7
    assert first.via("ec2.us-east-1.amazonaws.com") == others[2]


def test_copies_and_pickles_are_equal_and_answer_alike():
    caller = Caller(principal="arn:aws:iam::111122223333:root", via_service="ec2.amazonaws.com")
    for twin in (pickle.loads(pickle.dumps(caller)), copy.copy(caller), copy.deepcopy(caller)):
        assert twin == caller and hash(twin) == hash(caller)
        assert twin.is_root and not twin.is_service
    assert dataclasses.replace(caller, via_service=None) == Caller.root()


def test_what_a_caller_is_follows_its_fields():
    assert Caller.root().is_root and not Caller.root().is_service
    assert Caller(principal="ec2.amazonaws.com").is_service
    assert not Caller(principal=USER).is_root
    # the root of another account is not this account's root
    assert not Caller(principal="arn:aws:iam::444455556666:root").is_root


def test_a_caller_cannot_be_changed():
    caller = Caller(principal=USER)
    with pytest.raises(dataclasses.FrozenInstanceError):
        caller.account = "444455556666"  # type: ignore[misc]
