"""ScheduleKeyDeletion, CancelKeyDeletion and deletion on the engine clock."""

import pytest

from kmstui.errors import KMSInvalidStateException, NotFoundException, ValidationException

DAY = 86400


@pytest.fixture
def key_id(engine):
    return engine.call("CreateKey")["KeyMetadata"]["KeyId"]


@pytest.mark.parametrize("days", [6, 31, 0, -1])
def test_window_outside_7_to_30_days_is_rejected(engine, key_id, days):
    with pytest.raises(ValidationException):
        engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": days})


@pytest.mark.parametrize("days", [7, 30])
def test_window_bounds_are_accepted(engine, key_id, days):
    out = engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": days})
    assert out["PendingWindowInDays"] == days
    assert out["DeletionDate"] == pytest.approx(engine.clock.now() + days * DAY)


def test_default_window_is_30_days(engine, key_id):
    out = engine.call("ScheduleKeyDeletion", {"KeyId": key_id})
    assert out["PendingWindowInDays"] == 30
    assert out["KeyState"] == "PendingDeletion"


def test_key_survives_until_the_window_passes(engine, key_id):
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    engine.advance_clock(7 * DAY - 60)
    assert (
        engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"]
        == "PendingDeletion"
    )


def test_key_is_deleted_when_the_window_passes(engine, key_id):
    engine.call("CreateAlias", {"AliasName": "alias/doomed", "TargetKeyId": key_id})
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    engine.advance_clock(7 * DAY + 1)
    with pytest.raises(NotFoundException):
        engine.call("DescribeKey", {"KeyId": key_id})
    names = [a["AliasName"] for a in engine.call("ListAliases")["Aliases"]]
    assert "alias/doomed" not in names
    assert key_id not in [k["KeyId"] for k in engine.call("ListKeys")["Keys"]]


def test_deletion_is_recorded_as_an_event(engine, key_id):
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    engine.advance_clock(8 * DAY)
    names = [e["eventName"] for e in engine.events.recent]
    assert names[-1] == "DeleteKey"


def test_cancel_returns_the_key_to_disabled(engine, key_id):
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    out = engine.call("CancelKeyDeletion", {"KeyId": key_id})
    assert out["KeyId"].endswith(key_id)
    meta = engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert meta["KeyState"] == "Disabled"
    assert "DeletionDate" not in meta


def test_cancelled_key_is_not_deleted_later(engine, key_id):
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    engine.call("CancelKeyDeletion", {"KeyId": key_id})
    engine.advance_clock(40 * DAY)
    assert engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"] == "Disabled"


def test_cancel_on_a_key_not_pending_deletion_is_invalid_state(engine, key_id):
    with pytest.raises(KMSInvalidStateException):
        engine.call("CancelKeyDeletion", {"KeyId": key_id})


def test_scheduling_twice_is_invalid_state(engine, key_id):
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    with pytest.raises(KMSInvalidStateException):
        engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})


def test_deletion_happens_when_a_later_process_starts_past_the_window(make_engine):
    from kmstui.clock import Clock
    from kmstui.entropy import Entropy
    from tests.conftest import FIXED_TIME

    first = make_engine()
    key_id = first.call("CreateKey")["KeyMetadata"]["KeyId"]
    first.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    first.close()
    second = make_engine(entropy=Entropy(8), clock=Clock(fixed=FIXED_TIME + 8 * DAY))
    with pytest.raises(NotFoundException):
        second.call("DescribeKey", {"KeyId": key_id})
