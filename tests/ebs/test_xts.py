"""XtsCipher: AES-256-XTS over 4096-byte units, tweak = unit number little-endian."""

from __future__ import annotations

import os

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from kmstui.ebs.xts import CipherWipedError, XtsCipher
from kmstui.ebs.xts_numpy import block_tweaks, times_x

UNIT = XtsCipher.UNIT
KEY = bytes(range(64))


def reference(key: bytes, units, data: bytes, *, encrypt: bool = True) -> bytes:
    """cryptography's own XTS, one unit at a time, tweak = unit as 128-bit little-endian."""
    pieces = []
    for i, unit in enumerate(units):
        context = Cipher(algorithms.AES(key), modes.XTS(unit.to_bytes(16, "little")))
        context = context.encryptor() if encrypt else context.decryptor()
        pieces.append(context.update(data[i * UNIT : (i + 1) * UNIT]) + context.finalize())
    return b"".join(pieces)


def batched(key: bytes = KEY) -> XtsCipher:
    """The numpy path for every batch (no libcrypto)."""
    cipher = XtsCipher(key, libcrypto=False)
    cipher.backend.per_unit_max = 0
    return cipher


def per_unit(key: bytes = KEY) -> XtsCipher:
    """cryptography's XTS per unit (no libcrypto)."""
    cipher = XtsCipher(key, libcrypto=False)
    cipher.backend.per_unit_max = 1 << 30
    return cipher


def native(key: bytes = KEY) -> XtsCipher:
    """OpenSSL's libcrypto through ctypes (skips where it does not load)."""
    cipher = XtsCipher(key)
    if not cipher.uses_libcrypto:
        pytest.skip("libcrypto not available on this platform")
    return cipher


PATHS = [batched, per_unit, native]


@pytest.mark.parametrize("unit", [0, 1, 255, 256, 2**32 + 5, 2**63, 2**64 - 1])
def test_unit_tweak_is_the_unit_number_little_endian(unit):
    data = os.urandom(UNIT)
    for cipher in (batched(), per_unit(), native()):
        assert cipher.encrypt(data, unit) == reference(KEY, [unit], data)


@pytest.mark.parametrize("make", PATHS)
@pytest.mark.parametrize("first", [0, 2**32 - 10, 2**64 - 40])
def test_long_contiguous_runs_up_to_the_last_unit_number(make, first):
    data = os.urandom(40 * UNIT)
    expected = reference(KEY, range(first, first + 40), data)
    assert make().encrypt(data, first) == expected
    assert make().decrypt(expected, first) == data


def test_same_plaintext_at_two_units_gives_different_ciphertext():
    data = b"\xab" * UNIT
    cipher = XtsCipher(KEY)
    assert cipher.encrypt(data, 7) != cipher.encrypt(data, 8)


@pytest.mark.parametrize("count", [2, 13, 64, 65, 200])
def test_batched_path_equals_per_unit_path_for_contiguous_units(count):
    data = os.urandom(count * UNIT)
    expected = reference(KEY, range(1000, 1000 + count), data)
    for make in PATHS:
        assert make().encrypt(data, 1000) == expected
        assert make().decrypt(expected, 1000) == data


def test_batched_path_equals_per_unit_path_for_non_contiguous_units():
    units = [9, 3, 2**40, 3, 0, 77, 2**64 - 1, 12]
    data = os.urandom(len(units) * UNIT)
    expected = reference(KEY, units, data)
    for make in PATHS:
        assert make().encrypt_units(units, data) == expected
        assert make().decrypt_units(units, expected) == data


