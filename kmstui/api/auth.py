"""Who sent a request: the SigV4 check against the engine's IAM access keys.

A verified request is made as the access key's owner (a user ARN, or the account's
root user), in the region of the credential scope, so key policies, IAM policies
and grants apply to SDK callers exactly as to the console's "acting as" principal.
With ``allow_any_credentials`` every request is made, whatever it is signed with and
whatever session token it carries, as the root user of an account (for test suites
that use fake credentials): the account an access key id of 12 digits names
(``000000000002``), or the endpoint's account for any other id. Otherwise a session
token is refused as AWS refuses an invalid one: the engine issues only long-term
access keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kmstui.api import sigv4
from kmstui.caller import DEFAULT_ACCOUNT, DEFAULT_REGION, Caller
from kmstui.errors import AwsError, UnrecognizedClientException

if TYPE_CHECKING:
    from kmstui.engine import Engine
    from kmstui.iam import AccessKeyIdentity

INVALID_TOKEN = "The security token included in the request is invalid."
MAX_USER_AGENT = 256
SECURITY_TOKEN = "x-amz-security-token"


@dataclass
class RequestParts:
    """One HTTP request as the verifier sees it (no HTTP library types)."""

    method: str
    raw_path: str
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes
    remote: str = "127.0.0.1"

    def __post_init__(self) -> None:
        first: dict[str, str] = {}
        for name, value in self.headers:
            first.setdefault(name.lower(), value)
        self.header = first

    @property
    def user_agent(self) -> str:
        return self.header.get("user-agent", "")[:MAX_USER_AGENT]


class Authenticator:
    def __init__(
        self,
        engine: Engine,
        *,
        allow_any_credentials: bool = False,
        account_id: str | None = None,
        wall_clock: Callable[[], float] = time.time,
    ):
        self.engine = engine
        self.allow_any_credentials = allow_any_credentials
        engine_account: str = getattr(engine, "account", DEFAULT_ACCOUNT)
        self.account_id = account_id or engine_account
        self.default_region = getattr(engine, "region", DEFAULT_REGION)
        self.wall_clock = wall_clock
        self.signing_keys = sigv4.KeyCache()

    def caller_for(self, parts: RequestParts, service: str = "kms") -> Caller:
        """The request's caller, or an AwsError saying why it is not accepted.
        ``service`` is the one the credential scope must name."""
        if self.allow_any_credentials:
            return self._any(parts, service)
        header = sigv4.require_authorization(parts.header.get("authorization"))
        auth = sigv4.parse_authorization(header, service=service)
        timestamp, when = sigv4.request_time(parts.header, auth)
        sigv4.require_signed(auth, parts.header)
        if SECURITY_TOKEN in parts.header:
            # The engine issues no temporary credentials, so no session token is its own.
            raise UnrecognizedClientException(INVALID_TOKEN)
        identity = self._lookup(auth.access_key_id)
        if identity is None or not identity.active:
            raise UnrecognizedClientException(INVALID_TOKEN)
        sigv4.check_freshness(timestamp, when, self.wall_clock())
        body_hash = sigv4.payload_hash(parts.body)
        sigv4.verify(
            auth,
            identity.secret,
            method=parts.method,
            raw_path=parts.raw_path,
            raw_query=parts.raw_query,
            headers=parts.headers,
            timestamp=timestamp,
            body_hash=body_hash,
            keys=self.signing_keys,
        )
        return Caller(
            principal=identity.user_arn,
            account=identity.account,
            region=auth.region,
            source_ip=parts.remote,
            user_agent=parts.user_agent,
            access_key_id=identity.access_key_id,
        )

    def _lookup(self, access_key_id: str) -> AccessKeyIdentity | None:
        with self.engine.lock:
            return self.engine.iam.lookup_access_key(access_key_id)

    def _any(self, parts: RequestParts, service: str) -> Caller:
        region, access_key_id = self.default_region, None
        header = parts.header.get("authorization")
        if header:
            try:
                auth = sigv4.parse_authorization(header, service=service)
            except AwsError:
                pass
            else:
                region, access_key_id = auth.region, auth.access_key_id
        account = self.account_id
        if access_key_id is not None and len(access_key_id) == 12 and access_key_id.isdigit():
            account = access_key_id
        return Caller(
            principal=f"arn:aws:iam::{account}:root",
            account=account,
            region=region,
            source_ip=parts.remote,
            user_agent=parts.user_agent,
            access_key_id=access_key_id,
        )
