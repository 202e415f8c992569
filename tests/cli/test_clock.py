"""`kmstui clock advance` at the engine clock's far end: a clear refusal, exit 2,
and a data directory that keeps working."""

from __future__ import annotations

import json

import pytest

from kmstui.cli import main


@pytest.fixture
def data_dir(tmp_path):
    return str(tmp_path / "data")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("duration", ["3000000d", "1000000000000000d", "9" * 400])
def test_an_advance_past_the_latest_time_is_refused(capsys, data_dir, duration):
    key_id = json.loads(run(capsys, "call", "CreateKey", "--data-dir", data_dir)[1])["KeyMetadata"][
        "KeyId"
    ]
    run(capsys, "call", "EnableKeyRotation", json.dumps({"KeyId": key_id}), "--data-dir", data_dir)
    code, out, err = run(capsys, "clock", "advance", duration, "--data-dir", data_dir)
    assert code == 2 and out == ""
    assert err.startswith(f"kmstui: Cannot advance the engine clock by {duration}:")
    assert "9990-01-01T00:00:00Z" in err and "Traceback" not in err
    code, out, _ = run(capsys, "clock", "show", "--data-dir", data_dir)
    assert code == 0 and "offset 0.00 days" in out
    code, out, _ = run(capsys, "call", "ListKeys", "--data-dir", data_dir)
    assert code == 0 and key_id in out


def test_a_long_advance_that_fits_is_taken(capsys, data_dir):
    code, out, err = run(capsys, "clock", "advance", "2000000d", "--data-dir", data_dir)
    assert code == 0, err
    assert "offset 2000000.00 days" in out
    code, out, _ = run(capsys, "call", "ListKeys", "--data-dir", data_dir)
    assert code == 0


def test_reset_recovers_a_clock_an_earlier_version_left_past_the_latest_time(capsys, tmp_path):
    """Earlier versions saved any offset, and dated the rotation they were making in
    year 10240: every command then failed. `clock reset` brings both back."""
    from kmstui.clock import LATEST_EPOCH
    from kmstui.engine import Engine

    data_dir = str(tmp_path / "data")
    key_id = json.loads(run(capsys, "call", "CreateKey", "--data-dir", data_dir)[1])["KeyMetadata"][
        "KeyId"
    ]
    run(capsys, "call", "EnableKeyRotation", json.dumps({"KeyId": key_id}), "--data-dir", data_dir)
    with Engine(data_dir) as engine:
        engine.store.update_meta(clock_offset=3_000_000 * 86400.0)
        key = engine.kms.key_by_id(key_id)
        rotation = {**key["Rotation"], "NextRotationDate": LATEST_EPOCH + 300 * 365 * 86400}
        engine.kms.save_key({**key, "Rotation": rotation})

    code, out, err = run(capsys, "call", "ListKeys", "--data-dir", data_dir)
    assert code == 1, err
    error = json.loads(out)
    assert error["__type"] == "KMSInternalException"
    assert "kmstui clock reset" in error["message"]
    code, out, _ = run(capsys, "clock", "show", "--data-dir", data_dir)
    assert code == 0 and "past 9990-01-01T00:00:00Z" in out

    code, out, err = run(capsys, "clock", "reset", "--data-dir", data_dir)
    assert code == 0, err
    assert "offset 0.00 days" in out
    code, out, _ = run(
        capsys,
        "call",
        "GetKeyRotationStatus",
        json.dumps({"KeyId": key_id}),
        "--data-dir",
        data_dir,
    )
    assert code == 0
    status = json.loads(out)
    with Engine(data_dir) as engine:
        now = engine.clock.now()
    assert now < status["NextRotationDate"] <= now + 365 * 86400
    code, out, _ = run(capsys, "call", "ListKeys", "--data-dir", data_dir)
    assert code == 0 and key_id in out
