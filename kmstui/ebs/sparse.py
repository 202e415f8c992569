"""Deallocating a byte range of a sparse file (``fallocate`` with ``PUNCH_HOLE``).

The standard library can allocate (``os.posix_fallocate``) but not deallocate, so
Linux's ``fallocate(2)`` is called through ``ctypes``. Where that is unavailable
(another OS, a file system without hole punching) :func:`punch_hole` says so and
the caller writes zeros instead, which read back the same.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import sys

__all__ = ["punch_hole"]

_FALLOC_FL_KEEP_SIZE = 0x01
_FALLOC_FL_PUNCH_HOLE = 0x02


def _load_fallocate():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fallocate = libc.fallocate
    except (OSError, AttributeError):
        return None
    fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    fallocate.restype = ctypes.c_int
    return fallocate


_fallocate = _load_fallocate()


def punch_hole(fd: int, offset: int, length: int) -> bool:
    """Deallocate ``length`` bytes at ``offset``, keeping the file size.

    Returns False when the platform or file system cannot punch holes; the range
    is then untouched. Other I/O errors raise ``OSError``.
    """
    if length <= 0:
        return True
    if _fallocate is None:
        return False
    mode = _FALLOC_FL_PUNCH_HOLE | _FALLOC_FL_KEEP_SIZE
    if _fallocate(fd, mode, offset, length) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EOPNOTSUPP, errno.ENOSYS):
        return False
    raise OSError(code, os.strerror(code))
