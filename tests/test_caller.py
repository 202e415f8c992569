"""Callers are interned: equal fields give the same object, which the engine's memos
rely on to hash and compare callers by identity."""

import copy
import dataclasses
import gc
import pickle
import threading
import weakref

import pytest

from kmstui.caller import Caller

USER = "arn:aws:iam::111122223333:user/alice"


def test_the_same_fields_give_the_same_caller():
    first = Caller(principal=USER)
    assert Caller(USER, "111122223333", "us-east-1") is first
    assert Caller.for_arn(USER) is first
    assert Caller.root() is Caller(principal="arn:aws:iam::111122223333:root")


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
        assert other is not first and other != first
    assert len({first, *others}) == 7
    assert first.via("ec2.us-east-1.amazonaws.com") is others[2]


def test_copies_and_pickles_give_back_the_live_caller():
    caller = Caller(principal=USER, via_service="ec2.us-east-1.amazonaws.com")
    assert pickle.loads(pickle.dumps(caller)) is caller
    assert copy.copy(caller) is caller and copy.deepcopy(caller) is caller
    assert dataclasses.replace(caller, via_service=None) is Caller(principal=USER)


def test_a_caller_cannot_be_changed():
    caller = Caller(principal=USER)
    with pytest.raises(dataclasses.FrozenInstanceError):
        caller.account = "444455556666"  # type: ignore[misc]


def test_callers_built_at_once_on_many_threads_are_one():
    barrier = threading.Barrier(8)
    built: list[Caller] = []

    def build() -> None:
        barrier.wait()
        built.append(Caller(principal=USER, source_ip="192.0.2.7"))

    threads = [threading.Thread(target=build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 8 and all(caller is built[0] for caller in built)
    assert built[0].source_ip == "192.0.2.7" and built[0].principal == USER


def test_interning_keeps_no_caller_alive():
    gone = weakref.ref(Caller(principal="arn:aws:iam::111122223333:user/temporary"))
    gc.collect()
    assert gone() is None
