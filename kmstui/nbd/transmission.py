"""The transmission phase: requests in, replies out, pipelined and batched.

One task reads requests as fast as the client sends them (a write's data with it) and
queues them, within a bound on the bytes held; another takes everything queued, runs it
on the device in a worker thread and answers. Consecutive reads become one ``readv`` and
consecutive writes one ``writev``, so requests in flight together are encrypted or
decrypted as one batch of XTS units. Requests are answered in the order they came.

A request the protocol allows but this export cannot honour gets the protocol's error
(EINVAL, EPERM, ENOSPC ...); a client that breaks the protocol, or a write larger than
the advertised maximum block size, ends the connection. When the device closes (the
volume was detached and its data key wiped), the connection ends too.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from kmstui.errors import AwsError
from kmstui.nbd import protocol as p
from kmstui.nbd.export import Device

# Bytes of requests read but not yet answered, per connection: enough for a deep queue
# of large requests, bounded so that a client cannot make the server hold more.
IN_FLIGHT_BYTES = 4 * p.MAX_BLOCK
MAX_BATCH = 256
# Large requests gain nothing from sharing a device call and would wait for each other's
# answers: a batch stops growing at this many bytes.
MAX_BATCH_BYTES = 4 * 1024 * 1024
_ZERO_CHUNK = 4 * 1024 * 1024
_WRITES = (p.CMD_WRITE, p.CMD_TRIM, p.CMD_WRITE_ZEROES)


class Detached(Exception):
    """The device closed under the connection: its volume is no longer attached."""


@dataclass(slots=True)
class Pending:
    request: p.Request
    data: bytes | None  # a write's payload
    cost: int  # bytes it holds in the in-flight budget


@dataclass(slots=True)
class Answer:
    request: p.Request
    error: int = 0
    data: bytes | None = None  # a read's data
    message: str = ""
    runs: list[tuple[int, bool]] | None = None  # a block status: (length, is_hole)


class ByteBudget:
    """Admits work while the bytes it holds stay under a limit (one item always fits)."""

    def __init__(self, limit: int):
        self._limit = limit
        self._used = 0
        self._changed = asyncio.Condition()

    async def acquire(self, amount: int) -> None:
        async with self._changed:
            await self._changed.wait_for(
                lambda: self._used == 0 or self._used + amount <= self._limit
            )
            self._used += amount

    async def release(self, amount: int) -> None:
        async with self._changed:
            self._used -= amount
            self._changed.notify_all()


async def transmit(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    device: Device,
    *,
    read_only: bool,
    structured: bool,
    block_status: bool = False,
    run_blocking: Callable[..., Awaitable[Any]],
) -> None:
    """Serve requests on ``device`` until the client disconnects, breaks the protocol,
    or the device closes."""
    queue: asyncio.Queue[Pending | None] = asyncio.Queue()
    budget = ByteBudget(IN_FLIGHT_BYTES)
    reading = asyncio.create_task(_read_requests(reader, queue, budget))
    try:
        while True:
            first = await queue.get()
            if first is None:
                break
            batch, last = [first], False
            held = first.request.length
            while len(batch) < MAX_BATCH and held < MAX_BATCH_BYTES and not queue.empty():
                item = queue.get_nowait()
                if item is None:
                    last = True
                    break
                batch.append(item)
                held += item.request.length
            answers = await run_blocking(execute, device, batch, read_only, block_status)
            for answer in answers:
                _send(writer, answer, structured)
            await writer.drain()
            await budget.release(sum(item.cost for item in batch))
            if last:
                break
    finally:
        reading.cancel()
        try:
            await reading
        except (asyncio.CancelledError, Exception):
            pass


async def _read_requests(
    reader: asyncio.StreamReader, queue: asyncio.Queue, budget: ByteBudget
) -> None:
    """Queue each request (None at the end: a disconnect request, the client gone, or a
    protocol error)."""
    try:
        while True:
            request = p.Request.parse(await reader.readexactly(p.REQUEST.size))
            if request.command == p.CMD_DISC:
                break
            data, cost = None, 0
            if request.command == p.CMD_WRITE:
                if request.length > p.MAX_BLOCK:
                    raise p.ProtocolError(f"a write of {request.length} bytes")
                cost = request.length
                await budget.acquire(cost)
                data = await reader.readexactly(request.length)
            elif request.command == p.CMD_READ:
                cost = min(request.length, p.MAX_BLOCK)  # an oversized read is refused
                await budget.acquire(cost)
            queue.put_nowait(Pending(request, data, cost))
    except (asyncio.IncompleteReadError, ConnectionError, p.ProtocolError):
        pass
    finally:
        queue.put_nowait(None)


def _send(writer: asyncio.StreamWriter, answer: Answer, structured: bool) -> None:
    request = answer.request
    cookie = request.cookie
    if not structured:
        writer.write(p.simple_reply(cookie, answer.error))
        if not answer.error and answer.data:
            writer.write(answer.data)
        return
    if answer.error:
        writer.write(p.structured_error(cookie, answer.error, answer.message))
    elif answer.runs is not None:
        writer.write(p.block_status(cookie, p.BASE_ALLOCATION_ID, answer.runs))
    elif answer.data:
        writer.write(p.structured_data_header(cookie, request.offset, len(answer.data)))
        writer.write(answer.data)
    else:
        writer.write(p.structured_done(cookie))


# -- on the device (in a worker thread) -------------------------------------------------
def refusal(
    request: p.Request, size: int, read_only: bool, block_status: bool = False
) -> tuple[int, str] | None:
    """The error a request gets before it reaches the device, if any."""
    command, end = request.command, request.offset + request.length
    if command == p.CMD_BLOCK_STATUS and block_status:
        if not request.length or end > size:
            return p.EINVAL, f"block status of [{request.offset}, {end}) on {size} bytes"
        return None
    if command in _WRITES or command == p.CMD_WRITE:
        if read_only:
            return p.EPERM, "the export is read-only"
        if end > size:
            return p.ENOSPC, f"the request ends at {end}, past the device's {size} bytes"
        return None
    if command == p.CMD_READ:
        if request.length > p.MAX_BLOCK:
            return p.EINVAL, f"a read of {request.length} bytes exceeds {p.MAX_BLOCK}"
        if end > size:
            return p.EINVAL, f"the request ends at {end}, past the device's {size} bytes"
        return None
    if command in (p.CMD_FLUSH, p.CMD_CACHE):
        return None
    return p.EINVAL, f"command {command} is not supported"


def execute(
    device: Device, batch: list[Pending], read_only: bool, block_status: bool = False
) -> list[Answer]:
    """Run a batch in order: runs of reads and runs of writes each go to the device as
    one vectored call. Raises Detached when the device has closed."""
    answers: list[Answer] = []
    index = 0
    while index < len(batch):
        request = batch[index].request
        refused = refusal(request, device.size, read_only, block_status)
        if refused is not None:
            answers.append(Answer(request, refused[0], message=refused[1]))
            index += 1
            continue
        if request.command in (p.CMD_READ, p.CMD_WRITE):
            run = _run_of(batch, index, request.command, device.size, read_only)
            answers.extend(_guarded(device, _vectored, device, run))
            index += len(run)
            continue
        answers.extend(_guarded(device, _single, device, batch[index]))
        index += 1
    return answers


def _run_of(
    batch: list[Pending], start: int, command: int, size: int, read_only: bool
) -> list[Pending]:
    run = []
    for item in batch[start:]:
        if item.request.command != command or refusal(item.request, size, read_only):
            break
        run.append(item)
    return run


def _vectored(device: Device, run: list[Pending]) -> list[Answer]:
    first = run[0].request
    if first.command == p.CMD_READ:
        wanted = [(i.request.offset, i.request.length) for i in run if i.request.length]
        datas = iter(device.readv(wanted) if wanted else [])
        return [Answer(i.request, data=next(datas) if i.request.length else b"") for i in run]
    writes = [(i.request.offset, i.data) for i in run if i.request.length and i.data is not None]
    if writes:
        device.writev(writes)
    if any(i.request.flags & p.CMD_FLAG_FUA for i in run):
        device.flush()
    return [Answer(i.request) for i in run]


def _single(device: Device, item: Pending) -> list[Answer]:
    request = item.request
    command = request.command
    if command == p.CMD_BLOCK_STATUS:
        runs = _clip32(device.allocation(request.offset, request.length))
        return [Answer(request, runs=runs[:1] if request.flags & p.CMD_FLAG_REQ_ONE else runs)]
    if command == p.CMD_FLUSH:
        device.flush()
    elif command == p.CMD_TRIM:
        if request.length:
            device.trim(request.offset, request.length)
    elif command == p.CMD_WRITE_ZEROES:
        if request.flags & p.CMD_FLAG_NO_HOLE:
            _write_zeros(device, request.offset, request.length)
        elif request.length:
            device.trim(request.offset, request.length)  # holes, which read as zeros
    # NBD_CMD_CACHE is a hint: nothing to prefetch, the answer is success.
    if command in _WRITES and request.flags & p.CMD_FLAG_FUA:
        device.flush()
    return [Answer(request)]


def _clip32(runs: list[tuple[int, bool]]) -> list[tuple[int, bool]]:
    """Runs no longer than a descriptor's 32-bit length field can say."""
    limit = (1 << 32) - p.PREFERRED_BLOCK
    out = []
    for length, hole in runs:
        while length > limit:
            out.append((limit, hole))
            length -= limit
        out.append((length, hole))
    return out


def _write_zeros(device: Device, offset: int, length: int) -> None:
    """Encrypted zeros, written in bounded chunks (a request may name 4 GiB)."""
    end = offset + length
    while offset < end:
        step = min(_ZERO_CHUNK, end - offset)
        device.write(offset, bytes(step))
        offset += step


def _guarded(device: Device, action: Callable[..., list[Answer]], *args: Any) -> list[Answer]:
    run = args[-1]
    items = run if isinstance(run, list) else [run]
    try:
        return action(*args)
    except AwsError as exc:
        if device.closed:
            raise Detached(exc.message) from None
        return [Answer(i.request, p.EIO, message=exc.message) for i in items]
    except OSError as exc:
        code = p.ENOSPC if exc.errno in (errno.ENOSPC, errno.EDQUOT) else p.EIO
        return [Answer(i.request, code, message=exc.strerror or "I/O error") for i in items]
    except ValueError as exc:
        if device.closed:
            raise Detached(str(exc)) from None
        return [Answer(i.request, p.EINVAL, message=str(exc)) for i in items]
