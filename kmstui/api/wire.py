"""The HTTP layer under the endpoint: aiohttp's low-level server, with every answer it
gives on its own made AWS-shaped.

aiohttp refuses some requests before any handler sees them: a request line or a
header it cannot parse, a header with a byte HTTP forbids (a NUL in X-Amz-Target),
a line past its length limit, too many headers, a contradictory or malformed
Content-Length or Transfer-Encoding. By default it answers those in plain text that
quotes the offending line, and logs the line with a traceback: an Authorization
header with one bad byte ended up whole, signature included, on the server's stderr.

:class:`AwsServer` builds an :class:`AwsRequestHandler` for each connection, whose
:meth:`~AwsRequestHandler.handle_error` answers as AWS JSON services answer (the
``{"__type", "message"}`` body, ``x-amzn-RequestId``, ``x-amzn-ErrorType``) in words of
its own, and whose logging names the kind of refusal and the client, never a byte
of the request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import (
    BadHttpMethod,
    BadStatusLine,
    HttpProcessingError,
    InvalidURLError,
    LineTooLong,
    PayloadEncodingError,
)

log = logging.getLogger("kmstui.api")

CONTENT_TYPE = "application/x-amz-json-1.1"
INTERNAL_ERROR = ("KMSInternalException", "The server encountered an internal error.")


def error_body(code: str, message: str) -> bytes:
    """The JSON error body. KMS sends an error without words (InvalidCiphertextException,
    KMSInvalidSignatureException, KMSInvalidMacException) as its type alone, with no
    ``message`` member, and an SDK shows that absence."""
    body = {"__type": code, "message": message} if message else {"__type": code}
    return json.dumps(body).encode("utf-8")


def aws_response(
    status: int,
    body: bytes,
    code: str = "",
    request_id: str = "",
    content_type: str = CONTENT_TYPE,
) -> web.Response:
    """A response as AWS JSON services send it: the request id, and the error code
    in ``x-amzn-ErrorType`` when there is one (the XML services send the request id
    only)."""
    headers = {"x-amzn-RequestId": request_id or str(uuid.uuid4())}
    if code and content_type == CONTENT_TYPE:
        headers["x-amzn-ErrorType"] = code
    return web.Response(status=status, body=body, headers=headers, content_type=content_type)


def aws_error(status: int, code: str, message: str) -> web.Response:
    return aws_response(status, error_body(code, message), code)


def refusal(exc: BaseException | None, *, max_line: int, max_headers: int) -> tuple[str, str, str]:
    """(error code, message, what to log) for a request the HTTP layer could not
    read. The messages are fixed sentences: aiohttp's own quote the request's bytes."""
    if isinstance(exc, BadHttpMethod):
        if getattr(exc, "line", "").startswith("\x16\x03"):
            return (
                "UnknownOperationException",
                "The request is TLS; this endpoint speaks plain HTTP.",
                "TLS on the plain HTTP port",
            )
        return (
            "UnknownOperationException",
            "The request line does not start with an HTTP method.",
            "no HTTP method",
        )
    if isinstance(exc, BadStatusLine | InvalidURLError):
        return (
            "UnknownOperationException",
            "The request line is not an HTTP/1.x request line with a valid request target.",
            "bad request line",
        )
    if isinstance(exc, LineTooLong):
        return (
            "SerializationException",
            f"The request line or a request header is longer than {max_line} bytes.",
            "line too long",
        )
    if isinstance(exc, PayloadEncodingError):
        return (
            "SerializationException",
            "The request body's chunked framing or length is not valid.",
            "bad body framing",
        )
    if isinstance(exc, HttpProcessingError) and exc.message == "Too many headers received":
        return (
            "SerializationException",
            f"The request has more than {max_headers} headers.",
            "too many headers",
        )
    return (
        "SerializationException",
        "The request is not valid HTTP/1.1: a header is malformed or holds a byte HTTP "
        "does not allow (such as NUL or a control character), or the body's length or "
        "chunked framing is not valid.",
        "malformed headers or framing",
    )


class AwsRequestHandler(web.RequestHandler):
    """aiohttp's per-connection protocol, answering its own refusals as AWS does."""

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:  # a response is under way: only closing is left
            raise ConnectionError("a response was already being sent")
        if status >= 500:
            code, text = INTERNAL_ERROR
            log.error(
                "internal error answering %s (%s)",
                request.remote,
                type(exc).__name__ if exc is not None else f"status {status}",
            )
        else:
            status = 400
            code, text, kind = refusal(
                exc,
                max_line=max(self.max_line_size, self.max_field_size),
                max_headers=self.max_headers,
            )
            log.info("refused an unreadable request from %s: %s", request.remote, kind)
        response = aws_error(status, code, text)
        response.force_close()
        return response

    def log_exception(self, *args: Any, **kw: Any) -> None:
        """aiohttp's own error logging, without the exception's text or traceback:
        either may quote the request."""
        exc = kw.get("exc_info")
        name = type(exc).__name__ if isinstance(exc, BaseException) else "error"
        text = str(args[0]).split("%", 1)[0].strip() if args else "error"
        # the rest of a body already refused as unreadable, met again while draining it
        level = logging.DEBUG if isinstance(exc, web.RequestPayloadError) else logging.ERROR
        log.log(level, "HTTP layer: %s (%s)", text, name)


class AwsServer(web.Server):
    """aiohttp's low-level server with :class:`AwsRequestHandler` as its protocol.
    ``options`` are the protocol's (keep-alive and lingering times, limits)."""

    def __init__(
        self,
        handler: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]],
        *,
        loop: asyncio.AbstractEventLoop,
        **options: Any,
    ) -> None:
        super().__init__(handler, loop=loop, **options)
        self._protocol_loop = loop
        self._protocol_options = options

    def __call__(self) -> AwsRequestHandler:
        return AwsRequestHandler(self, loop=self._protocol_loop, **self._protocol_options)
