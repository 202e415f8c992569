"""A minimal NBD client for tests: it sends exactly what a test tells it, aligned or
not, well-formed or not, and reads the server's answers."""

from __future__ import annotations

import socket
import struct

from kmstui.nbd import protocol as p


class OptionReply:
    def __init__(self, option: int, kind: int, data: bytes):
        self.option, self.kind, self.data = option, kind, data

    @property
    def is_error(self) -> bool:
        return bool(self.kind & (1 << 31))


class Client:
    def __init__(self, address: tuple[str, int] | str, *, timeout: float = 10.0):
        family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(address)
        self.structured = False
        self.size: int | None = None
        self.flags: int | None = None

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- raw I/O ------------------------------------------------------------------------
    def recv_exactly(self, n: int) -> bytes:
        chunks, left = [], n
        while left:
            chunk = self.sock.recv(min(left, 1 << 20))
            if not chunk:
                raise ConnectionError(f"closed with {left} of {n} bytes unread")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def closed_by_server(self) -> bool:
        """True once the server has closed the connection (waits up to the timeout)."""
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False

    # -- handshake ----------------------------------------------------------------------
    def greet(self, client_flags: int = p.CLIENT_FLAG_FIXED_NEWSTYLE | p.CLIENT_FLAG_NO_ZEROES):
        magic, opt_magic, flags = struct.unpack(">QQH", self.recv_exactly(18))
        assert (magic, opt_magic) == (p.NBDMAGIC, p.IHAVEOPT)
        self.sock.sendall(struct.pack(">I", client_flags))
        return flags

    def option(self, option: int, data: bytes = b"") -> None:
        self.sock.sendall(p.OPTION_HEADER.pack(p.IHAVEOPT, option, len(data)) + data)

    def option_reply(self) -> OptionReply:
        magic, option, kind, length = p.OPTION_REPLY.unpack(self.recv_exactly(20))
        assert magic == p.OPTION_REPLY_MAGIC
        return OptionReply(option, kind, self.recv_exactly(length))

    def replies_until_final(self) -> list[OptionReply]:
        replies = []
        while True:
            reply = self.option_reply()
            replies.append(reply)
            if reply.kind == p.REP_ACK or reply.is_error:
                return replies

    def info(self, name: str = "", wanted: tuple[int, ...] = (), *, go: bool = False):
        encoded = name.encode()
        data = struct.pack(">I", len(encoded)) + encoded + struct.pack(">H", len(wanted))
        data += struct.pack(f">{len(wanted)}H", *wanted)
        self.option(p.OPT_GO if go else p.OPT_INFO, data)
        replies = self.replies_until_final()
        for reply in replies:
            if reply.kind == p.REP_INFO:
                (kind,) = struct.unpack_from(">H", reply.data)
                if kind == p.INFO_EXPORT:
                    _, self.size, self.flags = struct.unpack(">HQH", reply.data)
        return replies

    def connect(self, name: str = "", *, structured: bool = False) -> None:
        """The usual handshake: greeting, optionally structured replies, then GO."""
        self.greet()
        if structured:
            self.option(p.OPT_STRUCTURED_REPLY)
            assert self.option_reply().kind == p.REP_ACK
            self.structured = True
        replies = self.info(name, (p.INFO_BLOCK_SIZE,), go=True)
        assert replies[-1].kind == p.REP_ACK, replies[-1].data

    # -- transmission -------------------------------------------------------------------
    def send(
        self,
        command: int,
        offset: int = 0,
        length: int = 0,
        *,
        cookie: int = 1,
        flags: int = 0,
        data: bytes = b"",
    ) -> None:
        header = p.REQUEST.pack(p.REQUEST_MAGIC, flags, command, cookie, offset, length)
        self.sock.sendall(header + data)

    def reply(self, read_length: int = 0) -> tuple[int, int, bytes]:
        """(cookie, error, data) of the next reply; ``read_length`` is the data a
        simple reply to a read carries."""
        if not self.structured:
            magic, error, cookie = p.SIMPLE_REPLY.unpack(self.recv_exactly(16))
            assert magic == p.SIMPLE_REPLY_MAGIC
            data = self.recv_exactly(read_length) if read_length and not error else b""
            return cookie, error, data
        data, error = b"", 0
        while True:
            magic, flags, kind, cookie, length = p.STRUCTURED_REPLY.unpack(self.recv_exactly(20))
            assert magic == p.STRUCTURED_REPLY_MAGIC
            payload = self.recv_exactly(length)
            if kind == p.REPLY_TYPE_OFFSET_DATA:
                data += payload[8:]
            elif kind == p.REPLY_TYPE_ERROR:
                (error,) = struct.unpack_from(">I", payload)
            if flags & p.REPLY_FLAG_DONE:
                return cookie, error, data

    def read(self, offset: int, length: int, **kwargs) -> bytes:
        self.send(p.CMD_READ, offset, length, **kwargs)
        _, error, data = self.reply(length)
        assert error == 0, f"read error {error}"
        return data

    def write(self, offset: int, data: bytes, **kwargs) -> int:
        self.send(p.CMD_WRITE, offset, len(data), data=data, **kwargs)
        return self.reply()[1]

    def command(self, command: int, offset: int = 0, length: int = 0, **kwargs) -> int:
        self.send(command, offset, length, **kwargs)
        return self.reply(length if command == p.CMD_READ else 0)[1]

    def disconnect(self) -> None:
        self.send(p.CMD_DISC)
