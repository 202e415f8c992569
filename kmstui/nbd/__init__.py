"""Encrypted volumes as Network Block Devices, for qemu, nbdcopy, fio and the kernel.

:class:`NbdServer` serves :class:`Export` objects (an attached volume's device each)
over the NBD protocol (:mod:`kmstui.nbd.protocol`)."""

from kmstui.nbd.export import Export, Exports, ExportUnavailable
from kmstui.nbd.server import DEFAULT_PORT, NbdServer, is_loopback

__all__ = ["DEFAULT_PORT", "Export", "ExportUnavailable", "Exports", "NbdServer", "is_loopback"]
