"""A connection to an AWS account, or to anything that speaks its API, for the console
and the policy audit.

One boto3 session (the standard credential chain: environment, profiles, SSO, roles a
profile assumes) and one client per service and Region, each retrying throttled calls
in botocore's standard mode. :meth:`Connection.call` sends one request by its AWS
operation name and answers with AWS's members, timestamps as epoch seconds (as the AWS
JSON protocol sends them, and as the embedded engine answers): read as such from the
wire, where botocore would make each one a datetime in the local time zone, which for
a page of a hundred aliases takes longer than the rest of reading it. A refusal is an
:class:`~kmstui.errors.AwsError` with AWS's code and message; credentials that are
missing or expired say how to renew them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3  # type: ignore[import-untyped]
import botocore.exceptions  # type: ignore[import-untyped]
import botocore.utils  # type: ignore[import-untyped]
from botocore import xform_name
from botocore.config import Config  # type: ignore[import-untyped]

from kmstui.aws.where import EXPIRED, AccountError, Where, renewal
from kmstui.errors import AwsError

USER_AGENT = "kmstui-console"
# The services the console calls by operation name alone, in the order a name is
# looked up (no operation the console uses is in two of them).
ROUTED = ("kms", "ec2", "iam", "sts")
CREDENTIAL_ERRORS = (
    botocore.exceptions.NoCredentialsError,
    botocore.exceptions.TokenRetrievalError,
    botocore.exceptions.SSOTokenLoadError,
    botocore.exceptions.UnauthorizedSSOTokenError,
    botocore.exceptions.CredentialRetrievalError,
    botocore.exceptions.PartialCredentialsError,
)
UNREACHABLE = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.ReadTimeoutError,
)

__all__ = ["AccountError", "Connection", "Where"]


class Connection:
    """``Connection(where)``: requests to the account ``where`` names. Opening it
    checks nothing; :meth:`identity` is the first request."""

    def __init__(self, where: Where, *, user_agent: str = USER_AGENT):
        self.where = where
        self._user_agent = user_agent
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._routes: dict[str, frozenset[str]] = {}  # service -> its operations
        try:
            self._session = boto3.Session(profile_name=where.profile)
        except botocore.exceptions.ProfileNotFound:
            raise AccountError(
                f"the profile {where.profile!r} is not in the AWS config files; "
                "`aws configure list-profiles` lists them"
            ) from None
        parsers = self._session._session.get_component("response_parser_factory")
        parsers.set_parser_defaults(timestamp_parser=epoch_seconds)
        region = where.region or self._session.region_name
        if not region:
            raise AccountError("no Region: give --region, or set one in the AWS profile")
        self.region: str = region

    # -- clients ----------------------------------------------------------------------
    def client(self, service: str, region: str | None = None) -> Any:
        """The boto3 client of ``service`` in ``region`` (the default Region if None)."""
        region = region or self.region
        with self._lock:
            made = self._clients.get((service, region))
            if made is None:
                made = self._clients[(service, region)] = self._make(service, region)
            return made

    def _make(self, service: str, region: str) -> Any:
        options: dict[str, Any] = {}
        where = self.where
        if where.endpoint_url:
            options["endpoint_url"] = where.endpoint_url
            if self._session.get_credentials() is None and where.fallback_credentials:
                access, secret = where.fallback_credentials
                options.update(aws_access_key_id=access, aws_secret_access_key=secret)
        config = Config(retries={"mode": "standard"}, user_agent_extra=self._user_agent)
        return self._session.client(service, region_name=region, config=config, **options)

    def service_of(self, operation: str) -> str:
        """The service that answers ``operation`` (KeyError if none the console routes).
        A service's model is loaded only when the name is not in the ones before it
        (EC2's is large: listing keys never loads it)."""
        for service in ROUTED:
            if operation in self._operations_of(service):
                return service
        raise KeyError(operation)

    def operations(self) -> frozenset[str]:
        return frozenset().union(*(self._operations_of(service) for service in ROUTED))

    def _operations_of(self, service: str) -> frozenset[str]:
        with self._lock:
            names = self._routes.get(service)
            if names is None:
                model = self._session._session.get_service_model(service)
                names = self._routes[service] = frozenset(model.operation_names)
            return names

    # -- requests ---------------------------------------------------------------------
    def call(self, service: str, operation: str, params: dict, region: str | None = None) -> dict:
        """One request; AWS's members back, timestamps as epoch seconds."""
        client = self.client(service, region)
        method = getattr(client, xform_name(operation))
        answer = self._guarded(operation, lambda: method(**params))
        answer.pop("ResponseMetadata", None)
        return answer

    def pages(
        self, service: str, operation: str, params: dict, region: str | None = None
    ) -> Iterator[dict]:
        """Each page of a listing, read with boto3's paginator as it is needed."""
        paginator = self.client(service, region).get_paginator(xform_name(operation))
        pages = iter(paginator.paginate(**params))
        while True:
            page = self._guarded(operation, lambda: next(pages, None))
            if page is None:
                return
            page.pop("ResponseMetadata", None)
            yield page

    def identity(self) -> dict:
        """GetCallerIdentity: Account, Arn, UserId."""
        return self.call("sts", "GetCallerIdentity", {})

    def _guarded(self, operation: str, send: Any) -> Any:
        try:
            return send()
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = str(error.get("Code", "")), str(error.get("Message", ""))
            if code in EXPIRED:
                advice = renewal(self.where)
                message = f"{message} (the credentials are expired or invalid: {advice})"
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            raise AwsError(message, code=code or "UnknownError", status=status) from None
        except CREDENTIAL_ERRORS as exc:
            raise AwsError(
                f"no usable credentials for {operation} ({exc}); {renewal(self.where)}",
                code="ExpiredTokenException",
                status=403,
            ) from None
        except UNREACHABLE as exc:
            target = self.where.endpoint_url or f"AWS in {self.region}"
            raise AwsError(
                f"cannot reach {target}: {exc}", code="EndpointConnectionError", status=503
            ) from None
        except botocore.exceptions.ParamValidationError as exc:
            raise AwsError(str(exc), code="ValidationException") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise AwsError(f"{operation} failed: {exc}", code=type(exc).__name__) from None


def epoch_seconds(wire: Any) -> float:
    """A timestamp as a response carries it (epoch seconds in the JSON protocols, ISO
    8601 in the query ones, an HTTP date in a header) as epoch seconds."""
    if isinstance(wire, int | float):
        return float(wire)
    text = str(wire).strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = botocore.utils.parse_timestamp(text)
    if when.tzinfo is None:  # AWS's times without a zone are UTC
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
