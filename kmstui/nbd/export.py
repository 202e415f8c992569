"""What an NBD export serves: one attached volume's device, found by export name.

The device is the attachment's (:meth:`kmstui.ebs.Ec2Service.volume_device`), so an
export reads and writes through the volume's data key, its rate limit and its metrics,
and the data key is decrypted through KMS under the same policy check as any attach.
When the volume is detached, its instance stopped or the key wiped, the device closes
and so does every connection to it; a client that connects again gets the device of the
volume's next attachment, or an error saying why there is none.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from kmstui.errors import AwsError
from kmstui.nbd import protocol as p

if TYPE_CHECKING:
    from kmstui.ebs.service import Ec2Service


class Device(Protocol):
    """What the server asks of an export's device (a volume's
    :class:`~kmstui.ebs.device.VolumeDevice`)."""

    @property
    def size(self) -> int: ...

    @property
    def closed(self) -> bool: ...

    def readv(self, requests: Sequence[tuple[int, int]]) -> list[bytes]: ...

    def writev(self, requests: Sequence[tuple[int, bytes]]) -> None: ...

    def write(self, offset: int, data: bytes) -> None: ...

    def trim(self, offset: int, length: int) -> None: ...

    def flush(self) -> None: ...

    def allocation(self, offset: int, length: int) -> list[tuple[int, bool]]: ...


class ExportUnavailable(Exception):
    """The export's volume has no usable device now; the message says why."""


class Export:
    """A volume exported over NBD under its volume id (and as the default export "")."""

    def __init__(
        self,
        volume_id: str,
        open_device: Callable[[], Device],
        *,
        read_only: bool = False,
        description: str = "",
    ):
        self.name = volume_id
        self.read_only = read_only
        self.description = description or f"kmstui encrypted volume {volume_id}"
        self._open_device = open_device
        self._device: Device | None = None
        self._lock = threading.Lock()

    def device(self) -> Device:
        """The volume's open device, opened again if the last one closed (blocking:
        it may take the engine lock and call KMS). ExportUnavailable if it cannot be."""
        with self._lock:
            if self._device is not None and not self._device.closed:
                return self._device
            try:
                self._device = self._open_device()
            except AwsError as exc:
                raise ExportUnavailable(f"{exc.code}: {exc.message}") from None
            return self._device

    @property
    def transmission_flags(self) -> int:
        flags = (
            p.TFLAG_HAS_FLAGS
            | p.TFLAG_SEND_FLUSH
            | p.TFLAG_SEND_FUA
            | p.TFLAG_SEND_DF
            | p.TFLAG_CAN_MULTI_CONN
        )
        if self.read_only:
            return flags | p.TFLAG_READ_ONLY
        return flags | p.TFLAG_SEND_TRIM | p.TFLAG_SEND_WRITE_ZEROES


class Exports:
    """The exports one server offers, by name; "" names the first (the default)."""

    def __init__(self, exports: list[Export]):
        if not exports:
            raise ValueError("an NBD server needs at least one export")
        self._by_name = {export.name: export for export in exports}
        self.default = exports[0]

    def __iter__(self) -> Iterator[Export]:
        return iter(self._by_name.values())

    def find(self, name: str) -> Export | None:
        if name == "":
            return self.default
        return self._by_name.get(name)


def volume_export(ec2: Ec2Service, volume_id: str, *, read_only: bool = False) -> Export:
    """The export of an attached volume of ``ec2`` (the engine's EC2 service). Opening
    its device now checks that the volume is attached and its data key can be had:
    ExportUnavailable with the EC2 or KMS error otherwise."""
    export = Export(volume_id, lambda: ec2.volume_device(volume_id), read_only=read_only)
    export.device()
    return export
