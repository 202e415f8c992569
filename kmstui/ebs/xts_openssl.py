"""The AES-256-XTS back-end on the system's OpenSSL ``libcrypto`` (Linux), through
cffi's ABI mode (cffi comes with ``cryptography``; its calls cost less than
``ctypes``').

One XTS context per direction is keyed once; each unit then costs two calls, one
that sets only the IV (the unit's tweak input; the key schedules are kept) and one
``EVP_CipherUpdate`` of the unit, which runs OpenSSL's AES-NI XTS, the code
``openssl speed`` measures. The library is used only after a known-answer test
against ``cryptography``'s XTS (two units, both directions); freeing a context
clears its key schedules.
"""

from __future__ import annotations

import sys
import threading
import weakref

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16

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


class Libcrypto:
    """The few EVP functions of OpenSSL's libcrypto the XTS path needs (OpenSSL >= 1.1.1)."""

    _lock = threading.Lock()
    _loaded = False
    _instance: Libcrypto | None = None
    #: Shared-library names tried, in order.
    NAMES = ("libcrypto.so.3", "libcrypto.so.1.1")

    def __init__(self, ffi, lib) -> None:
        if lib.OpenSSL_version_num() < 0x1010100F:
            raise OSError("libcrypto older than OpenSSL 1.1.1")
        self.ffi = ffi
        self.lib = lib
        self.null = ffi.NULL

    @classmethod
    def get(cls) -> Libcrypto | None:
        """The library, or None where it cannot be loaded or fails its self-test."""
        if not cls._loaded:
            with cls._lock:
                if not cls._loaded:
                    cls._instance = cls._load()
                    cls._loaded = True
        return cls._instance

    @classmethod
    def _load(cls) -> Libcrypto | None:
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


class OpenSslXts:
    """The back-end: one keyed context per direction over ``key`` (a bytearray the
    cipher owns and wipes)."""

    name = "OpenSSL libcrypto (cffi)"

    def __init__(self, library: Libcrypto, key: bytearray) -> None:
        self._library = library
        self._written = library.ffi.new("int *")  # EVP_CipherUpdate's output length
        self.contexts: list = []
        self._free = weakref.finalize(self, library.free, self.contexts)
        self.contexts += [
            library.context(key, encrypt=True),
            library.context(key, encrypt=False),
        ]

    def run(self, tweaks, source: memoryview, out: memoryview, unit_bytes: int, encrypt: bool):
        """XTS of the units of ``source`` into ``out``; unit ``i``'s tweak input is bytes
        ``16 i`` to ``16 i + 16`` of ``tweaks``."""
        context = self.contexts[0 if encrypt else 1]
        self._library.run(context, tweaks, source, out, unit_bytes, self._written)

    def wipe(self) -> None:
        """Free the contexts: OpenSSL clears their key schedules."""
        self._free()
