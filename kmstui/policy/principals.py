"""Who a caller is, and whether a Principal element names them.

KMS matches principals the way IAM does, with one wrinkle that matters for
key policies: naming an *account* (``arn:aws:iam::ACCOUNT:root`` or the bare
12-digit id) does not name the account's users and roles directly. It
delegates to that account's IAM policies — except for the account's root
user, which holds every permission its account has. :func:`match` therefore
answers ``DIRECT``, ``ACCOUNT`` (delegation) or ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

DIRECT = "direct"
ACCOUNT = "account"

ROOT = "root"
USER = "user"
ROLE = "role"
SESSION = "assumed-role"
FEDERATED = "federated-user"
SERVICE = "service"
ANONYMOUS = "anonymous"
OTHER = "other"

_ACCOUNT_ID = re.compile(r"\d{12}\Z")
_IAM_ARN = re.compile(r"arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(.+)\Z", re.DOTALL)
_INFRA_GRANTEE = re.compile(r"(\d{12}):aws:ec2-infrastructure:(.+)\Z", re.DOTALL)


@dataclass(frozen=True)
class ParsedPrincipal:
    """A principal ARN (a request's, a policy's, a grantee), taken apart once: not
    :class:`kmstui.caller.Caller`, which is who makes a request."""

    arn: str
    kind: str
    account: str | None
    name: str | None = None  # user name, role name (for sessions: the role's name)
    session: str | None = None

    @property
    def role_arn(self) -> str | None:
        """For a role session, the role's ARN (without path: sessions do not carry it)."""
        if self.kind == SESSION:
            return f"arn:aws:iam::{self.account}:role/{self.name}"
        if self.kind == ROLE:
            return self.arn
        return None


def is_account_id(text: str) -> bool:
    return bool(_ACCOUNT_ID.match(text))


def is_service_principal(text: str) -> bool:
    return "." in text and not text.startswith("arn:") and ":" not in text


@lru_cache(maxsize=4096)
def parse_principal(principal: str) -> ParsedPrincipal:
    if principal in ("*", "", "anonymous"):
        return ParsedPrincipal(principal, ANONYMOUS, None)
    if is_account_id(principal):
        return ParsedPrincipal(f"arn:aws:iam::{principal}:root", ROOT, principal)
    m = _IAM_ARN.match(principal)
    if m:
        _partition, service, account, rest = m.groups()
        if service == "iam":
            if rest == "root":
                return ParsedPrincipal(principal, ROOT, account)
            head, _, tail = rest.partition("/")
            name = tail.rsplit("/", 1)[-1] if tail else None
            if head == "user":
                return ParsedPrincipal(principal, USER, account, name)
            if head == "role":
                return ParsedPrincipal(principal, ROLE, account, name)
            return ParsedPrincipal(principal, OTHER, account, name)
        head, _, tail = rest.partition("/")
        if head == "assumed-role" and "/" in tail:
            role, session = tail.rsplit("/", 1) if tail.count("/") > 1 else tail.split("/", 1)
            return ParsedPrincipal(principal, SESSION, account, role, session)
        if head == "federated-user":
            return ParsedPrincipal(principal, FEDERATED, account, tail)
        return ParsedPrincipal(principal, OTHER, account)
    if is_service_principal(principal):
        return ParsedPrincipal(principal, SERVICE, None, principal.lower())
    parts = principal.split(":")
    account = parts[4] if len(parts) > 5 and is_account_id(parts[4]) else None
    return ParsedPrincipal(principal, OTHER, account)


def account_of_arn(arn: str) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) == 6 and is_account_id(parts[4]):
        return parts[4]
    return None


def _as_list(value: object) -> list:
    if isinstance(value, list):
        return value
    return [value]


class PrincipalSet:
    """A compiled Principal / NotPrincipal element.

    Lookups are set membership: exact ARNs, accounts, ``(account, role name)``
    pairs that match a role's sessions, and lowercased service names.
    """

    __slots__ = ("wildcard", "arns", "accounts", "roles", "services", "others", "empty")

    def __init__(self, element: object):
        self.wildcard = False
        arns: set[str] = set()
        accounts: set[str] = set()
        roles: set[tuple[str | None, str | None]] = set()
        services: set[str] = set()
        others: set[str] = set()
        if element == "*":
            self.wildcard = True
        elif isinstance(element, dict):
            for kind, values in element.items():
                for value in _as_list(values):
                    if not isinstance(value, str):
                        continue
                    if kind == "AWS":
                        self._add_aws(value, arns, accounts, roles)
                    elif kind == "Service":
                        services.add(value.lower())
                    else:
                        others.add(value)
        self.arns = frozenset(arns)
        self.accounts = frozenset(accounts)
        self.roles = frozenset(roles)
        self.services = frozenset(services)
        self.others = frozenset(others)
        self.empty = not (self.wildcard or arns or accounts or roles or services or others)

    def _add_aws(
        self,
        value: str,
        arns: set[str],
        accounts: set[str],
        roles: set[tuple[str | None, str | None]],
    ) -> None:
        if value == "*":
            self.wildcard = True
            return
        if is_account_id(value):
            accounts.add(value)
            return
        caller = parse_principal(value)
        if caller.kind == ROOT:
            assert caller.account is not None  # a root ARN always names its account
            accounts.add(caller.account)
        elif caller.kind == ROLE:  # ("role" without a name: an entry nothing matches)
            arns.add(value)
            roles.add((caller.account, caller.name))
        else:
            arns.add(value)

    def match(self, caller: ParsedPrincipal) -> str | None:
        """``DIRECT`` when the element names the caller, ``ACCOUNT`` when it names
        the caller's account (delegation), else ``None``."""
        if self.wildcard:
            return DIRECT
        kind = caller.kind
        if kind == SERVICE:
            return DIRECT if caller.name in self.services else None
        if caller.arn in self.arns or caller.arn in self.others:
            return DIRECT
        if kind == SESSION and (caller.account, caller.name) in self.roles:
            return DIRECT
        if caller.account is not None and caller.account in self.accounts:
            return DIRECT if kind == ROOT else ACCOUNT
        return None

    def describe(self) -> str:
        if self.wildcard:
            return "*"
        names = sorted(self.arns | self.services | self.others)
        names += [f"arn:aws:iam::{a}:root" for a in sorted(self.accounts)]
        return ", ".join(names)


def grantee_matches(grantee: object, caller: ParsedPrincipal) -> bool:
    """Whether a grant's GranteePrincipal (or RetiringPrincipal) is the caller.

    A role grantee covers its sessions; the EC2 infrastructure grantee
    ``ACCOUNT:aws:ec2-infrastructure:ID`` (as CloudTrail shows it) is the
    session ``arn:aws:sts::ACCOUNT:assumed-role/aws:ec2-infrastructure/ID``.
    """
    if not isinstance(grantee, str):
        return False
    if grantee == caller.arn:
        return True
    if caller.kind == SERVICE:
        return grantee.lower() == caller.name
    if caller.kind == SESSION:
        m = _INFRA_GRANTEE.match(grantee)
        if m:
            return (
                caller.account == m.group(1)
                and caller.name == "aws:ec2-infrastructure"
                and caller.session == m.group(2)
            )
        target = parse_principal(grantee)
        return target.kind == ROLE and (target.account, target.name) == (
            caller.account,
            caller.name,
        )
    if caller.kind == ROOT:
        return is_account_id(grantee) and grantee == caller.account
    return False
