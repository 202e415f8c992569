"""AES-256-XTS (IEEE 1619) over 4096-byte data units.

Unit ``n`` of a volume (the bytes at offset ``n * 4096``) is encrypted with the
tweak ``n`` as a 128-bit little-endian integer: the layout dm-crypt reads as
``aes-xts-plain64`` opened with ``--sector-size 4096 --iv-large-sectors``.
Units are always whole, so there is no ciphertext stealing.

:class:`XtsCipher` checks the key and every request, holds the key (which
:meth:`~XtsCipher.wipe` zeroes) and picks one of two back-ends behind the same small
interface (``run(tweaks, source, out, unit_bytes, encrypt)`` and ``wipe()``): the
system's OpenSSL libcrypto where it loads and passes its known-answer test
(:mod:`kmstui.ebs.xts_openssl`, the faster), else ``cryptography`` and numpy
(:mod:`kmstui.ebs.xts_numpy`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from kmstui.ebs.scratch import ScratchBuffer
from kmstui.ebs.xts_numpy import NumpyXts
from kmstui.ebs.xts_openssl import Libcrypto, OpenSslXts

__all__ = ["CipherWipedError", "XtsCipher"]

KEY_BYTES = 64
BLOCK = 16

_U64 = np.dtype("<u8")


class CipherWipedError(RuntimeError):
    """The cipher's key has been wiped (the volume was detached)."""


class XtsBackend(Protocol):
    name: str

    def run(
        self, tweaks, source: memoryview, out: memoryview, unit_bytes: int, encrypt: bool
    ) -> None:
        """XTS of the units of ``source`` (whole, non-empty) into ``out`` (writable, at
        least as long); unit ``i``'s tweak input is bytes ``16 i`` to ``16 i + 16`` of
        ``tweaks``."""

    def wipe(self) -> None:
        """Forget every copy of the key the back-end holds."""


def _unit_ivs(units: Sequence[int]):
    """The 16-byte little-endian tweak inputs of ``units`` (each in 0 .. 2**64 - 1),
    back to back."""
    if isinstance(units, range) and len(units) > 16 and units.step == 1:
        ivs = np.zeros((len(units), 2), _U64)
        np.add(np.arange(len(units), dtype=_U64), np.uint64(units.start), out=ivs[:, 0])
        return ivs
    return b"".join([number.to_bytes(16, "little") for number in units])


class XtsCipher:
    """AES-256-XTS with 4096-byte data units; the tweak of unit ``n`` is ``n`` (LE).

    The 64-byte key is copied into a ``bytearray`` that :meth:`wipe` zeroes.
    """

    UNIT = 4096

    def __init__(self, key: bytes | bytearray, *, libcrypto: bool = True) -> None:
        """``libcrypto=False`` keeps to ``cryptography`` and numpy; otherwise OpenSSL's
        libcrypto is used where it loads."""
        if len(key) != KEY_BYTES:
            raise ValueError(
                f"AES-256-XTS needs a {KEY_BYTES}-byte key (two 256-bit halves), got {len(key)}"
            )
        if key[:32] == key[32:]:
            raise ValueError(
                "AES-256-XTS key rejected: its two 256-bit halves are equal, "
                "which would make the tweak predictable (OpenSSL refuses such keys too)"
            )
        self._key: bytearray | None = bytearray(key)
        self._lock = threading.Lock()
        library = Libcrypto.get() if libcrypto else None
        self.backend: XtsBackend = (
            OpenSslXts(library, self._key) if library is not None else NumpyXts(self._key)
        )
        # Results returned as bytes are computed here first (see kmstui.ebs.scratch).
        self._output = ScratchBuffer()
        self._output_lock = threading.Lock()

    @property
    def uses_libcrypto(self) -> bool:
        """Whether units go through OpenSSL's libcrypto (else cryptography and numpy)."""
        return isinstance(self.backend, OpenSslXts)

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
        """Zero the key bytes held and let the back-end forget its copies (OpenSSL's
        contexts clear their own key schedules when freed). Any later use raises
        :class:`CipherWipedError`."""
        with self._lock:
            if self._key is None:
                return
            self._key[:] = bytes(len(self._key))
            self._key = None
            self.backend.wipe()
        with self._output_lock:
            self._output.clear()

    # -- internals -----------------------------------------------------------------------

    def _to_bytes(self, run: Callable, data, where) -> bytes:
        with self._output_lock:
            out = self._output.view(len(data))
            run(data, where, out)
            return bytes(out)

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
        self._run(_unit_ivs(units), data, out, self.UNIT, encrypt)

    def _run(self, tweaks, data, out, unit_bytes: int, encrypt: bool) -> None:
        """Check the buffers, then let the back-end run under the cipher's lock."""
        source = memoryview(data).cast("B")
        out_view = memoryview(out).cast("B")
        if len(out_view) < len(source):
            raise ValueError(f"output buffer holds {len(out_view)} bytes, need {len(source)}")
        if out_view.readonly:
            raise TypeError("the output buffer is read-only")
        with self._lock:
            if self._key is None:
                raise CipherWipedError(
                    "this XTS key has been wiped; the cipher can no longer be used"
                )
            if source:
                self.backend.run(tweaks, source, out_view[: len(source)], unit_bytes, encrypt)

    def _run_with_tweaks(self, tweaks: Sequence[bytes], data, unit_bytes: int, *, encrypt: bool):
        """Units of any whole-block length, each with a raw 16-byte tweak (test vectors)."""
        if unit_bytes % BLOCK or not 0 < unit_bytes <= self.UNIT:
            raise ValueError(f"data unit must be 1..256 whole blocks, got {unit_bytes} bytes")
        if any(len(tweak) != BLOCK for tweak in tweaks):
            raise ValueError(f"each tweak must be {BLOCK} bytes")
        if len(data) != len(tweaks) * unit_bytes:
            raise ValueError(f"{len(tweaks)} units need {len(tweaks) * unit_bytes} bytes")
        raw = b"".join(tweaks)
        return self._to_bytes(
            lambda d, t, out: self._run(t, d, out, unit_bytes, encrypt), data, raw
        )
