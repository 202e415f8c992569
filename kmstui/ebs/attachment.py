"""An attachment's secret half: the plaintext data key, in memory only.

The persisted attachment record (volume, instance, device, grant) lives in the
"attachments" table; this object exists only while the engine process runs and
the volume's I/O has been needed. ``data_key`` is a ``bytearray`` so :meth:`wipe`
can overwrite it with zeros; the cipher's own copy is wiped with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kmstui.ebs.device import VolumeDevice
from kmstui.ebs.xts import XtsCipher


@dataclass(eq=False)
class Attachment:
    volume_id: str
    instance_id: str
    device_name: str
    device: VolumeDevice
    data_key: bytearray | None = field(default=None, repr=False)
    cipher: XtsCipher | None = field(default=None, repr=False)

    @property
    def key_loaded(self) -> bool:
        return self.cipher is not None and not self.cipher.wiped

    def wipe(self) -> bool:
        """Close the device (waiting for I/O in flight), then zero the data key and the
        cipher's key. True when there was a key to wipe."""
        had_key = self.data_key is not None and any(self.data_key)
        self.device.close()
        if self.cipher is not None:
            self.cipher.wipe()
        if self.data_key is not None:
            self.data_key[:] = bytes(len(self.data_key))
        return had_key
