"""The Network Block Device protocol's numbers and wire structures.

Only what a server speaks: the fixed newstyle handshake (the server's greeting, the
client's options and the server's option replies), the transmission requests and the
two reply forms (simple, and structured where the client asks for it). Every integer on
the wire is big-endian. Names follow the protocol's specification.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# -- handshake --------------------------------------------------------------------------
NBDMAGIC = 0x4E42444D41474943  # "NBDMAGIC"
IHAVEOPT = 0x49484156454F5054  # "IHAVEOPT"
OPTION_REPLY_MAGIC = 0x3E889045565A9

FLAG_FIXED_NEWSTYLE = 1 << 0
FLAG_NO_ZEROES = 1 << 1
CLIENT_FLAG_FIXED_NEWSTYLE = 1 << 0
CLIENT_FLAG_NO_ZEROES = 1 << 1
KNOWN_CLIENT_FLAGS = CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES

OPT_EXPORT_NAME = 1
OPT_ABORT = 2
OPT_LIST = 3
OPT_STARTTLS = 5
OPT_INFO = 6
OPT_GO = 7
OPT_STRUCTURED_REPLY = 8
OPT_LIST_META_CONTEXT = 9
OPT_SET_META_CONTEXT = 10
OPT_EXTENDED_HEADERS = 11

REP_ACK = 1
REP_SERVER = 2
REP_INFO = 3
REP_META_CONTEXT = 4
_REP_ERROR = 1 << 31
REP_ERR_UNSUP = _REP_ERROR | 1
REP_ERR_POLICY = _REP_ERROR | 2
REP_ERR_INVALID = _REP_ERROR | 3
REP_ERR_PLATFORM = _REP_ERROR | 4
REP_ERR_TLS_REQD = _REP_ERROR | 5
REP_ERR_UNKNOWN = _REP_ERROR | 6
REP_ERR_SHUTDOWN = _REP_ERROR | 7
REP_ERR_TOO_BIG = _REP_ERROR | 9

INFO_EXPORT = 0
INFO_NAME = 1
INFO_DESCRIPTION = 2
INFO_BLOCK_SIZE = 3

# -- transmission -----------------------------------------------------------------------
TFLAG_HAS_FLAGS = 1 << 0
TFLAG_READ_ONLY = 1 << 1
TFLAG_SEND_FLUSH = 1 << 2
TFLAG_SEND_FUA = 1 << 3
TFLAG_SEND_TRIM = 1 << 5
TFLAG_SEND_WRITE_ZEROES = 1 << 6
TFLAG_SEND_DF = 1 << 7
TFLAG_CAN_MULTI_CONN = 1 << 8

REQUEST_MAGIC = 0x25609513
SIMPLE_REPLY_MAGIC = 0x67446698
STRUCTURED_REPLY_MAGIC = 0x668E33EF

CMD_READ = 0
CMD_WRITE = 1
CMD_DISC = 2
CMD_FLUSH = 3
CMD_TRIM = 4
CMD_CACHE = 5
CMD_WRITE_ZEROES = 6
CMD_BLOCK_STATUS = 7
COMMAND_NAMES = {
    CMD_READ: "READ",
    CMD_WRITE: "WRITE",
    CMD_DISC: "DISC",
    CMD_FLUSH: "FLUSH",
    CMD_TRIM: "TRIM",
    CMD_CACHE: "CACHE",
    CMD_WRITE_ZEROES: "WRITE_ZEROES",
    CMD_BLOCK_STATUS: "BLOCK_STATUS",
}

CMD_FLAG_FUA = 1 << 0
CMD_FLAG_NO_HOLE = 1 << 1
CMD_FLAG_DF = 1 << 2
CMD_FLAG_REQ_ONE = 1 << 3

REPLY_FLAG_DONE = 1 << 0
REPLY_TYPE_NONE = 0
REPLY_TYPE_OFFSET_DATA = 1
REPLY_TYPE_BLOCK_STATUS = 5
REPLY_TYPE_ERROR = (1 << 15) | 1

# The one metadata context served: which ranges are holes (and so read as zeros).
BASE_ALLOCATION = "base:allocation"
BASE_ALLOCATION_ID = 1
STATE_HOLE = 1 << 0
STATE_ZERO = 1 << 1

# Errors, by their Linux errno values as the protocol requires.
EPERM = 1
EIO = 5
ENOMEM = 12
EINVAL = 22
ENOSPC = 28
EOVERFLOW = 75
ENOTSUP = 95
ESHUTDOWN = 108

# -- the block sizes this server advertises ----------------------------------------------
MIN_BLOCK = 512
PREFERRED_BLOCK = 4096
MAX_BLOCK = 32 * 1024 * 1024

# An option's data is small (a name and a few info requests); anything longer than this
# is not a client speaking the protocol.
MAX_OPTION_LENGTH = 64 * 1024
MAX_EXPORT_NAME = 4096

GREETING = struct.pack(">QQH", NBDMAGIC, IHAVEOPT, FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)
OPTION_HEADER = struct.Struct(">QII")  # IHAVEOPT, option, length
OPTION_REPLY = struct.Struct(">QIII")  # magic, option, reply type, length
REQUEST = struct.Struct(">IHHQQI")  # magic, flags, type, cookie, offset, length
SIMPLE_REPLY = struct.Struct(">IIQ")  # magic, error, cookie
STRUCTURED_REPLY = struct.Struct(">IHHQI")  # magic, flags, type, cookie, payload length


class ProtocolError(Exception):
    """The peer broke the protocol; the connection ends."""


@dataclass(frozen=True, slots=True)
class Request:
    flags: int
    command: int
    cookie: int
    offset: int
    length: int

    @classmethod
    def parse(cls, header: bytes) -> Request:
        magic, flags, command, cookie, offset, length = REQUEST.unpack(header)
        if magic != REQUEST_MAGIC:
            raise ProtocolError(f"bad request magic {magic:#x}")
        return cls(flags, command, cookie, offset, length)


def option_reply(option: int, reply: int, data: bytes = b"") -> bytes:
    return OPTION_REPLY.pack(OPTION_REPLY_MAGIC, option, reply, len(data)) + data


def info_export(size: int, transmission_flags: int) -> bytes:
    return struct.pack(">HQH", INFO_EXPORT, size, transmission_flags)


def info_block_size(minimum: int, preferred: int, maximum: int) -> bytes:
    return struct.pack(">HIII", INFO_BLOCK_SIZE, minimum, preferred, maximum)


def info_text(kind: int, text: str) -> bytes:
    return struct.pack(">H", kind) + text.encode("utf-8")


def server_entry(name: str) -> bytes:
    """An NBD_REP_SERVER reply's data: the export name, length-prefixed."""
    encoded = name.encode("utf-8")
    return struct.pack(">I", len(encoded)) + encoded


