"""Key rotation: on demand, automatic on the engine clock, and key-material history."""

import pytest

from kmstui.errors import AccessDeniedException, LimitExceededException, ValidationException

DAY = 86400


@pytest.fixture
def key_id(engine):
    return engine.call("CreateKey")["KeyMetadata"]["KeyId"]


def current_material(engine, key_id):
    return engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["CurrentKeyMaterialId"]


def test_on_demand_rotation_changes_the_current_key_material(engine, key_id):
    before = current_material(engine, key_id)
    engine.call("RotateKeyOnDemand", {"KeyId": key_id})
    assert current_material(engine, key_id) != before


def test_old_ciphertext_still_decrypts_after_rotation(engine, key_id):
    blob = engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"old"})["CiphertextBlob"]
    old_material = current_material(engine, key_id)
    engine.call("RotateKeyOnDemand", {"KeyId": key_id})
    out = engine.call("Decrypt", {"CiphertextBlob": blob})
    assert out["Plaintext"] == b"old"
    assert out["KeyMaterialId"] == old_material


def test_new_ciphertext_uses_the_new_key_material(engine, key_id):
    engine.call("RotateKeyOnDemand", {"KeyId": key_id})
    out = engine.call("GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256"})
    assert out["KeyMaterialId"] == current_material(engine, key_id)


def test_on_demand_rotation_limit(make_engine):
    engine = make_engine(on_demand_rotation_limit=3)
    key_id = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    for _ in range(3):
        engine.call("RotateKeyOnDemand", {"KeyId": key_id})
    with pytest.raises(LimitExceededException, match="on-demand rotations limit"):
        engine.call("RotateKeyOnDemand", {"KeyId": key_id})


def test_default_on_demand_limit_is_25(engine, key_id):
    status = engine.call("GetKeyRotationStatus", {"KeyId": key_id})
    assert status["OnDemandRotationLimit"] == 25


def test_list_key_rotations_lists_each_rotation(engine, key_id):
    engine.call("RotateKeyOnDemand", {"KeyId": key_id})
    engine.call("RotateKeyOnDemand", {"KeyId": key_id})
    rotations = engine.call("ListKeyRotations", {"KeyId": key_id})["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["ON_DEMAND", "ON_DEMAND"]
    assert [r["KeyMaterialState"] for r in rotations] == ["NON_CURRENT", "CURRENT"]


def test_list_key_rotations_can_include_the_original_material(engine, key_id):
    engine.call("RotateKeyOnDemand", {"KeyId": key_id})
    rotations = engine.call(
        "ListKeyRotations", {"KeyId": key_id, "IncludeKeyMaterial": "ALL_KEY_MATERIAL"}
    )
    assert len(rotations["Rotations"]) == 2


@pytest.mark.parametrize("days", [89, 2561])
def test_rotation_period_outside_bounds_is_rejected(engine, key_id, days):
    with pytest.raises(ValidationException):
        engine.call("EnableKeyRotation", {"KeyId": key_id, "RotationPeriodInDays": days})


@pytest.mark.parametrize("days", [90, 2560])
def test_rotation_period_bounds_are_accepted(engine, key_id, days):
    engine.call("EnableKeyRotation", {"KeyId": key_id, "RotationPeriodInDays": days})
    status = engine.call("GetKeyRotationStatus", {"KeyId": key_id})
    assert status["KeyRotationEnabled"] is True
    assert status["RotationPeriodInDays"] == days
    assert status["NextRotationDate"] == pytest.approx(engine.clock.now() + days * DAY)


def test_default_rotation_period_is_365_days(engine, key_id):
    engine.call("EnableKeyRotation", {"KeyId": key_id})
    assert engine.call("GetKeyRotationStatus", {"KeyId": key_id})["RotationPeriodInDays"] == 365


def test_automatic_rotation_happens_when_the_clock_passes_the_period(engine, key_id):
    engine.call("EnableKeyRotation", {"KeyId": key_id, "RotationPeriodInDays": 90})
    before = current_material(engine, key_id)
    engine.advance_clock(89 * DAY)
    assert current_material(engine, key_id) == before
    engine.advance_clock(2 * DAY)
    assert current_material(engine, key_id) != before
    rotations = engine.call("ListKeyRotations", {"KeyId": key_id})["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["AUTOMATIC"]


def test_automatic_rotation_reschedules_the_next_date(engine, key_id):
    engine.call("EnableKeyRotation", {"KeyId": key_id, "RotationPeriodInDays": 90})
    first = engine.call("GetKeyRotationStatus", {"KeyId": key_id})["NextRotationDate"]
    engine.advance_clock(91 * DAY)
    second = engine.call("GetKeyRotationStatus", {"KeyId": key_id})["NextRotationDate"]
    assert second == pytest.approx(first + 90 * DAY)


def test_disabled_rotation_does_not_rotate(engine, key_id):
    engine.call("EnableKeyRotation", {"KeyId": key_id, "RotationPeriodInDays": 90})
    engine.call("DisableKeyRotation", {"KeyId": key_id})
    before = current_material(engine, key_id)
    engine.advance_clock(400 * DAY)
    assert current_material(engine, key_id) == before


def test_aws_managed_key_cannot_be_rotated_on_demand(engine):
    """Its key policy gives the account no kms:RotateKeyOnDemand."""
    key_id = engine.call("DescribeKey", {"KeyId": "alias/aws/ebs"})["KeyMetadata"]["KeyId"]
    with pytest.raises(AccessDeniedException, match="no resource-based policy allows"):
        engine.call("RotateKeyOnDemand", {"KeyId": key_id})


def test_aws_managed_key_rotation_status_is_enabled(engine):
    key_id = engine.call("DescribeKey", {"KeyId": "alias/aws/ebs"})["KeyMetadata"]["KeyId"]
    assert engine.call("GetKeyRotationStatus", {"KeyId": key_id})["KeyRotationEnabled"] is True
