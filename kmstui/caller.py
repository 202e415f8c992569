"""Who is making a request: the principal, its account and region, and the service
acting on its behalf (``kms:ViaService``), if any."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

DEFAULT_ACCOUNT = "111122223333"
DEFAULT_REGION = "us-east-1"
# What a Region name looks like (us-east-1, eu-central-2, us-gov-west-1, ap-southeast-4).
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")

_ASSUMED_ROLE = re.compile(r"^arn:aws:sts::(\d{12}):assumed-role/([^/]+)/(.+)$")


@dataclass(frozen=True, slots=True)
class Caller:
    """A request's caller. ``principal`` is an ARN (``arn:aws:iam::ACCOUNT:root``,
    a user, a role session) or a service principal (``ec2.amazonaws.com``).

    A value: two callers with the same fields are equal and hash alike. The engine's
    memos key on a caller every request, so its hash is computed once, when it is
    made."""

    principal: str
    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    via_service: str | None = None
    source_ip: str = "127.0.0.1"
    user_agent: str = "kmstui"
    access_key_id: str | None = None
    # answered once, when the caller is made (see __post_init__)
    _is_service: bool = field(init=False, repr=False, compare=False)
    _is_root: bool = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        principal, account = self.principal, self.account
        object.__setattr__(self, "_is_service", not principal.startswith("arn:"))
        object.__setattr__(self, "_is_root", principal == f"arn:aws:iam::{account}:root")
        values = (principal, account, self.region, self.via_service, self.source_ip)
        object.__setattr__(self, "_hash", hash((*values, self.user_agent, self.access_key_id)))

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def root(cls, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION) -> Caller:
        return cls(principal=f"arn:aws:iam::{account}:root", account=account, region=region)

    @classmethod
    def for_arn(cls, arn: str, region: str = DEFAULT_REGION) -> Caller:
        """A caller from an ARN; the account is read from the ARN."""
        parts = arn.split(":")
        if arn.startswith("arn:") and len(parts) >= 6 and parts[4].isdigit():
            return cls(principal=arn, account=parts[4], region=region)
        raise ValueError(f"not a principal ARN: {arn!r}")

    def via(self, service: str) -> Caller:
        return replace(self, via_service=service)

    def in_region(self, region: str) -> Caller:
        return replace(self, region=region)

    @property
    def is_root(self) -> bool:
        return self._is_root

    @property
    def is_service(self) -> bool:
        return self._is_service

    @property
    def principal_type(self) -> str:
        """CloudTrail's userIdentity.type."""
        if self.is_service:
            return "AWSService"
        if self.is_root:
            return "Root"
        if ":assumed-role/" in self.principal:
            return "AssumedRole"
        if ":user/" in self.principal:
            return "IAMUser"
        if ":role/" in self.principal:
            return "AssumedRole"
        return "Unknown"

    @property
    def role_arn(self) -> str | None:
        """For a role session, the role's ARN (sessions match their role in policies)."""
        match = _ASSUMED_ROLE.match(self.principal)
        if match:
            return f"arn:aws:iam::{match.group(1)}:role/{match.group(2)}"
        return None

    @property
    def username(self) -> str | None:
        if ":user/" in self.principal:
            return self.principal.rsplit("/", 1)[1]
        return None
