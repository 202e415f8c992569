"""AES-256-XTS (IEEE 1619) over 4096-byte data units.

Unit ``n`` of a volume (the bytes at offset ``n * 4096``) is encrypted with the
tweak ``n`` as a 128-bit little-endian integer: the layout dm-crypt reads as
``aes-xts-plain64`` opened with ``--sector-size 4096 --iv-large-sectors``.
Units are always whole, so there is no ciphertext stealing.

Speed. Building a ``cryptography`` XTS cipher costs several microseconds, most
of the time for a 4 KiB unit, and a cipher's tweak is fixed when it is built.
So batches of units are computed here by the definition of XTS instead:

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

A lone unit goes through ``cryptography``'s own XTS, which is faster there.

Faster than both, and used wherever it loads: the system's OpenSSL ``libcrypto``
(on Linux; usually the library Python's ``ssl`` and ``hashlib`` use) through
cffi's ABI mode. One XTS context per direction is keyed once; each unit then
costs two calls, one that sets only the IV (the unit's tweak input; the key
schedules are kept) and one ``EVP_CipherUpdate`` of the unit, which runs
OpenSSL's AES-NI XTS, the code ``openssl speed`` measures. That is about 1.6 µs
a unit against 3.7 µs for the numpy path. The library is used only after a
known-answer test against ``cryptography``'s XTS (two units, both directions);
freeing a context clears its key schedules.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Sequence

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kmstui.ebs.scratch import ScratchBuffer

__all__ = ["CipherWipedError", "XtsCipher"]

KEY_BYTES = 64
BLOCK = 16

_U64 = np.dtype("<u8")
_MASK128 = (1 << 128) - 1


class CipherWipedError(RuntimeError):
    """The cipher's key has been wiped (the volume was detached)."""


def _times_x(value: int, times: int = 1) -> int:
    """``value * x^times`` in GF(2^128) with the XTS polynomial x^128+x^7+x^2+x+1."""
    for _ in range(times):
        value <<= 1
        if value >> 128:
            value = (value & _MASK128) ^ 0x87
    return value


_CDEF = """
typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_cipher_st EVP_CIPHER;
unsigned long OpenSSL_version_num(void);
EVP_CIPHER_CTX *EVP_CIPHER_CTX_new(void);
void EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *ctx);
const EVP_CIPHER *EVP_aes_256_xts(void);
int EVP_CipherInit_ex(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *type, void *impl,
                      const unsigned char *key, const unsigned char *iv, int enc);
int EVP_CipherUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl,
                     const unsigned char *in, int inl);
"""


