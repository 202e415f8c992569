"""What the server answers when the device fails under a request."""

from __future__ import annotations

import errno

from kmstui.nbd import protocol as p
from kmstui.nbd.transmission import Pending, execute


class FullDisk:
    """A device whose writes fail as a full file system does."""

    size = 1 << 20
    closed = False

    def writev(self, requests):
        raise OSError(errno.ENOSPC, "No space left on device")

    def readv(self, requests):
        raise OSError(errno.EIO, "Input/output error")

    def flush(self):
        pass


def pending(command: int, offset: int, length: int, cookie: int) -> Pending:
    data = b"x" * length if command == p.CMD_WRITE else None
    return Pending(p.Request(0, command, cookie, offset, length), data, length)


def test_a_full_disk_is_enospc_and_a_failed_read_eio_for_each_request_of_the_batch():
    batch = [
        pending(p.CMD_WRITE, 0, 512, 1),
        pending(p.CMD_WRITE, 4096, 512, 2),
        pending(p.CMD_READ, 0, 512, 3),
        pending(p.CMD_FLUSH, 0, 0, 4),
    ]
    answers = execute(FullDisk(), batch, read_only=False)
    assert [(a.request.cookie, a.error) for a in answers] == [
        (1, p.ENOSPC),
        (2, p.ENOSPC),
        (3, p.EIO),
        (4, 0),
    ]
    assert "No space left" in answers[0].message
