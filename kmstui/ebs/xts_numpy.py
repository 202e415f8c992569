"""The portable AES-256-XTS back-end: ``cryptography`` and numpy, used where the
system's libcrypto does not load (see :mod:`kmstui.ebs.xts_openssl`).

A ``cryptography`` XTS cipher's tweak is fixed when it is built, so building one per
unit is most of the cost of a small unit. Batches of units are therefore computed
here by the definition of XTS instead:

1. one AES-ECB pass under the second key half turns every unit number into
   that unit's first tweak ``T``;
2. the tweak of block ``j`` is ``T * x^j`` in GF(2^128). With ``j = 16a + b``
   it is computed as ``(T * x^(16a)) * x^b``: the 16 values ``T * x^(16a)``
   come from one lookup in a table indexed by the bytes of ``T`` (the map is
   linear, so the 16 byte lookups are XOR-ed); the 16 multiplications by
   ``x^b`` are shifts plus a lookup of the bits that overflow, vectorised
   with numpy over every unit of the batch;
3. XOR, one AES-ECB pass under the first key half into a preallocated
   buffer, XOR.

A small batch of whole units goes through ``cryptography``'s own XTS, one cipher per
unit, which is faster there.
"""

from __future__ import annotations

import threading

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16
UNIT = 4096

_U64 = np.dtype("<u8")
_MASK128 = (1 << 128) - 1


def times_x(value: int, times: int = 1) -> int:
    """``value * x^times`` in GF(2^128) with the XTS polynomial x^128+x^7+x^2+x+1."""
    for _ in range(times):
        value <<= 1
        if value >> 128:
            value = (value & _MASK128) ^ 0x87
    return value


class _Tables:
    """Key-independent lookup tables, built once on first use (about 1.5 MiB)."""

    _lock = threading.Lock()
    _built: _Tables | None = None

    def __init__(self) -> None:
        # by_byte[p * 256 + v, a] = (v << 8p) * x^(16a), as (lo, hi) words.
        basis = np.zeros((128, 16, 2), _U64)
        for bit in range(128):
            value = 1 << bit
            for a in range(16):
                basis[bit, a] = (value & 0xFFFF_FFFF_FFFF_FFFF, value >> 64)
                value = times_x(value, 16)
        by_byte = np.zeros((16, 256, 16, 2), _U64)
        for k in range(8):
            by_byte[:, 1 << k : 2 << k] = by_byte[:, : 1 << k] ^ basis[k::8][:, None]
        self.by_byte = by_byte.reshape(16 * 256, 32)
        self.byte_base = np.arange(16, dtype=np.intp) * 256
        # overflow[c] = c * (x^7 + x^2 + x + 1): what the bits shifted past x^127 reduce to.
        c = np.arange(1 << 16, dtype=_U64)
        self.overflow = c ^ (c << np.uint64(1)) ^ (c << np.uint64(2)) ^ (c << np.uint64(7))
        self.shift_left = np.arange(16, dtype=_U64)
        # A right shift by 64 yields 0 in numpy, which is what b = 0 needs.
        self.shift_right = np.uint64(64) - self.shift_left

    @classmethod
    def get(cls) -> _Tables:
        if cls._built is None:
            with cls._lock:
                if cls._built is None:
                    cls._built = cls()
        return cls._built