class _Libcrypto:
    """The few EVP functions of OpenSSL's libcrypto the XTS path needs (OpenSSL >= 1.1.1),
    called through cffi's ABI mode (cffi comes with ``cryptography``; its calls cost
    less than ``ctypes``')."""

    _lock = threading.Lock()
    _loaded = False
    _instance: _Libcrypto | None = None
    #: Shared-library names tried, in order.
    NAMES = ("libcrypto.so.3", "libcrypto.so.1.1")

    def __init__(self, ffi, lib) -> None:
        if lib.OpenSSL_version_num() < 0x1010100F:
            raise OSError("libcrypto older than OpenSSL 1.1.1")
        self.ffi = ffi
        self.lib = lib
        self.null = ffi.NULL

    @classmethod
    def get(cls) -> _Libcrypto | None:
        """The library, or None where it cannot be loaded or fails its self-test."""
        if not cls._loaded:
            with cls._lock:
                if not cls._loaded:
                    cls._instance = cls._load()
                    cls._loaded = True
        return cls._instance

    @classmethod
    def _load(cls) -> _Libcrypto | None:
        # Elsewhere a library of that name may not be OpenSSL (or may abort when loaded).
        if not sys.platform.startswith("linux"):
            return None
        try:
            import cffi
        except ImportError:
            return None
        for name in cls.NAMES:
            try:
                ffi = cffi.FFI()
                ffi.cdef(_CDEF)
                candidate = cls(ffi, ffi.dlopen(name))
                if candidate._self_test():
                    return candidate
            except (OSError, AttributeError, RuntimeError, cffi.FFIError):
                continue
        return None

    def context(self, key: bytearray, *, encrypt: bool):
        """A new XTS context keyed with ``key`` (read in place, not copied)."""
        lib, null = self.lib, self.null
        ctx = lib.EVP_CIPHER_CTX_new()
        if ctx == null:
            raise MemoryError("EVP_CIPHER_CTX_new failed")
        with self.ffi.from_buffer(key) as key_pointer:
            done = lib.EVP_CipherInit_ex(
                ctx, lib.EVP_aes_256_xts(), null, key_pointer, null, encrypt
            )
        if done:
            return ctx
        lib.EVP_CIPHER_CTX_free(ctx)
        raise RuntimeError("OpenSSL refused the AES-256-XTS key")

    def free(self, contexts: list) -> None:
        """Free contexts (OpenSSL clears their key schedules); idempotent."""
        while contexts:
            self.lib.EVP_CIPHER_CTX_free(contexts.pop())

    def run(self, ctx, ivs, source, out, unit_bytes: int, written) -> None:
        """XTS of the consecutive units of ``source`` (non-empty) into ``out`` (at least as
        long, writable, may be ``source``: OpenSSL's XTS works in place); unit ``i`` has
        the IV ``ivs[16 * i : 16 * i + 16]``. ``written`` is an ``int *`` for the output
        length."""
        ffi, null = self.ffi, self.null
        set_iv, update = self.lib.EVP_CipherInit_ex, self.lib.EVP_CipherUpdate
        with (
            ffi.from_buffer(source) as src,
            ffi.from_buffer(out, require_writable=True) as dst,
            ffi.from_buffer(ivs) as iv,
        ):
            for offset in range(0, len(source), unit_bytes):
                if not (
                    set_iv(ctx, null, null, null, iv, -1)
                    and update(ctx, dst + offset, written, src + offset, unit_bytes)
                ):
                    raise RuntimeError("OpenSSL AES-256-XTS failed")
                iv += BLOCK
        if written[0] != unit_bytes:
            raise RuntimeError(f"OpenSSL AES-256-XTS wrote {written[0]} of {unit_bytes} bytes")

    def _self_test(self) -> bool:
        """Two units (the IV-only re-initialisation included), both directions, against
        ``cryptography``'s XTS."""
        key = bytearray(range(64))
        data = bytes(range(256)) * 32
        units = (5, 2**64 - 1)
        expected = b"".join(
            Cipher(algorithms.AES(bytes(key)), modes.XTS(unit.to_bytes(16, "little")))
            .encryptor()
            .update(data[i * 4096 : (i + 1) * 4096])
            for i, unit in enumerate(units)
        )
        ivs = b"".join(unit.to_bytes(16, "little") for unit in units)
        out = bytearray(len(data))
        back = bytearray(len(data))
        written = self.ffi.new("int *")
        contexts: list = []
        try:
            contexts += [self.context(key, encrypt=True), self.context(key, encrypt=False)]
            self.run(contexts[0], ivs, data, out, 4096, written)
            self.run(contexts[1], ivs, out, back, 4096, written)
        finally:
            self.free(contexts)
        return out == expected and back == data


def _unit_ivs(units: Sequence[int]):
    """The 16-byte little-endian IVs of ``units`` (each in 0 .. 2**64 - 1), back to back."""
    if isinstance(units, range) and len(units) > 16 and units.step == 1:
        ivs = np.zeros((len(units), 2), _U64)
        np.add(np.arange(len(units), dtype=_U64), np.uint64(units.start), out=ivs[:, 0])
        return ivs
    return b"".join([number.to_bytes(16, "little") for number in units])


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
                value = _times_x(value, 16)
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


def _block_tweaks(first: np.ndarray, blocks: int, out: np.ndarray) -> np.ndarray:
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


