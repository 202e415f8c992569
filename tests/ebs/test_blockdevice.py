"""EncryptedBlockDevice: the sector layer over a sparse file of XTS ciphertext."""

from __future__ import annotations

import os
import tempfile
import threading

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from kmstui.ebs.blockdevice import EncryptedBlockDevice
from kmstui.ebs.xts import XtsCipher

UNIT = 4096
KEY = os.urandom(64)
SIZE = 64 * UNIT


@pytest.fixture
def device(tmp_path):
    with EncryptedBlockDevice(tmp_path / "vol", SIZE, XtsCipher(KEY), create=True) as dev:
        yield dev


def raw(device, offset: int, length: int) -> bytes:
    with open(device.path, "rb") as backing:
        backing.seek(offset)
        return backing.read(length)


def xts_unit(unit: int, data: bytes) -> bytes:
    context = Cipher(algorithms.AES(KEY), modes.XTS(unit.to_bytes(16, "little"))).encryptor()
    return context.update(data)


def test_unit_is_stored_as_xts_with_its_unit_number_as_tweak(device):
    data = os.urandom(UNIT)
    device.write(5 * UNIT, data)
    assert raw(device, 5 * UNIT, UNIT) == xts_unit(5, data)


def test_same_plaintext_at_two_units_is_stored_differently(device):
    data = b"same" * (UNIT // 4)
    device.write(UNIT, data + data)
    assert raw(device, UNIT, UNIT) != raw(device, 2 * UNIT, UNIT)
    assert device.read(UNIT, 2 * UNIT) == data + data


def test_never_written_units_read_as_zeros(device):
    device.write(10 * UNIT, b"x" * UNIT)
    assert device.read(0, 10 * UNIT) == bytes(10 * UNIT)
    assert device.read(11 * UNIT + 7, 100) == bytes(100)


def test_partial_write_preserves_the_rest_of_its_units(device):
    before = os.urandom(3 * UNIT)
    device.write(0, before)
    device.write(UNIT - 3, b"ABCDEFG")  # straddles units 0 and 1
    expected = bytearray(before)
    expected[UNIT - 3 : UNIT + 4] = b"ABCDEFG"
    assert device.read(0, 3 * UNIT) == bytes(expected)


def test_partial_write_into_a_never_written_unit_leaves_zeros_around_it(device):
    device.write(3 * UNIT + 100, b"hello")
    assert device.read(3 * UNIT, UNIT) == bytes(100) + b"hello" + bytes(UNIT - 105)


@settings(max_examples=60, deadline=None)
@given(
    writes=st.lists(
        st.tuples(st.integers(0, SIZE - 1), st.binary(min_size=0, max_size=3 * UNIT)),
        min_size=1,
        max_size=4,
    ),
    read_at=st.integers(0, SIZE - 1),
    read_length=st.integers(0, 4 * UNIT),
)
def test_writes_then_reads_at_any_offset_and_length_match_a_plain_model(
    writes, read_at, read_length
):
    model = bytearray(SIZE)
    with tempfile.TemporaryDirectory() as folder:
        dev = EncryptedBlockDevice(os.path.join(folder, "vol"), SIZE, XtsCipher(KEY), create=True)
        with dev:
            for offset, data in writes:
                data = data[: SIZE - offset]
                dev.write(offset, data)
                model[offset : offset + len(data)] = data
                assert dev.read(offset, len(data)) == data
            read_length = min(read_length, SIZE - read_at)
            assert dev.read(read_at, read_length) == bytes(model[read_at : read_at + read_length])
            assert dev.read(0, SIZE) == bytes(model)


def test_readv_returns_each_range_decrypted_in_one_batch(device, monkeypatch):
    data = os.urandom(8 * UNIT)
    device.write(0, data)
    calls = []
    original = device._cipher.decrypt_units_into
    monkeypatch.setattr(
        device._cipher,
        "decrypt_units_into",
        lambda units, *rest: (calls.append(list(units)), original(units, *rest)),
    )
    requests = [(0, UNIT), (5 * UNIT + 9, 2 * UNIT), (100, 10), (5 * UNIT, 0)]
    got = device.readv(requests)
    assert got == [data[o : o + n] for o, n in requests]
    assert calls == [[0, 5, 6, 7, 0]]


def test_writev_encrypts_all_units_in_one_batch_and_later_requests_win(device, monkeypatch):
    calls = []
    original = device._cipher.encrypt_units_into
    monkeypatch.setattr(
        device._cipher,
        "encrypt_units_into",
        lambda units, *rest: (calls.append(list(units)), original(units, *rest)),
    )
    device.writev([(9 * UNIT, b"a" * UNIT), (2 * UNIT, b"b" * 2 * UNIT), (9 * UNIT + 10, b"c")])
    assert calls == [[2, 3, 9]]
    assert device.read(2 * UNIT, 2 * UNIT) == b"b" * 2 * UNIT
    assert device.read(9 * UNIT, UNIT) == b"a" * 10 + b"c" + b"a" * (UNIT - 11)


def test_writev_of_whole_units_stores_each_unit_under_its_own_tweak(device, monkeypatch):
    calls = []
    original = device._cipher.encrypt_units_into
    monkeypatch.setattr(
        device._cipher,
        "encrypt_units_into",
        lambda units, *rest: (calls.append(list(units)), original(units, *rest)),
    )
    pieces = [os.urandom(UNIT), os.urandom(3 * UNIT), b"", os.urandom(UNIT)]
    offsets = [40 * UNIT, 7 * UNIT, 12 * UNIT, 0]
    device.writev(list(zip(offsets, pieces, strict=True)))
    assert calls == [[40, 7, 8, 9, 0]]  # one batch, no unit read back
    for offset, piece in zip(offsets, pieces, strict=True):
        for i in range(len(piece) // UNIT):
            unit = offset // UNIT + i
            stored = raw(device, unit * UNIT, UNIT)
            assert stored == xts_unit(unit, piece[i * UNIT : (i + 1) * UNIT])
        assert device.read(offset, len(piece)) == piece
    assert device.read(12 * UNIT, UNIT) == bytes(UNIT)


def test_writev_of_whole_units_written_twice_keeps_the_later_one(device):
    first, second, other = os.urandom(2 * UNIT), os.urandom(UNIT), os.urandom(UNIT)
    device.writev([(3 * UNIT, first), (20 * UNIT, other), (4 * UNIT, second)])
    assert device.read(3 * UNIT, 2 * UNIT) == first[:UNIT] + second
    assert device.read(20 * UNIT, UNIT) == other


def test_trim_makes_whole_units_never_written_and_zeroes_partial_edges(device):
    data = os.urandom(8 * UNIT)
    device.write(0, data)
    device.trim(UNIT + 100, 4 * UNIT)  # units 2..4 whole; 1 and 5 in part
    expected = bytearray(data)
    expected[UNIT + 100 : 5 * UNIT + 100] = bytes(4 * UNIT)
    assert device.read(0, 8 * UNIT) == bytes(expected)
    assert raw(device, 2 * UNIT, 3 * UNIT) == bytes(3 * UNIT)  # holes, not encrypted zeros
    assert raw(device, UNIT, UNIT) != bytes(UNIT)


def test_trim_within_one_unit_zeroes_only_that_range(device):
    data = os.urandom(UNIT)
    device.write(0, data)
    device.trim(10, 20)
    assert device.read(0, UNIT) == data[:10] + bytes(20) + data[30:]


def test_trim_releases_disk_space(tmp_path):
    size = 1024 * UNIT
    with EncryptedBlockDevice(tmp_path / "vol", size, XtsCipher(KEY), create=True) as dev:
        dev.write(0, os.urandom(size))
        dev.flush()
        full = os.stat(dev.path).st_blocks
        dev.trim(0, size)
        assert os.stat(dev.path).st_blocks < full // 4
        assert dev.read(0, size) == bytes(size)


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.read(SIZE - 1, 2),
        lambda d: d.read(-1, 1),
        lambda d: d.read(0, -1),
        lambda d: d.write(SIZE, b"x"),
        lambda d: d.write(SIZE - 2, b"xyz"),
        lambda d: d.readv([(0, 1), (SIZE, 1)]),
        lambda d: d.writev([(0, b"ok"), (-5, b"no")]),
        lambda d: d.trim(SIZE - UNIT, UNIT + 1),
    ],
)
def test_out_of_range_io_raises_value_error(device, call):
    with pytest.raises(ValueError, match="outside the device"):
        call(device)