@settings(max_examples=40, deadline=None)
@given(
    units=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=40),
    seed=st.binary(min_size=16, max_size=16),
)
def test_decrypt_units_inverts_encrypt_units(units, seed):
    data = (seed * (UNIT // 16)) * len(units)
    expected = reference(KEY, units, data)
    for cipher in (XtsCipher(KEY), XtsCipher(KEY, libcrypto=False)):
        cipher_text = cipher.encrypt_units(units, data)
        assert cipher_text == expected
        assert cipher.decrypt_units(units, cipher_text) == data


@pytest.mark.parametrize("make", PATHS)
def test_encrypt_into_fills_a_preallocated_buffer(make):
    data = os.urandom(20 * UNIT)
    out = bytearray(21 * UNIT)
    make().encrypt_into(data, 5, memoryview(out)[UNIT:])
    assert out[:UNIT] == bytes(UNIT)
    assert bytes(out[UNIT:]) == reference(KEY, range(5, 25), data)
    back = bytearray(20 * UNIT)
    make().decrypt_into(out[UNIT:], 5, back)
    assert back == data


@pytest.mark.parametrize("make", PATHS)
def test_in_place_encryption_and_decryption(make):
    data = os.urandom(20 * UNIT)
    buffer = bytearray(data)
    cipher = make()
    cipher.encrypt_into(buffer, 7, buffer)
    assert bytes(buffer) == reference(KEY, range(7, 27), data)
    cipher.decrypt_units_into(list(range(7, 27)), buffer, buffer)
    assert buffer == data


@pytest.mark.parametrize("make", PATHS)
def test_read_only_or_short_output_is_refused(make):
    with pytest.raises((TypeError, ValueError)):
        make().encrypt_into(bytes(2 * UNIT), 0, bytes(2 * UNIT))
    with pytest.raises(ValueError, match="output buffer"):
        make().encrypt_into(bytes(20 * UNIT), 0, bytearray(19 * UNIT))


def test_libcrypto_self_test_guards_its_use(monkeypatch):
    from kmstui.ebs.xts_openssl import Libcrypto

    monkeypatch.setattr(Libcrypto, "_loaded", False)
    monkeypatch.setattr(Libcrypto, "_instance", None)
    monkeypatch.setattr(Libcrypto, "_self_test", lambda self: False)
    assert Libcrypto.get() is None
    cipher = XtsCipher(KEY)
    assert not cipher.uses_libcrypto
    data = os.urandom(3 * UNIT)
    assert cipher.encrypt(data, 9) == reference(KEY, range(9, 12), data)


def test_block_tweaks_are_successive_multiples_by_alpha():
    first = np.frombuffer(os.urandom(3 * 16), "<u8").reshape(3, 2).copy()
    out = np.zeros(3 * 512, "<u8")
    tweaks = block_tweaks(first, 256, out)
    for row, (lo, hi) in zip(tweaks, first, strict=True):
        value = int(lo) | int(hi) << 64
        for j in range(256):
            assert int(row[2 * j]) | int(row[2 * j + 1]) << 64 == value, j
            value = times_x(value)


def test_key_with_equal_halves_is_rejected():
    half = os.urandom(32)
    with pytest.raises(ValueError, match="halves are equal"):
        XtsCipher(half + half)


@pytest.mark.parametrize("size", [0, 32, 63, 65])
def test_key_must_be_64_bytes(size):
    with pytest.raises(ValueError, match="64-byte key"):
        XtsCipher(bytes(range(size)))


def test_key_is_copied_so_the_caller_buffer_can_change():
    key = bytearray(KEY)
    cipher = XtsCipher(key)
    key[:] = os.urandom(64)
    data = os.urandom(UNIT)
    assert cipher.encrypt(data, 0) == reference(KEY, [0], data)


@pytest.mark.parametrize("make", PATHS)
def test_wipe_zeroes_the_key_and_refuses_further_use(make):
    cipher = make()
    cipher.encrypt(bytes(40 * UNIT), 3)  # the numpy path's scratch buffers exist
    held = cipher._key
    cipher.wipe()
    assert held == bytes(64)
    assert cipher.wiped
    if cipher.uses_libcrypto:
        assert cipher.backend.contexts == []  # freed: OpenSSL clears the key schedules
    for call in (
        lambda: cipher.encrypt(bytes(UNIT), 0),
        lambda: cipher.decrypt(bytes(2 * UNIT), 0),
        lambda: cipher.encrypt_units([1, 5], bytes(2 * UNIT)),
        lambda: cipher.decrypt_units(list(range(40)), bytes(40 * UNIT)),
    ):
        with pytest.raises(CipherWipedError):
            call()
    cipher.wipe()  # twice is harmless


@pytest.mark.parametrize("length", [1, 16, UNIT - 1, UNIT + 16])
def test_data_must_be_whole_units(length):
    with pytest.raises(ValueError, match="whole 4096-byte units"):
        XtsCipher(KEY).encrypt(bytes(length), 0)


def test_unit_numbers_and_data_must_agree():
    with pytest.raises(ValueError, match="3 unit numbers given for 2 units"):
        XtsCipher(KEY).encrypt_units([1, 2, 3], bytes(2 * UNIT))


@pytest.mark.parametrize("units", [[-1], [2**64], [0, 2**64 + 1]])
def test_unit_numbers_must_fit_64_bits(units):
    with pytest.raises(ValueError, match="0 .. 2\\*\\*64 - 1"):
        XtsCipher(KEY).encrypt_units(units, bytes(len(units) * UNIT))


def test_empty_data_gives_empty_result():
    assert XtsCipher(KEY).encrypt(b"", 0) == b""
    assert XtsCipher(KEY).decrypt_units([], b"") == b""