class XtsCipher:
    """AES-256-XTS with 4096-byte data units; the tweak of unit ``n`` is ``n`` (LE).

    The 64-byte key is copied into a ``bytearray`` that :meth:`wipe` zeroes.
    """

    UNIT = 4096
    #: Batches of at most this many units use ``cryptography``'s XTS per unit.
    PER_UNIT_MAX = 16
    #: Larger requests are processed in chunks of this many units (stays in cache).
    CHUNK_UNITS = 64

    def __init__(self, key: bytes, *, libcrypto: bool = True) -> None:
        """``libcrypto=False`` keeps to ``cryptography`` and numpy (see the module
        docstring); otherwise OpenSSL's libcrypto is used where it loads."""
        if len(key) != KEY_BYTES:
            raise ValueError(
                f"AES-256-XTS needs a {KEY_BYTES}-byte key (two 256-bit halves), got {len(key)}"
            )
        if key[:32] == key[32:]:
            raise ValueError(
                "AES-256-XTS key rejected: its two 256-bit halves are equal, "
                "which would make the tweak predictable (OpenSSL refuses such keys too)"
            )
        self._key = bytearray(key)
        self._lock = threading.Lock()
        self._capacity = 0
        self._halves: tuple[bytearray, ...] = ()
        self._libcrypto = _Libcrypto.get() if libcrypto else None
        if self._libcrypto is not None:
            self._written = self._libcrypto.ffi.new("int *")  # EVP_CipherUpdate's output
            self._contexts: list = []
            self._free = weakref.finalize(self, self._libcrypto.free, self._contexts)
            self._contexts += [
                self._libcrypto.context(self._key, encrypt=True),
                self._libcrypto.context(self._key, encrypt=False),
            ]
        else:
            # The halves are copies too; kept so that wipe() can zero them.
            self._halves = (self._key[:32], self._key[32:])
            data_key, tweak_key = (algorithms.AES(half) for half in self._halves)
            self._aes = algorithms.AES(self._key)
            self._data_encryptor = Cipher(data_key, modes.ECB()).encryptor()
            self._data_decryptor = Cipher(data_key, modes.ECB()).decryptor()
            self._tweak_encryptor = Cipher(tweak_key, modes.ECB()).encryptor()
        # Results returned as bytes are computed here first (see kmstui.ebs.scratch).
        self._output = ScratchBuffer()
        self._output_lock = threading.Lock()

    @property
    def uses_libcrypto(self) -> bool:
        """Whether units go through OpenSSL's libcrypto (else cryptography and numpy)."""
        return self._libcrypto is not None

    # -- public API ---------------------------------------------------------------------

    def encrypt(self, data, first_unit: int) -> bytes:
        """Encrypt whole units ``first_unit, first_unit + 1, ...``."""
        return self._to_bytes(self.encrypt_into, data, first_unit)

    def decrypt(self, data, first_unit: int) -> bytes:
        """Decrypt whole units ``first_unit, first_unit + 1, ...``."""
        return self._to_bytes(self.decrypt_into, data, first_unit)

    def encrypt_into(self, data, first_unit: int, out) -> None:
        """Like :meth:`encrypt`, writing into the preallocated buffer ``out``."""
        self._run_contiguous(data, first_unit, out, encrypt=True)

    def decrypt_into(self, data, first_unit: int, out) -> None:
        """Like :meth:`decrypt`, writing into the preallocated buffer ``out``."""
        self._run_contiguous(data, first_unit, out, encrypt=False)

    def encrypt_units(self, units: Sequence[int], data) -> bytes:
        """Encrypt ``len(units)`` units in one batch; unit ``i`` of ``data`` has tweak
        ``units[i]``."""
        return self._to_bytes(lambda d, u, out: self.encrypt_units_into(u, d, out), data, units)

    def decrypt_units(self, units: Sequence[int], data) -> bytes:
        """Decrypt ``len(units)`` units in one batch; unit ``i`` of ``data`` has tweak
        ``units[i]``."""
        return self._to_bytes(lambda d, u, out: self.decrypt_units_into(u, d, out), data, units)

    def encrypt_units_into(self, units: Sequence[int], data, out) -> None:
        self._run_units(units, data, out, encrypt=True)

    def decrypt_units_into(self, units: Sequence[int], data, out) -> None:
        self._run_units(units, data, out, encrypt=False)

    @property
    def wiped(self) -> bool:
        return self._key is None

    def wipe(self) -> None:
        """Zero the key bytes held and drop the OpenSSL contexts (which clear their own
        key schedules when freed). Any later use raises :class:`CipherWipedError`."""
        with self._lock:
            if self._key is None:
                return
            for held in (self._key, *self._halves):
                held[:] = bytes(len(held))
            self._key = None
            self._halves = ()
            if self._libcrypto is not None:
                self._free()
            else:
                self._aes = None
                self._data_encryptor = self._data_decryptor = self._tweak_encryptor = None
            if self._capacity:
                self._work[:] = 0
                self._crypted[:] = bytes(len(self._crypted))
                self._tweaks[:] = 0
        with self._output_lock:
            self._output.clear()

    # -- internals -----------------------------------------------------------------------

    def _allocate(self, nbytes: int) -> None:
        self._capacity = nbytes
        self._work = np.zeros(nbytes // 8, _U64)
        self._crypted = bytearray(nbytes + BLOCK)  # update_into wants a block of slack
        self._crypted_words = np.frombuffer(self._crypted, _U64, count=nbytes // 8)
        self._tweaks = np.zeros(nbytes // 8, _U64)

    def _to_bytes(self, run, data, where) -> bytes:
        with self._output_lock:
            out = self._output.view(len(data))
            run(data, where, out)
            return bytes(out)

    def _check_live(self) -> None:
        if self._key is None:
            raise CipherWipedError("this XTS key has been wiped; the cipher can no longer be used")

    def _check_length(self, length: int, units: int | None = None) -> int:
        if length % self.UNIT:
            raise ValueError(f"XTS data must be whole {self.UNIT}-byte units, got {length} bytes")
        count = length // self.UNIT
        if units is not None and units != count:
            raise ValueError(f"{units} unit numbers given for {count} units of data")
        return count

    def _run_contiguous(self, data, first_unit: int, out, *, encrypt: bool) -> None:
        count = self._check_length(len(data))
        self._run_units(range(first_unit, first_unit + count), data, out, encrypt=encrypt)

    def _run_units(self, units: Sequence[int], data, out, *, encrypt: bool) -> None:
        count = self._check_length(len(data), len(units))
        if count:
            if isinstance(units, range):
                low, high = units.start, units.stop - 1
            else:
                low, high = (units[0], units[0]) if count == 1 else (min(units), max(units))
            if low < 0 or high >= 1 << 64:
                raise ValueError("XTS unit numbers must lie in 0 .. 2**64 - 1")
        if self._libcrypto is not None:
            self._run_libcrypto(_unit_ivs(units), data, out, self.UNIT, encrypt)
        elif len(units) <= self.PER_UNIT_MAX:
            self._run_per_unit(units, data, out, encrypt)
        else:
            self._run(self._unit_tweaks(units), data, out, self.UNIT, encrypt=encrypt)

    def _unit_tweaks(self, units) -> np.ndarray:
        """Unit numbers -> their tweak inputs, ``(n, 2)`` little-endian words."""
        if isinstance(units, range):
            numbers = np.arange(units.start, units.stop, dtype=_U64)
        else:
            numbers = np.asarray(units, dtype=_U64).reshape(-1)
        tweaks = np.zeros((numbers.shape[0], 2), _U64)
        tweaks[:, 0] = numbers
        return tweaks

    def _run(self, tweak_inputs: np.ndarray, data, out, unit_bytes: int, *, encrypt: bool):
        """Process ``len(tweak_inputs)`` data units of ``unit_bytes`` each (whole blocks)."""
        count = tweak_inputs.shape[0]
        if len(data) != count * unit_bytes:
            raise ValueError(f"{count} units need {count * unit_bytes} bytes, got {len(data)}")
        out_view = memoryview(out).cast("B")
        if len(out_view) < len(data):
            raise ValueError(f"output buffer holds {len(out_view)} bytes, need {len(data)}")
        if count == 0:
            return
        with self._lock:
            self._check_live()
            if not self._capacity:
                self._allocate(self.CHUNK_UNITS * self.UNIT)
            chunk = max(1, self._capacity // unit_bytes)
            source = memoryview(data).cast("B")
            for start in range(0, count, chunk):
                stop = min(count, start + chunk)
                lo, hi = start * unit_bytes, stop * unit_bytes
                self._run_batch(
                    tweak_inputs[start:stop], source[lo:hi], out_view[lo:hi], unit_bytes, encrypt
                )

    def _run_libcrypto(self, ivs, data, out, unit_bytes: int, encrypt: bool):
        source = memoryview(data).cast("B")
        out_view = memoryview(out).cast("B")
        if len(out_view) < len(source):
            raise ValueError(f"output buffer holds {len(out_view)} bytes, need {len(source)}")
        if out_view.readonly:
            raise TypeError("the output buffer is read-only")
        if not source:
            return
        with self._lock:
            if self._key is None:
                self._check_live()
            context = self._contexts[0 if encrypt else 1]
            self._libcrypto.run(context, ivs, source, out_view, unit_bytes, self._written)

    def _run_per_unit(self, units: Sequence[int], data, out, encrypt: bool) -> None:
        """Small batches: ``cryptography``'s XTS, one context per unit."""
        source = memoryview(data).cast("B")
        out_view = memoryview(out).cast("B")
        if len(out_view) < len(source):
            raise ValueError(f"output buffer holds {len(out_view)} bytes, need {len(source)}")
        unit = self.UNIT
        with self._lock:
            self._check_live()
            for i, number in enumerate(units):
                context = Cipher(self._aes, modes.XTS(number.to_bytes(16, "little")))
                context = context.encryptor() if encrypt else context.decryptor()
                out_view[i * unit : (i + 1) * unit] = context.update(
                    source[i * unit : (i + 1) * unit]
                )

    def _run_batch(self, tweak_inputs, source, out_view, unit_bytes: int, encrypt: bool) -> None:
        count = tweak_inputs.shape[0]
        words = count * unit_bytes // 8
        first = np.frombuffer(self._tweak_encryptor.update(tweak_inputs.tobytes()), _U64)
        tweaks = _block_tweaks(first.reshape(count, 2), unit_bytes // BLOCK, self._tweaks)
        work = self._work[:words].reshape(count, -1)
        np.bitwise_xor(np.frombuffer(source, _U64).reshape(count, -1), tweaks, out=work)
        aes = self._data_encryptor if encrypt else self._data_decryptor
        aes.update_into(memoryview(work).cast("B"), self._crypted)
        crypted = self._crypted_words[:words].reshape(count, -1)
        np.bitwise_xor(crypted, tweaks, out=np.frombuffer(out_view, _U64).reshape(count, -1))

    def _run_with_tweaks(self, tweaks: Sequence[bytes], data, unit_bytes: int, *, encrypt: bool):
        """Units of any whole-block length, each with a raw 16-byte tweak (test vectors)."""
        if unit_bytes % BLOCK or not 0 < unit_bytes <= self.UNIT:
            raise ValueError(f"data unit must be 1..256 whole blocks, got {unit_bytes} bytes")
        if any(len(tweak) != BLOCK for tweak in tweaks):
            raise ValueError(f"each tweak must be {BLOCK} bytes")
        raw = np.frombuffer(b"".join(tweaks), _U64).reshape(-1, 2)

        def run(data, raw, out):
            if self._libcrypto is None:
                self._run(raw, data, out, unit_bytes, encrypt=encrypt)
                return
            if len(data) != len(tweaks) * unit_bytes:
                raise ValueError(f"{len(tweaks)} units need {len(tweaks) * unit_bytes} bytes")
            self._run_libcrypto(b"".join(tweaks), data, out, unit_bytes, encrypt)

        return self._to_bytes(run, data, raw)
