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