def test_a_rejected_batch_writes_nothing(device):
    with pytest.raises(ValueError):
        device.writev([(0, b"first"), (SIZE, b"x")])
    assert device.read(0, 5) == bytes(5)


def test_reads_and_writes_at_the_very_end_are_allowed(device):
    device.write(SIZE - 3, b"end")
    assert device.read(SIZE - 3, 3) == b"end"
    assert device.read(SIZE, 0) == b""


def test_backing_file_holds_no_plaintext(device):
    marker = b"PLAINTEXT-MARKER!"
    pattern = marker * (3 * UNIT // len(marker))
    device.write(0, pattern)
    device.write(7 * UNIT + 123, pattern)
    device.writev([(20 * UNIT + 1, pattern[:5000]), (30 * UNIT, pattern)])
    device.flush()
    with open(device.path, "rb") as backing:
        stored = backing.read()
    assert len(stored) == SIZE
    assert marker[:8] not in stored
    assert device.read(7 * UNIT + 123, len(pattern)) == pattern


def test_large_device_uses_little_disk(tmp_path):
    size = 64 * 1024**3
    with EncryptedBlockDevice(tmp_path / "big", size, XtsCipher(KEY), create=True) as dev:
        dev.write(0, b"a" * UNIT)
        dev.write(size - UNIT, b"z" * UNIT)
        dev.write(size // 2 + 5, b"middle")
        dev.flush()
        assert os.stat(dev.path).st_size == size
        assert os.stat(dev.path).st_blocks * 512 < 4 * 1024**2
        assert dev.read(size - UNIT, UNIT) == b"z" * UNIT
        assert dev.read(size // 4, UNIT) == bytes(UNIT)


def test_reopened_device_reads_back_with_the_same_key(tmp_path):
    path = tmp_path / "vol"
    with EncryptedBlockDevice(path, SIZE, XtsCipher(KEY), create=True) as dev:
        dev.write(12345, b"persistent")
    with EncryptedBlockDevice(path, SIZE, XtsCipher(KEY)) as dev:
        assert dev.read(12345, 10) == b"persistent"
    other = os.urandom(64)
    with EncryptedBlockDevice(path, SIZE, XtsCipher(other)) as dev:
        assert dev.read(12345, 10) != b"persistent"


def test_create_never_replaces_an_existing_file(tmp_path):
    path = tmp_path / "vol"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        EncryptedBlockDevice(path, SIZE, XtsCipher(KEY), create=True)
    assert path.read_bytes() == b"precious"


def test_opening_a_missing_file_without_create_fails(tmp_path):
    with pytest.raises(FileNotFoundError):
        EncryptedBlockDevice(tmp_path / "missing", SIZE, XtsCipher(KEY))


@pytest.mark.parametrize("size", [0, -UNIT, UNIT + 1, 100])
def test_size_must_be_a_positive_multiple_of_the_unit(tmp_path, size):
    with pytest.raises(ValueError, match="multiple of 4096"):
        EncryptedBlockDevice(tmp_path / "vol", size, XtsCipher(KEY), create=True)


def test_backing_file_larger_than_the_device_is_refused(tmp_path):
    path = tmp_path / "vol"
    path.write_bytes(bytes(2 * UNIT))
    with pytest.raises(ValueError, match="more than the device size"):
        EncryptedBlockDevice(path, UNIT, XtsCipher(KEY))


def test_closed_device_refuses_io(device):
    device.close()
    device.close()
    with pytest.raises(ValueError, match="closed"):
        device.read(0, 1)
    with pytest.raises(ValueError, match="closed"):
        device.write(0, b"x")


def test_wiped_key_stops_io(device):
    device.write(0, b"x" * UNIT)
    device._cipher.wipe()
    with pytest.raises(RuntimeError, match="wiped"):
        device.read(0, UNIT)


def test_concurrent_writer_and_reader_see_only_whole_writes(device):
    # Each write fills units 0..7 with one repeated byte; a reader must never see a mix.
    stop = threading.Event()
    errors: list[str] = []

    def writer():
        for value in range(1, 200):
            device.write(0, bytes([value]) * 8 * UNIT)
        stop.set()

    def reader():
        while not stop.is_set():
            for got in device.readv([(0, 4 * UNIT), (4 * UNIT, 4 * UNIT)]) + [
                device.read(UNIT - 10, 20)
            ]:
                if len(set(got)) != 1:
                    errors.append("torn read")

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert device.read(0, 8 * UNIT) == bytes([199]) * 8 * UNIT
