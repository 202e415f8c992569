"""The engine clock's far end: advances it cannot represent are refused before
anything changes, and catching up on automatic rotation after any gap costs one
rotation per key."""

from __future__ import annotations

import pytest

from kmstui.clock import LATEST_EPOCH, Clock, ClockLimitError
from kmstui.errors import NotFoundException
from kmstui.kms import rotation

DAY = 86400


def enable_rotation(engine, days: int) -> str:
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    engine.call("EnableKeyRotation", {"KeyId": key_id, "RotationPeriodInDays": days})
    return key_id


def automatic_rotations(engine, key_id: str) -> list[dict]:
    rotations = engine.call("ListKeyRotations", {"KeyId": key_id})["Rotations"]
    return [r for r in rotations if r["RotationType"] == "AUTOMATIC"]


@pytest.mark.parametrize("days", [3_000_000, 1_000_000_000_000_000, float("inf")])
def test_an_advance_past_the_latest_time_is_refused(engine, days):
    key_id = enable_rotation(engine, 90)
    before = engine.clock.now()
    with pytest.raises(ClockLimitError) as excinfo:
        engine.advance_clock(days * DAY, f"{days}d")
    assert "9990-01-01T00:00:00Z" in str(excinfo.value)
    assert f"by {days}d" in str(excinfo.value)
    assert engine.clock.now() == before
    assert engine.store.meta.get("clock_offset", 0.0) == 0.0
    status = engine.call("GetKeyRotationStatus", {"KeyId": key_id})  # still answers
    assert status["NextRotationDate"] == pytest.approx(before + 90 * DAY)


def test_the_message_says_how_far_the_clock_may_go():
    clock = Clock(fixed=LATEST_EPOCH - 10 * DAY)
    with pytest.raises(ClockLimitError, match=r"at most 10\.00 days from 9989-12-22"):
        clock.advance(11 * DAY)
    assert clock.advance(10 * DAY) == LATEST_EPOCH


def test_the_clock_can_reach_the_latest_time_and_still_answer(engine):
    key_id = enable_rotation(engine, 2560)
    engine.advance_clock(LATEST_EPOCH - engine.clock.now())
    status = engine.call("GetKeyRotationStatus", {"KeyId": key_id})
    assert status["NextRotationDate"] > LATEST_EPOCH
    assert engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["Enabled"]
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 30})


def test_an_offset_that_cannot_be_saved_is_taken_back(engine, monkeypatch):
    before = engine.clock.now()

    def disk_full(**_fields):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine.store, "update_meta", disk_full)
    with pytest.raises(OSError):
        engine.advance_clock(31 * DAY)
    assert engine.clock.now() == before


def test_a_long_gap_is_one_rotation_on_the_schedule(engine):
    key_id = enable_rotation(engine, 90)
    first_due = engine.call("GetKeyRotationStatus", {"KeyId": key_id})["NextRotationDate"]
    engine.advance_clock(10 * 90 * DAY + DAY)  # ten periods and a day
    rotations = automatic_rotations(engine, key_id)
    assert len(rotations) == 1
    assert rotations[0]["RotationDate"] == pytest.approx(first_due + 9 * 90 * DAY)
    status = engine.call("GetKeyRotationStatus", {"KeyId": key_id})
    assert status["NextRotationDate"] == pytest.approx(first_due + 10 * 90 * DAY)
    assert status["NextRotationDate"] > engine.clock.now()


def test_catching_up_does_not_count_the_periods(engine, monkeypatch):
    """Thousands of years with a 90-day period: one new material per key, whatever
    the gap (a catch-up that made one per period would trip the counter)."""
    keys = [enable_rotation(engine, 90) for _ in range(3)]
    made = []
    add_key_material = rotation.add_key_material

    def counted(service, key, **kwargs):
        made.append(key["KeyId"])
        if len(made) > len(keys):
            raise AssertionError("more than one new key material per key")
        return add_key_material(service, key, **kwargs)

    monkeypatch.setattr(rotation, "add_key_material", counted)
    engine.advance_clock(2_000_000 * DAY)
    assert sorted(made) == sorted(keys)
    for key_id in keys:
        assert len(automatic_rotations(engine, key_id)) == 1
        blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"})["CiphertextBlob"]
        assert engine.call("Decrypt", {"CiphertextBlob": blob})["Plaintext"] == b"x"


def test_reset_brings_the_clock_and_its_schedules_back(make_engine):
    engine = make_engine(clock=Clock(fixed=1_700_000_000.0))
    rotating = enable_rotation(engine, 90)
    deleting = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    engine.advance_clock(400 * DAY)
    rotated = engine.call("GetKeyRotationStatus", {"KeyId": rotating})["NextRotationDate"]
    engine.call("ScheduleKeyDeletion", {"KeyId": deleting, "PendingWindowInDays": 7})
    materials_before = len(engine.kms.key_by_id(rotating)["Materials"])

    now = engine.reset_clock()
    assert now == 1_700_000_000.0 and engine.clock.offset == 0.0
    assert engine.store.meta["clock_offset"] == 0.0
    status = engine.call("GetKeyRotationStatus", {"KeyId": rotating})
    assert rotated > now + 90 * DAY
    assert status["NextRotationDate"] == pytest.approx(now + 90 * DAY)
    metadata = engine.call("DescribeKey", {"KeyId": deleting})["KeyMetadata"]
    assert metadata["KeyState"] == "PendingDeletion"
    assert metadata["DeletionDate"] == pytest.approx(now + 7 * DAY)
    assert len(engine.kms.key_by_id(rotating)["Materials"]) == materials_before
    engine.advance_clock(7 * DAY + 1)
    with pytest.raises(NotFoundException):  # the pulled-back window ran out
        engine.call("DescribeKey", {"KeyId": deleting})


def test_due_work_is_saved_whole_or_not_at_all(engine, monkeypatch):
    keys = [enable_rotation(engine, 90) for _ in range(3)]
    before = {k: len(engine.kms.key_by_id(k)["Materials"]) for k in keys}
    rotate = rotation.rotate_automatically
    calls = []

    def fails_on_the_third(service, key, now):
        calls.append(key["KeyId"])
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return rotate(service, key, now)

    monkeypatch.setattr(rotation, "rotate_automatically", fails_on_the_third)
    published = []
    engine.events.subscribe(published.append)
    with pytest.raises(OSError):
        engine.advance_clock(91 * DAY)
    for key_id in keys:  # the two rotations made before the failure were not kept
        assert len(engine.kms.key_by_id(key_id)["Materials"]) == before[key_id]
    assert not [line for line in published if "RotateKey" in str(line)]

    monkeypatch.setattr(rotation, "rotate_automatically", rotate)
    engine.call("ListKeys")  # the next call finds the work still due, and does it
    for key_id in keys:
        assert len(automatic_rotations(engine, key_id)) == 1
