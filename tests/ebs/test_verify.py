"""kmstui io's verify mode: patterns written, read back and compared."""

from __future__ import annotations

import pytest

from kmstui.ebs.verify import SECTOR, expected, parse_pattern, verify


def test_the_offset_stamp_differs_per_sector_and_slices_consistently():
    whole = expected(None, 0, 4 * SECTOR)
    sectors = [whole[i : i + SECTOR] for i in range(0, len(whole), SECTOR)]
    assert len(set(sectors)) == 4
    assert expected(None, 700, 900) == whole[700:1600]
    assert expected(0xAB, 5, 3) == b"\xab\xab\xab"


def test_parse_pattern_takes_a_byte_or_offset():
    assert parse_pattern(None) is None and parse_pattern("offset") is None
    assert parse_pattern("0xab") == 0xAB and parse_pattern("7") == 7
    for bad in ("256", "-1", "ab", ""):
        with pytest.raises(ValueError, match="--pattern"):
            parse_pattern(bad)


def test_verify_writes_reads_back_and_finds_a_misplaced_write(ebs, attached):
    volume_id, _ = attached
    device = ebs.ec2.volume_device(volume_id)
    result = verify(device, 1000, 20000)
    assert result.ok and result.written and result.length == 20000
    device.write(5000, expected(None, 9000, 16))  # right bytes, wrong place
    damaged = verify(device, 1000, 20000, write=False)
    assert not damaged.ok and damaged.first_mismatch >= 5000
    assert damaged.mismatched_bytes <= 16


def test_verify_refuses_a_range_outside_the_volume(ebs, attached):
    device = ebs.ec2.volume_device(attached[0])
    with pytest.raises(ValueError, match="outside the volume"):
        verify(device, device.size - 10, 20)
