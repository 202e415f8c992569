"""The AWS JSON 1.1 endpoint: ``POST /`` with ``X-Amz-Target: TrentService.<Operation>``.

A thin translation layer: the request is authenticated (SigV4 against the engine's
IAM access keys), its JSON decoded (base64 blobs become bytes), the operation run by
``engine.call`` and the answer encoded back, or the error returned as
``{"__type": ..., "message": ...}`` with AWS's status, which is what botocore parses.

Engine calls are synchronous and hold the engine lock, so each request's work runs in
a small thread pool; the event loop (and a console sharing it) never waits on it.

- :func:`create_app` builds the ``aiohttp.web.Application``.
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

from aiohttp import web

from kmstui.api.auth import Authenticator, RequestParts
from kmstui.errors import (
    AwsError,
    KMSInternalException,
    UnknownOperationException,
)
from kmstui.kms import OPERATIONS as KMS_OPERATIONS
from kmstui.protocol import decode_request, encode_response, parse_request

log = logging.getLogger("kmstui.api")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4599
TARGET_PREFIX = "TrentService."
CONTENT_TYPE = "application/x-amz-json-1.1"
MAX_BODY_BYTES = 1024 * 1024
BODY_TIMEOUT = 30.0
KEEPALIVE_TIMEOUT = 15.0
SHUTDOWN_TIMEOUT = 5.0  # how long stop() lets requests under way finish
LINGERING_TIME = 5.0  # how long the rest of a refused body is read before closing
WORKERS = 4

_ENDPOINT = web.AppKey("kmstui_endpoint", object)


class Endpoint:
    """The state one application's handler needs."""

    def __init__(
        self,
        engine,
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

    # -- the part that runs in the thread pool --------------------------------------
    def process(self, parts: RequestParts, target: str | None) -> tuple[int, bytes, str, str]:
        """(status, body, error code or "", operation) for one request."""
        operation = "-"
        try:
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
            exc = KMSInternalException("The server encountered an internal error.")
            return exc.status, error_body(exc.code, exc.message), exc.code, operation


def operation_of(target: str | None, operations: frozenset[str]) -> str:
    if not target:
        raise UnknownOperationException("Missing X-Amz-Target header")
    service, dot, name = target.partition(".")
    if not dot or service != TARGET_PREFIX[:-1] or name not in operations:
        raise UnknownOperationException(f"Unknown operation {target[:128]}")
    return name


def parse_body(body: bytes) -> dict:
    return parse_request(body)


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "message": message}).encode("utf-8")


def _response(status: int, body: bytes, code: str, request_id: str) -> web.Response:
    headers = {"x-amzn-RequestId": request_id}
    if code:
        headers["x-amzn-ErrorType"] = code
    return web.Response(status=status, body=body, headers=headers, content_type=CONTENT_TYPE)


async def handle(request: web.Request) -> web.StreamResponse:
    endpoint: Endpoint = request.app[_ENDPOINT]
    request_id = str(uuid.uuid4())
    started = time.perf_counter()
    target = request.headers.get("X-Amz-Target")
    try:
        body = await asyncio.wait_for(request.read(), endpoint.body_timeout)
    except web.HTTPRequestEntityTooLarge:
        response = _response(
            413,
            error_body(
                "SerializationException",
                f"The request body is larger than the {endpoint.max_body}-byte limit",
            ),
            "SerializationException",
            request_id,
        )
        response.force_close()
        return response
    except TimeoutError:
        response = _response(
            408,
            error_body("RequestTimeoutException", "The request body was not received in time"),
            "RequestTimeoutException",
            request_id,
        )
        response.force_close()
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
    if request.method != "POST":
        status, payload, code, operation = (
            400,
            error_body("UnknownOperationException", f"Unsupported method {request.method[:16]}"),
            "UnknownOperationException",
            "-",
        )
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
    return _response(status, payload, code, request_id)


def create_app(
    engine,
    *,
    allow_any_credentials: bool = False,
    account_id: str | None = None,
    executor: ThreadPoolExecutor | None = None,
    wall_clock: Callable[[], float] = time.time,
    max_body: int = MAX_BODY_BYTES,
    body_timeout: float = BODY_TIMEOUT,
) -> web.Application:
    """The endpoint's application for ``engine``. ``allow_any_credentials`` maps every
    request to the root user of ``account_id`` (default: the engine's account)."""
    app = web.Application(client_max_size=max_body)
    endpoint = Endpoint(
        engine,
        allow_any_credentials=allow_any_credentials,
        account_id=account_id,
        executor=executor,
        wall_clock=wall_clock,
        max_body=max_body,
        body_timeout=body_timeout,
    )
    app[_ENDPOINT] = endpoint
    app.router.add_route("*", "/{tail:.*}", handle)

    async def shutdown(_app: web.Application) -> None:
        if endpoint.own_executor:  # calls under way finish; the loop does not wait on them
            await asyncio.get_running_loop().run_in_executor(None, endpoint.executor.shutdown)

    app.on_cleanup.append(shutdown)
    return app


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
        engine,
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
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = create_app(
            self.engine,
            allow_any_credentials=self.allow_any_credentials,
            account_id=self.account_id,
            wall_clock=self.wall_clock,
            max_body=self.max_body,
            body_timeout=self.body_timeout,
        )
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            keepalive_timeout=self.keepalive_timeout,
            lingering_time=LINGERING_TIME,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
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

    @property
    def running(self) -> bool:
        return self._runner is not None


class ServerThread:
    """An :class:`EndpointServer` on an event loop in a daemon thread. ``start()``
    returns once it listens (with its URL); ``stop()`` shuts it down."""

    def __init__(self, engine, host: str = DEFAULT_HOST, port: int = 0, **options):
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

    def __exit__(self, *exc) -> None:
        self.stop()
