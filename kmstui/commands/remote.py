"""``kmstui call --endpoint-url URL OPERATION ...``: one operation sent to a running
endpoint, signed with SigV4.

The operation goes to the first service whose model defines it (KMS, then STS, IAM
and EC2), signed with that service's name in the credential scope. KMS is sent as
AWS JSON 1.1; the others as a Query form (:func:`kmstui.api.query.encode`), whose XML
answer is read back along the operation's output shape (:mod:`kmstui.api.xml`), so
the output is the JSON a local ``kmstui call`` prints.

Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
AWS_SESSION_TOKEN); without them the request is signed with placeholder credentials
that only a server started with --allow-any-credentials accepts. Output and exit
codes are those of the local path: the response JSON and 0, the error's
``{"__type", "message"}`` and 1, or a message on stderr and 2.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from kmstui.api import query, sigv4
from kmstui.api import xml as xmlwire
from kmstui.commands.common import EXIT_AWS_ERROR, EXIT_OK, fail, print_json
from kmstui.errors import AwsError
from kmstui.model import ServiceModel
from kmstui.model import load as load_model
from kmstui.model.check import RequestChecker

PLACEHOLDER_ACCESS_KEY = "AKIAKMSTUIANYCREDS00"
PLACEHOLDER_SECRET = "kmstui-placeholder-secret-for-allow-any-credentials"
TIMEOUT = 60.0
SERVICES = ("kms", "sts", "iam", "ec2")  # the order an operation's service is looked up


def credentials(env: Mapping[str, str] | None = None) -> tuple[str, str, str | None]:
    env = os.environ if env is None else env
    access, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if access and secret:
        return access, secret, env.get("AWS_SESSION_TOKEN") or None
    return PLACEHOLDER_ACCESS_KEY, PLACEHOLDER_SECRET, None


def region_of(args: Any, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (
        getattr(args, "region", None)
        or env.get("AWS_REGION")
        or env.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )


def service_of(operation: str) -> ServiceModel | None:
    """The model of the first service that defines ``operation`` (None: no model does,
    and the request goes to KMS, which names the unknown operation)."""
    for name in SERVICES:
        model = load_model(name)
        if model is not None and operation in model:
            return model
    return None


def send(
    url: str,
    operation: str,
    request: dict,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    session_token: str | None = None,
    timeout: float = TIMEOUT,
    model: ServiceModel | None = None,
) -> tuple[int, bytes]:
    """POST one signed request; (HTTP status, body). OSError if unreachable.

    Without ``model``, or with KMS's, the request is KMS JSON; otherwise a Query form
    signed for ``model``'s service."""
    if model is None or model.service == "kms":
        service = "kms"
        body = json.dumps(request, separators=(",", ":")).encode("utf-8")
        content = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"TrentService.{operation}",
        }
    else:
        service = model.service
        body = urlencode(query.encode(model, operation, request)).encode("ascii")
        content = {"Content-Type": f"{query.FORM_CONTENT_TYPE}; charset=utf-8"}
    target = url if urlsplit(url).path else url.rstrip("/") + "/"
    headers = sigv4.sign(
        "POST",
        target,
        content,
        body,
        access_key=access_key,
        secret_key=secret_key,
        region=region,
        service=service,
        session_token=session_token,
    )
    http_request = urllib.request.Request(target, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def error_json(status: int, body: bytes) -> dict[str, str]:
    """An error response as ``{"__type", "message"}``, whatever shape it came in."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        value = None
    if isinstance(value, dict) and ("__type" in value or "code" in value):
        code = str(value.get("__type") or value.get("code"))
        code = code.split(":", 1)[0].rsplit("#", 1)[-1]
        return {"__type": code, "message": str(value.get("message", value.get("Message", "")))}
    text = body.decode("utf-8", "replace").strip()[:500]
    return {"__type": str(status), "message": text or f"HTTP {status}"}


def call_endpoint(url: str, operation: str, request: dict, args: Any) -> int:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return fail(f"--endpoint-url must be an http:// or https:// URL, not {url!r}")
    if getattr(args, "principal", None):
        return fail(
            "--as cannot be used with --endpoint-url: the caller is whoever the "
            "credentials belong to"
        )
    access, secret, token = credentials()
    model = service_of(operation)
    if model is not None and model.service != "kms":
        # A Query form cannot carry a value of the wrong kind where a list or a
        # structure belongs: such a request is refused here, as the endpoint's own
        # check of the same model refuses it in a local call.
        shape = model.input(operation)
        try:
            if shape is not None:
                request, _ = RequestChecker(model).check(shape, request)
        except AwsError as exc:
            print_json(exc.to_json())
            return EXIT_AWS_ERROR
    try:
        status, body = send(
            url,
            operation,
            request,
            access_key=access,
            secret_key=secret,
            region=region_of(args),
            session_token=token,
            model=model,
        )
    except (OSError, urllib.error.URLError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return fail(f"cannot reach {url}: {reason}")
    if model is not None and model.service != "kms":
        return _query_answer(url, model, operation, status, body)
    if 200 <= status < 300:
        try:
            value = json.loads(body) if body.strip() else {}
        except (ValueError, UnicodeDecodeError):
            return fail(f"{url} answered with something that is not JSON")
        print_json(value)
        return EXIT_OK
    print_json(error_json(status, body))
    return EXIT_AWS_ERROR


def _query_answer(url: str, model: ServiceModel, operation: str, status: int, body: bytes) -> int:
    """Print a Query service's XML answer as the local path prints the result."""
    try:
        if 200 <= status < 300:
            print_json(xmlwire.read_response(model, operation, body))
            return EXIT_OK
        error = xmlwire.read_error(body)
    except xmlwire.UnsafeXml as exc:
        if 200 <= status < 300:
            return fail(f"{url} answered with something kmstui cannot read: {exc}")
        error = None
    if error is None:
        print_json(error_json(status, body))
    else:
        print_json({"__type": error[0], "message": error[1]})
    return EXIT_AWS_ERROR
