"""The fixed newstyle handshake: the greeting, then the client's options until it
chooses an export (NBD_OPT_GO or NBD_OPT_EXPORT_NAME) or leaves."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kmstui.nbd import protocol as p
from kmstui.nbd.export import Device, Export, Exports, ExportUnavailable


@dataclass
class Negotiated:
    """What the handshake settled: the export, its device, and the reply form."""

    export: Export
    device: Device
    structured_replies: bool
    block_status: bool = False  # base:allocation was chosen for this export


async def negotiate(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    exports: Exports,
    open_device: Callable[[Export], Awaitable[Device]],
) -> Negotiated | None:
    """Run the handshake; None when the client aborted or ended it (the caller closes).
    ProtocolError when the client broke the protocol."""
    writer.write(p.GREETING)
    await writer.drain()
    (client_flags,) = struct.unpack(">I", await reader.readexactly(4))
    if client_flags & ~p.KNOWN_CLIENT_FLAGS or not client_flags & p.CLIENT_FLAG_FIXED_NEWSTYLE:
        raise p.ProtocolError(f"unsupported client flags {client_flags:#x}")
    no_zeroes = bool(client_flags & p.CLIENT_FLAG_NO_ZEROES)
    structured = False
    allocation_for: str | None = None  # the export base:allocation was set for

    def reply(option: int, kind: int, data: bytes = b"") -> None:
        writer.write(p.option_reply(option, kind, data))

    def refuse(option: int, kind: int, message: str) -> None:
        reply(option, kind, message.encode("utf-8"))

    while True:
        magic, option, length = p.OPTION_HEADER.unpack(await reader.readexactly(16))
        if magic != p.IHAVEOPT:
            raise p.ProtocolError(f"bad option magic {magic:#x}")
        if length > p.MAX_OPTION_LENGTH:
            raise p.ProtocolError(f"option {option} carries {length} bytes")
        data = await reader.readexactly(length)

        if option == p.OPT_EXPORT_NAME:
            export = exports.find(data.decode("utf-8", "replace"))
            if export is None:
                return None  # the protocol's only answer to an unknown name here
            try:
                device = await open_device(export)
            except ExportUnavailable:
                return None
            writer.write(struct.pack(">QH", device.size, export.transmission_flags))
            if not no_zeroes:
                writer.write(bytes(124))
            await writer.drain()
            return Negotiated(export, device, structured_replies=False)

        if option == p.OPT_ABORT:
            reply(option, p.REP_ACK)
            await writer.drain()
            return None

        if option == p.OPT_LIST:
            if length:
                refuse(option, p.REP_ERR_INVALID, "NBD_OPT_LIST takes no data")
            else:
                for export in exports:
                    reply(option, p.REP_SERVER, p.server_entry(export.name))
                reply(option, p.REP_ACK)

        elif option in (p.OPT_INFO, p.OPT_GO):
            request = _parse_info_request(data)
            if request is None:
                refuse(option, p.REP_ERR_INVALID, "malformed NBD_OPT_INFO/GO request")
                await writer.drain()
                continue
            name, wanted = request
            export = exports.find(name)
            if export is None:
                refuse(option, p.REP_ERR_UNKNOWN, f"no export named {name!r}")
                await writer.drain()
                continue
            try:
                device = await open_device(export)
            except ExportUnavailable as exc:
                refuse(option, p.REP_ERR_UNKNOWN, str(exc))
                await writer.drain()
                continue
            reply(option, p.REP_INFO, p.info_export(device.size, export.transmission_flags))
            reply(
                option,
                p.REP_INFO,
                p.info_block_size(p.MIN_BLOCK, p.PREFERRED_BLOCK, p.MAX_BLOCK),
            )
            if p.INFO_NAME in wanted:
                reply(option, p.REP_INFO, p.info_text(p.INFO_NAME, export.name))
            if p.INFO_DESCRIPTION in wanted:
                reply(option, p.REP_INFO, p.info_text(p.INFO_DESCRIPTION, export.description))
            reply(option, p.REP_ACK)
            if option == p.OPT_GO:
                await writer.drain()
                return Negotiated(
                    export,
                    device,
                    structured_replies=structured,
                    block_status=allocation_for == export.name,
                )

        elif option == p.OPT_STRUCTURED_REPLY:
            if length:
                refuse(option, p.REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data")
            else:
                structured = True
                reply(option, p.REP_ACK)

        elif option in (p.OPT_LIST_META_CONTEXT, p.OPT_SET_META_CONTEXT):
            meta_request = _parse_meta_request(data)
            if meta_request is None:
                refuse(option, p.REP_ERR_INVALID, "malformed meta context request")
            elif option == p.OPT_SET_META_CONTEXT and not structured:
                refuse(option, p.REP_ERR_INVALID, "negotiate structured replies first")
            elif (export := exports.find(meta_request[0])) is None:
                refuse(option, p.REP_ERR_UNKNOWN, f"no export named {meta_request[0]!r}")
            else:
                queries = meta_request[1]
                chosen = _base_allocation_matches(
                    queries, listing=option == p.OPT_LIST_META_CONTEXT
                )
                if chosen:
                    reply(
                        option,
                        p.REP_META_CONTEXT,
                        p.meta_context(p.BASE_ALLOCATION_ID, p.BASE_ALLOCATION),
                    )
                if option == p.OPT_SET_META_CONTEXT:
                    allocation_for = export.name if chosen else None
                reply(option, p.REP_ACK)

        elif option == p.OPT_STARTTLS:
            refuse(option, p.REP_ERR_UNSUP, "TLS is not offered: use a Unix socket or loopback")

        else:
            refuse(option, p.REP_ERR_UNSUP, f"option {option} is not supported")
        await writer.drain()


def _parse_info_request(data: bytes) -> tuple[str, set[int]] | None:
    """(export name, info types requested) of an NBD_OPT_INFO/GO, or None if malformed."""
    if len(data) < 6:
        return None
    (name_length,) = struct.unpack_from(">I", data, 0)
    if name_length > p.MAX_EXPORT_NAME or 4 + name_length + 2 > len(data):
        return None
    name = data[4 : 4 + name_length].decode("utf-8", "replace")
    (count,) = struct.unpack_from(">H", data, 4 + name_length)
    rest = data[6 + name_length :]
    if len(rest) != 2 * count:
        return None
    return name, set(struct.unpack(f">{count}H", rest))


def _parse_meta_request(data: bytes) -> tuple[str, list[str]] | None:
    """(export name, queries) of a LIST/SET_META_CONTEXT, or None if malformed."""
    try:
        (name_length,) = struct.unpack_from(">I", data, 0)
        if name_length > p.MAX_EXPORT_NAME:
            return None
        name = data[4 : 4 + name_length].decode("utf-8")
        position = 4 + name_length
        (count,) = struct.unpack_from(">I", data, position)
        position += 4
        queries = []
        for _ in range(count):
            (length,) = struct.unpack_from(">I", data, position)
            position += 4
            query = data[position : position + length]
            if len(query) != length:
                return None
            queries.append(query.decode("utf-8"))
            position += length
    except (struct.error, UnicodeDecodeError):
        return None
    return (name, queries) if position == len(data) else None


def _base_allocation_matches(queries: list[str], *, listing: bool) -> bool:
    """Whether the queries name base:allocation: exactly, or (when listing) by its
    namespace "base:" or with no query at all."""
    if listing and not queries:
        return True
    return any(q == p.BASE_ALLOCATION or (listing and q == "base:") for q in queries)