def block_tweaks(first: np.ndarray, blocks: int, out: np.ndarray) -> np.ndarray:
    """Fill ``out`` with the tweaks of ``blocks`` blocks for each first tweak.

    ``first`` is ``(n, 2)`` words; returns an ``(n, blocks * 2)`` view of ``out``.
    """
    tables = _Tables.get()
    n = first.shape[0]
    groups = -(-blocks // 16)
    # Stage 1: first * x^(16a) for a < groups, by XOR of 16 byte lookups.
    index = first.view(np.uint8).reshape(n, 16) + tables.byte_base
    parts = tables.by_byte[index][:, :, : groups * 2]  # (n, 16, groups*2)
    half = parts[:, :8] ^ parts[:, 8:]
    np.bitwise_xor(half[:, :4], half[:, 4:], out=half[:, :4])
    np.bitwise_xor(half[:, :2], half[:, 2:4], out=half[:, :2])
    spaced = (half[:, 0] ^ half[:, 1]).reshape(n, groups, 1, 2)
    lo = spaced[..., 0]
    hi = spaced[..., 1]
    # Stage 2: each of those times x^b for b < 16.
    full = out[: n * groups * 32].reshape(n, groups, 16, 2)
    out_lo = full[..., 0]
    out_hi = full[..., 1]
    np.left_shift(hi, tables.shift_left, out=out_hi)
    carry = np.right_shift(lo, tables.shift_right)
    np.bitwise_or(out_hi, carry, out=out_hi)
    np.right_shift(hi, tables.shift_right, out=carry)
    np.left_shift(lo, tables.shift_left, out=out_lo)
    np.bitwise_xor(out_lo, np.take(tables.overflow, carry), out=out_lo)
    flat = full.reshape(n, groups * 32)
    return flat if groups * 16 == blocks else flat[:, : blocks * 2]


class NumpyXts:
    """The back-end over ``key`` (a bytearray the cipher owns and wipes): AES-ECB
    ciphers for the batch path, ``cryptography``'s XTS for small batches of whole
    units, and the batch path's scratch buffers, allocated on first use."""

    name = "cryptography + numpy"
    #: Batches of at most this many whole units use ``cryptography``'s XTS per unit.
    per_unit_max = 16
    #: Larger requests are processed in chunks of this many units (stays in cache).
    chunk_units = 64

    def __init__(self, key: bytearray) -> None:
        # The halves are copies too; kept so that wipe() can zero them.
        self._halves = (key[:32], key[32:])
        data_key, tweak_key = (algorithms.AES(half) for half in self._halves)
        self._aes = algorithms.AES(key)
        self._data_encryptor = Cipher(data_key, modes.ECB()).encryptor()
        self._data_decryptor = Cipher(data_key, modes.ECB()).decryptor()
        self._tweak_encryptor = Cipher(tweak_key, modes.ECB()).encryptor()
        self._capacity = 0

    def run(self, tweaks, source: memoryview, out: memoryview, unit_bytes: int, encrypt: bool):
        """XTS of the units of ``source`` into ``out``; unit ``i``'s tweak input is bytes
        ``16 i`` to ``16 i + 16`` of ``tweaks``."""
        raw = np.frombuffer(tweaks, _U64).reshape(-1, 2)
        count = raw.shape[0]
        if unit_bytes == UNIT and count <= self.per_unit_max:
            self._run_per_unit(tweaks, source, out, encrypt)
            return
        if not self._capacity:
            self._allocate(self.chunk_units * UNIT)
        chunk = max(1, self._capacity // unit_bytes)
        for start in range(0, count, chunk):
            stop = min(count, start + chunk)
            lo, hi = start * unit_bytes, stop * unit_bytes
            self._run_batch(raw[start:stop], source[lo:hi], out[lo:hi], unit_bytes, encrypt)

    def wipe(self) -> None:
        """Zero the key halves and the scratch buffers; drop the ciphers."""
        for half in self._halves:
            half[:] = bytes(len(half))
        del self._aes, self._data_encryptor, self._data_decryptor, self._tweak_encryptor
        if self._capacity:
            self._work[:] = 0
            self._crypted[:] = bytes(len(self._crypted))
            self._tweaks[:] = 0

    def _allocate(self, nbytes: int) -> None:
        self._capacity = nbytes
        self._work = np.zeros(nbytes // 8, _U64)
        self._crypted = bytearray(nbytes + BLOCK)  # update_into wants a block of slack
        self._crypted_words = np.frombuffer(self._crypted, _U64, count=nbytes // 8)
        self._tweaks = np.zeros(nbytes // 8, _U64)

    def _run_per_unit(self, tweaks, source: memoryview, out: memoryview, encrypt: bool) -> None:
        tweaks = bytes(tweaks)
        for i in range(len(tweaks) // BLOCK):
            cipher = Cipher(self._aes, modes.XTS(tweaks[i * BLOCK : (i + 1) * BLOCK]))
            context = cipher.encryptor() if encrypt else cipher.decryptor()
            out[i * UNIT : (i + 1) * UNIT] = context.update(source[i * UNIT : (i + 1) * UNIT])

    def _run_batch(self, tweak_inputs, source, out_view, unit_bytes: int, encrypt: bool) -> None:
        count = tweak_inputs.shape[0]
        words = count * unit_bytes // 8
        first = np.frombuffer(self._tweak_encryptor.update(tweak_inputs.tobytes()), _U64)
        tweaks = block_tweaks(first.reshape(count, 2), unit_bytes // BLOCK, self._tweaks)
        work = self._work[:words].reshape(count, -1)
        np.bitwise_xor(np.frombuffer(source, _U64).reshape(count, -1), tweaks, out=work)
        aes = self._data_encryptor if encrypt else self._data_decryptor
        aes.update_into(work.data.cast("B"), self._crypted)
        crypted = self._crypted_words[:words].reshape(count, -1)
        np.bitwise_xor(crypted, tweaks, out=np.frombuffer(out_view, _U64).reshape(count, -1))