def meta_context(context_id: int, name: str) -> bytes:
    return struct.pack(">I", context_id) + name.encode("utf-8")


def block_status(cookie: int, context_id: int, runs: list[tuple[int, bool]]) -> bytes:
    """A final BLOCK_STATUS chunk describing ``runs`` of ``(length, is_hole)``."""
    payload = struct.pack(">I", context_id) + b"".join(
        struct.pack(">II", length, STATE_HOLE | STATE_ZERO if hole else 0) for length, hole in runs
    )
    return structured_header(cookie, REPLY_TYPE_BLOCK_STATUS, len(payload)) + payload


def simple_reply(cookie: int, error: int = 0) -> bytes:
    return SIMPLE_REPLY.pack(SIMPLE_REPLY_MAGIC, error, cookie)


def structured_header(cookie: int, kind: int, length: int, *, done: bool = True) -> bytes:
    flags = REPLY_FLAG_DONE if done else 0
    return STRUCTURED_REPLY.pack(STRUCTURED_REPLY_MAGIC, flags, kind, cookie, length)


def structured_data_header(cookie: int, offset: int, length: int) -> bytes:
    """The header of a final OFFSET_DATA chunk; ``length`` bytes of data follow it."""
    return structured_header(cookie, REPLY_TYPE_OFFSET_DATA, 8 + length) + struct.pack(">Q", offset)


def structured_error(cookie: int, error: int, message: str = "") -> bytes:
    text = message.encode("utf-8")[:4096]
    payload = struct.pack(">IH", error, len(text)) + text
    return structured_header(cookie, REPLY_TYPE_ERROR, len(payload)) + payload


def structured_done(cookie: int) -> bytes:
    return structured_header(cookie, REPLY_TYPE_NONE, 0)
