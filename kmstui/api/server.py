"""The endpoint: KMS over AWS JSON 1.1 (``POST /`` with
``X-Amz-Target: TrentService.<Operation>``), and STS, IAM and EC2 over their Query
protocols (a form-encoded ``POST /`` with ``Action=``, see :mod:`kmstui.api.queryservices`).

A thin translation layer: the request is authenticated (SigV4 against the engine's
IAM access keys), its JSON decoded (base64 blobs become bytes), the operation run by
``engine.call`` and the answer encoded back, or the error returned as
``{"__type": ..., "message": ...}`` with AWS's status, which is what botocore parses.

``POST /_kmstui/reset`` (and moto's ``/moto-api/reset``) empties every account when the
endpoint accepts any credentials (:mod:`kmstui.api.reset`).

Engine calls are synchronous and hold the engine lock, so each request's work runs in
a small thread pool; the event loop (and a console sharing it) never waits on it.

- :func:`create_server` builds aiohttp's low-level server with the endpoint's handler
  (``kmstui.api.wire`` makes the answers the HTTP layer gives on its own AWS-shaped).
- :class:`EndpointServer` serves it from inside an existing event loop.
- :class:`ServerThread` runs one in a thread of its own (tests, benchmarks).

Request bodies, signatures and secrets are never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from aiohttp import web

from kmstui.api import xml as xmlwire
from kmstui.api.auth import Authenticator, RequestParts
from kmstui.api.query import is_form
from kmstui.api.queryservices import QueryServices
from kmstui.api.reset import is_reset, reset
from kmstui.api.wire import (
    INTERNAL_ERROR,
    AwsServer,
    aws_error,
    aws_response,
    error_body,
)
from kmstui.errors import (
    AwsError,
    KMSInternalException,
    SerializationException,
    UnknownOperationException,
)
from kmstui.kms import OPERATIONS as KMS_OPERATIONS
from kmstui.protocol import decode_request, encode_response, parse_request

if TYPE_CHECKING:
    from kmstui.engine import Engine

log = logging.getLogger("kmstui.api")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4599
TARGET_PREFIX = "TrentService."
JSON_CONTENT_TYPES = (
    "application/x-amz-json-1.1",
    "application/x-amz-json-1.0",
    "application/json",
)
MAX_BODY_BYTES = 1024 * 1024
BODY_TIMEOUT = 30.0
KEEPALIVE_TIMEOUT = 15.0
SHUTDOWN_TIMEOUT = 5.0  # how long stop() lets requests under way finish
LINGERING_TIME = 5.0  # how long the rest of a refused body is read before closing
WORKERS = 4


class Endpoint:
    """The state one application's handler needs."""

    def __init__(
        self,
        engine: Engine,
        *,
        allow_any_credentials: bool,
        account_id: str | None,
        executor: ThreadPoolExecutor | None,
        wall_clock: Callable[[], float],
        max_body: int,
        body_timeout: float,
    ):
        self.engine = engine
        self.auth = Authenticator(
            engine,
            allow_any_credentials=allow_any_credentials,
            account_id=account_id,
            wall_clock=wall_clock,
        )
        self.own_executor = executor is None
        self.executor = executor or ThreadPoolExecutor(WORKERS, thread_name_prefix="kmstui-api")
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.operations = frozenset(KMS_OPERATIONS)
        self.query = QueryServices(engine, self.auth)

    def is_query(self, parts: RequestParts, target: str | None) -> bool:
        """A form-encoded request without X-Amz-Target is for a Query service."""
        return (
            target is None
            and is_form(parts.header.get("content-type"))
            and not is_reset(parts.raw_path)
        )

    async def close(self) -> None:
        """Shut down the thread pool if it is this endpoint's own (calls under way
        finish; the event loop does not wait on them)."""
        if self.own_executor:
            await asyncio.get_running_loop().run_in_executor(None, self.executor.shutdown)

    # -- the part that runs in the thread pool --------------------------------------
    def process(self, parts: RequestParts, target: str | None) -> tuple[int, bytes, str, str]:
        """(status, body, error code or "", operation) for one request."""
        operation = "-"
        try:
            if is_reset(parts.raw_path):
                operation = "reset"
                allowed = self.auth.allow_any_credentials
                return 200, reset(self.engine, allowed=allowed), "", operation
            check_content_type(parts.header.get("content-type"))
            caller = self.auth.caller_for(parts)
            operation = operation_of(target, self.operations)
            params = parse_body(parts.body)
            result = self.engine.call(operation, decode_request(params), caller=caller)
            body = json.dumps(
                encode_response(result), separators=(",", ":"), ensure_ascii=False
            ).encode("utf-8")
            return 200, body, "", operation
        except AwsError as exc:
            return exc.status, error_body(exc.code, exc.message), exc.code, operation
        except Exception:
            log.exception("internal error in %s", operation)
            internal = KMSInternalException(INTERNAL_ERROR[1])
            return (
                internal.status,
                error_body(internal.code, internal.message),
                internal.code,
                operation,
            )


def check_content_type(value: str | None) -> None:
    """A body sent as something other than JSON names no operation of this protocol:
    AWS answers such a request UnknownOperationException before it checks anything
    else. A request without a Content-Type is read as JSON."""
    if value is None:
        return
    media = value.partition(";")[0].strip().lower()
    if media not in JSON_CONTENT_TYPES:
        raise UnknownOperationException(
            "The request's Content-Type is not one the AWS JSON protocol uses "
            f"({', '.join(JSON_CONTENT_TYPES)})"
        )


def operation_of(target: str | None, operations: frozenset[str]) -> str:
    if not target:
        raise UnknownOperationException("Missing X-Amz-Target header")
    service, dot, name = target.partition(".")
    if not dot or service != TARGET_PREFIX[:-1] or name not in operations:
        raise UnknownOperationException(f"Unknown operation {target[:128]}")
    return name


def parse_body(body: bytes) -> dict:
    return parse_request(body)


class BodyTooLarge(Exception):
    pass


async def read_body(request: web.BaseRequest, limit: int) -> bytes:
    """The request body, refused (:class:`BodyTooLarge`) as soon as it is known to pass
    ``limit`` bytes: from Content-Length before a byte is read, or while reading a
    chunked one. Chunked framing that is not valid is a SerializationException. A
    client that asks (``Expect: 100-continue``) is told to send the body once its
    length is known to fit."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge
    if request.version >= (1, 1) and request.headers.get("Expect", "").lower() == "100-continue":
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = bytearray()
    try:
        while chunk := await request.content.readany():
            body += chunk
            if len(body) > limit:
                raise BodyTooLarge
    except web.RequestPayloadError:
        raise SerializationException(
            "The request body's chunked framing or length is not valid."
        ) from None
    return bytes(body)


def _closing(response: web.Response) -> web.Response:
    response.force_close()
    return response


class Handler:
    """The low-level server's request handler: one endpoint's requests."""

    def __init__(self, endpoint: Endpoint):
        self.endpoint = endpoint

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        endpoint = self.endpoint
        request_id = str(uuid.uuid4())
        started = time.perf_counter()
        target = request.headers.get("X-Amz-Target")
        try:
            body = await asyncio.wait_for(
                read_body(request, endpoint.max_body), endpoint.body_timeout
            )
        except BodyTooLarge:
            return _closing(
                aws_error(
                    413,
                    "SerializationException",
                    f"The request body is larger than the {endpoint.max_body}-byte limit",
                )
            )
        except SerializationException as exc:
            return _closing(aws_error(exc.status, exc.code, exc.message))
        except TimeoutError:
            response = _closing(
                aws_error(
                    408, "RequestTimeoutException", "The request body was not received in time"
                )
            )
            await response.prepare(request)
            await response.write_eof()
            if request.transport is not None:  # do not wait for the rest of the body
                request.transport.close()
            return response
        raw_path, _, raw_query = request.raw_path.partition("?")
        parts = RequestParts(
            method=request.method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=list(request.headers.items()),
            body=body,
            remote=request.remote or "127.0.0.1",
        )
        content_type = JSON_CONTENT_TYPES[0]
        if request.method != "POST":
            status, payload, code, operation = (
                400,
                error_body(
                    "UnknownOperationException", f"Unsupported method {request.method[:16]}"
                ),
                "UnknownOperationException",
                "-",
            )
        elif endpoint.is_query(parts, target):
            loop = asyncio.get_running_loop()
            status, payload, code, operation = await loop.run_in_executor(
                endpoint.executor, endpoint.query.process, parts, request_id
            )
            content_type = xmlwire.CONTENT_TYPE
        else:
            loop = asyncio.get_running_loop()
            status, payload, code, operation = await loop.run_in_executor(
                endpoint.executor, endpoint.process, parts, target
            )
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s %d %s %.1f ms",
                request.remote,
                operation,
                status,
                code or "OK",
                (time.perf_counter() - started) * 1000,
            )
        return aws_response(status, payload, code, request_id, content_type)


def create_server(
    engine: Engine,
    *,
    allow_any_credentials: bool = False,
    account_id: str | None = None,
    executor: ThreadPoolExecutor | None = None,
    wall_clock: Callable[[], float] = time.time,
    max_body: int = MAX_BODY_BYTES,
    body_timeout: float = BODY_TIMEOUT,
    keepalive_timeout: float = KEEPALIVE_TIMEOUT,
) -> tuple[AwsServer, Endpoint]:
    """The endpoint's low-level server for ``engine`` (call from the event loop that
    will run it), and the state its handler uses. ``allow_any_credentials`` maps
    every request to the root user of ``account_id`` (default: the engine's
    account)."""
    endpoint = Endpoint(
        engine,
        allow_any_credentials=allow_any_credentials,
        account_id=account_id,
        executor=executor,
        wall_clock=wall_clock,
        max_body=max_body,
        body_timeout=body_timeout,
    )
    server = AwsServer(
        Handler(endpoint),
        loop=asyncio.get_running_loop(),
        keepalive_timeout=keepalive_timeout,
        lingering_time=LINGERING_TIME,
        auto_decompress=False,  # KMS takes no compressed bodies; the signature covers them as sent
        access_log=None,
        logger=logging.getLogger("kmstui.api.http"),
    )
    return server, endpoint


def endpoint_url(host: str, port: int) -> str:
    """The URL a client on this machine uses (a wildcard bind is reached on loopback)."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class EndpointServer:
    """The endpoint served from the running event loop: ``await start()`` then
    ``await stop()``. Port 0 picks a free port (see :attr:`url`)."""

    def __init__(
        self,
        engine: Engine,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        allow_any_credentials: bool = False,
        account_id: str | None = None,
        keepalive_timeout: float = KEEPALIVE_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
        max_body: int = MAX_BODY_BYTES,
        wall_clock: Callable[[], float] = time.time,
        record_endpoint: bool = True,
    ):
        self.engine = engine
        self.host = host
        self.port = port
        self.allow_any_credentials = allow_any_credentials
        self.account_id = account_id
        self.keepalive_timeout = keepalive_timeout
        self.body_timeout = body_timeout
        self.max_body = max_body
        self.wall_clock = wall_clock
        self.record_endpoint = record_endpoint
        self.url: str | None = None
        self._runner: web.ServerRunner | None = None
        self._endpoint: Endpoint | None = None

    async def start(self) -> str:
        server, endpoint = create_server(
            self.engine,
            allow_any_credentials=self.allow_any_credentials,
            account_id=self.account_id,
            wall_clock=self.wall_clock,
            max_body=self.max_body,
            body_timeout=self.body_timeout,
            keepalive_timeout=self.keepalive_timeout,
        )
        runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
            await site.start()
        except BaseException:
            await runner.cleanup()
            await endpoint.close()
            raise
        self._runner = runner
        self._endpoint = endpoint
        port = runner.addresses[0][1] if runner.addresses else self.port
        self.port = port
        self.url = endpoint_url(self.host, port)
        if self.allow_any_credentials:
            account = self.account_id or getattr(self.engine, "account", "")
            log.warning(
                "*** --allow-any-credentials: signatures are NOT checked; every "
                "request is made as arn:aws:iam::%s:root ***",
                account,
            )
        if self.host not in ("127.0.0.1", "::1", "localhost"):
            log.warning("listening on %s: reachable from other machines", self.host)
        if self.record_endpoint:
            self.engine.store.set_endpoint(self.url)
        log.debug("serving KMS at %s", self.url)
        return self.url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        if self.record_endpoint:
            try:
                self.engine.store.set_endpoint(None)
            except Exception:  # the data directory may already be closed
                pass
        await runner.cleanup()
        endpoint, self._endpoint = self._endpoint, None
        if endpoint is not None:
            await endpoint.close()

    @property
    def running(self) -> bool:
        return self._runner is not None


class ServerThread:
    """An :class:`EndpointServer` on an event loop in a daemon thread. ``start()``
    returns once it listens (with its URL); ``stop()`` shuts it down."""

    def __init__(self, engine: Engine, host: str = DEFAULT_HOST, port: int = 0, **options: Any):
        self.server = EndpointServer(engine, host, port, **options)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str | None:
        return self.server.url

    def start(self, timeout: float = 10.0) -> str:
        self._thread = threading.Thread(target=self._run, name="kmstui-endpoint", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the endpoint did not start in time")
        if self._error is not None:
            raise self._error
        assert self.server.url is not None
        return self.server.url

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.server.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self.server.stop())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
