"""Key policies on a remote account: validation against its real principals, IAM Access
Analyzer's findings beside the local ones, and the simulator with the principal's IAM
policies and the key's grants as the account holds them.

Nothing here imports boto3: every request is ``call(service, operation, params) ->
dict``, which raises :class:`kmstui.errors.AwsError` for a refusal.

- :class:`AccountPrincipals`: the account's IAM users and roles (ListUsers, ListRoles),
  read once and again on :meth:`~AccountPrincipals.refresh`, for the validator's
  "principal does not exist" check.
- :func:`validate_key_policy`: the validator the embedded engine runs (KMS's rejections,
  the lockout check for the caller, principals that do not exist) plus, where the
  caller may call it, Access Analyzer's ValidatePolicy, its findings labelled
  ``source="Access Analyzer"``. When it cannot be called, one finding says so.
- :func:`simulate`: the key policy, the principal's IAM policies and the key's grants,
  and the list of what it cannot see (SCPs, permission boundaries, session policies,
  and any read that failed) in :attr:`SimulatedDecision.unseen`.
- :class:`AwsPolicy`: all of it for one backend, with what it read remembered for a
  while (the editor asks again after each keystroke)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from kmstui.backends.aws_identity import Call, failed, iam_pages
from kmstui.backends.aws_simulation import (
    UNSEEN_ALWAYS,
    Facts,
    SimulatedDecision,
    decide,
    read_facts,
    simulate,
)
from kmstui.caller import Caller
from kmstui.errors import AwsError, MalformedPolicyDocumentException
from kmstui.policy import (
    ACCESS_ANALYZER,
    ERROR,
    SECURITY_WARNING,
    SUGGESTION,
    WARNING,
    Finding,
    Position,
    Span,
    kms_rejection,
    parse_policy,
    validate_policy,
)
from kmstui.policy.findings import sort_key
from kmstui.policy.principals import ROLE, ROOT, SESSION, USER, is_account_id, parse_principal

__all__ = [
    "UNSEEN_ALWAYS",
    "AccessAnalyzer",
    "AccountPrincipals",
    "AwsPolicy",
    "SimulatedDecision",
    "check_key_policy",
    "simulate",
    "validate_key_policy",
]

# Access Analyzer's findingType -> the validator's severity (the same four names).
_SEVERITIES = {ERROR: ERROR, SECURITY_WARNING: SECURITY_WARNING, WARNING: WARNING}
# A refusal that will not change until the credentials or the account's set-up do.
_LASTING = {
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
    "UnknownOperationException",
    "InvalidAction",
    "UnrecognizedClientException",
    "SubscriptionRequiredException",
    "OptInRequired",
}
_START = Span(Position(1, 1), Position(1, 2))


class AccountPrincipals:
    """The account's IAM users' and roles' ARNs, read on first use (ListUsers and
    ListRoles, every page) and kept until :meth:`refresh`. If they cannot be read,
    :attr:`problem` says why and every principal of the account is "cannot tell"."""

    def __init__(self, call: Call, account: str):
        self.call = call
        self.account = account
        self._lock = threading.Lock()
        self._read = False
        self._users: frozenset[str] = frozenset()
        self._roles: frozenset[str] = frozenset()
        self._role_names: frozenset[str] = frozenset()
        self._problem: str | None = None

    def refresh(self) -> None:
        """Read the users and roles again on next use."""
        with self._lock:
            self._read = False

    def _ensure(self) -> None:
        with self._lock:
            if self._read:
                return
            users: list[str] = []
            roles: list[dict] = []
            problem = None
            operation = "ListUsers"
            try:
                users = [u["Arn"] for u in iam_pages(self.call, operation, {}, "Users")]
                operation = "ListRoles"
                roles = list(iam_pages(self.call, operation, {}, "Roles"))
            except AwsError as exc:
                problem = failed("the account's IAM users and roles", operation, exc)
                users, roles = [], []
            self._users = frozenset(users)
            self._roles = frozenset(r["Arn"] for r in roles)
            self._role_names = frozenset(r["RoleName"].lower() for r in roles)
            self._problem = problem
            self._read = True

    @property
    def problem(self) -> str | None:
        """Why the users and roles could not be read, or None."""
        self._ensure()
        return self._problem

    def known(self) -> list[str] | None:
        """The users' and roles' ARNs if they have been read, without a request: None
        until then, none if they could not be read (``problem`` says why)."""
        with self._lock:
            if not self._read:
                return None
            return sorted(self._users | self._roles)

    def arns(self) -> list[str] | None:
        """Every user's and role's ARN, sorted; None if they could not be read."""
        self._ensure()
        if self._problem is not None:
            return None
        return sorted(self._users | self._roles)

    def exists(self, arn: str) -> bool | None:
        """Whether the principal exists; None when that cannot be told from here
        (another account, a service, a listing that failed)."""
        if is_account_id(arn):
            return True if arn == self.account else None
        who = parse_principal(arn)
        if who.account != self.account:
            return None
        if who.kind == ROOT:
            return True
        self._ensure()
        if self._problem is not None:
            return None
        if who.kind == USER:
            return arn in self._users
        if who.kind == ROLE:
            return arn in self._roles
        if who.kind == SESSION:
            return (who.name or "").lower() in self._role_names
        if arn.split(":", 5)[2] == "sts":
            return None  # federated users: sessions IAM does not list
        return False


class AccessAnalyzer:
    """IAM Access Analyzer's ValidatePolicy for key policies. Answers are remembered
    by text (the editor asks again for text it has seen); a lasting refusal (denied,
    or an endpoint without the service) is remembered until :meth:`refresh`."""

    MEMO = 64

    def __init__(self, call: Call):
        self.call = call
        self._lock = threading.Lock()
        self._memo: dict[str, list[Finding]] = {}
        self._refused: Finding | None = None

    def refresh(self) -> None:
        with self._lock:
            self._memo.clear()
            self._refused = None

    def findings(self, text: str) -> list[Finding]:
        with self._lock:
            if self._refused is not None:
                return [self._refused]
            known = self._memo.get(text)
        if known is not None:
            return known
        try:
            found = self._validate(text)
        except AwsError as exc:
            finding = unavailable(f"{exc.code}: {exc.message}" if exc.message else exc.code)
            if exc.code in _LASTING:
                with self._lock:
                    self._refused = finding
            return [finding]
        except Exception as exc:  # an answer of an unexpected shape must not break the editor
            return [unavailable(f"{type(exc).__name__}: {exc}")]
        with self._lock:
            if len(self._memo) >= self.MEMO:
                self._memo.pop(next(iter(self._memo)))
            self._memo[text] = found
        return found

    def _validate(self, text: str) -> list[Finding]:
        params: dict[str, Any] = {
            "policyDocument": text,
            "policyType": "RESOURCE_POLICY",
            "validatePolicyResourceType": "AWS::KMS::Key",
        }
        found: list[Finding] = []
        while True:
            answer = self.call("accessanalyzer", "ValidatePolicy", params)
            found.extend(analyzer_finding(f) for f in answer.get("findings", []))
            token = answer.get("nextToken")
            if not token:
                return found
            params = {**params, "nextToken": token}


def analyzer_finding(raw: dict) -> Finding:
    """One of ValidatePolicy's findings as a validator finding: its findingType as the
    severity, issueCode, findingDetails, and the span of its first location (Access
    Analyzer counts columns from 0, the validator from 1)."""
    span = _START
    for location in raw.get("locations") or []:
        where = location.get("span") or {}
        start, end = where.get("start"), where.get("end")
        if start and end:
            span = Span(
                Position(int(start["line"]), int(start["column"]) + 1),
                Position(int(end["line"]), int(end["column"]) + 1),
            )
            break
    severity = _SEVERITIES.get(str(raw.get("findingType")), SUGGESTION)
    message = str(raw.get("findingDetails") or raw.get("issueCode") or "")
    return Finding(severity, str(raw.get("issueCode") or "FINDING"), message, span, ACCESS_ANALYZER)


def unavailable(why: str) -> Finding:
    """The one finding that says Access Analyzer could not be asked (not an error)."""
    return Finding(
        SUGGESTION,
        "ACCESS_ANALYZER_UNAVAILABLE",
        f"IAM Access Analyzer's ValidatePolicy could not be used ({why}); only the "
        "console's own checks ran.",
        _START,
        ACCESS_ANALYZER,
    )


def _local(text: str, caller: Caller, principals: AccountPrincipals, bypass: bool) -> list[Finding]:
    findings = validate_policy(
        text,
        policy_type="KEY_POLICY",
        caller=None if caller.is_service else caller.principal,
        bypass_policy_lockout_safety_check=bypass,
        principal_exists=principals.exists,
    )
    if principals.problem is not None:
        findings.append(
            Finding(
                SUGGESTION,
                "PRINCIPALS_UNCHECKED",
                f"Principals were not checked against IAM ({principals.problem}); KMS "
                "still refuses a principal that does not exist.",
                _START,
            )
        )
    return findings


def validate_key_policy(
    text: str,
    caller: Caller,
    principals: AccountPrincipals,
    call: Call,
    *,
    bypass: bool = False,
    analyzer: AccessAnalyzer | None = None,
) -> list[Finding]:
    """The local findings (KMS's rejections, the lockout check for ``caller``, the
    account's real principals) and Access Analyzer's, sorted by position. Text that is
    not JSON is not sent to Access Analyzer (the local syntax error says it all)."""
    findings = _local(text, caller, principals, bypass)
    if parse_policy(text).root is not None:
        findings.extend((analyzer or AccessAnalyzer(call)).findings(text))
    findings.sort(key=sort_key)
    return findings


def check_key_policy(
    text: str, caller: Caller, principals: AccountPrincipals, *, bypass: bool = False
) -> None:
    """What KMS checks before it accepts a key policy, run before PutKeyPolicy is sent,
    with the account's users and roles read afresh: MalformedPolicyDocumentException
    with the first rejection (the lockout check for ``caller`` among them)."""
    principals.refresh()
    rejection = kms_rejection(f for f in _local(text, caller, principals, bypass) if f.local)
    if rejection is not None:
        where = rejection.span.start
        raise MalformedPolicyDocumentException(
            f"{rejection.message} (line {where.line}, column {where.column}; checked "
            "before sending PutKeyPolicy)"
        )


class AwsPolicy:
    """The policy editor's validation and simulation for one remote backend. What the
    simulator read is remembered for ``ttl`` seconds (the editor simulates again after
    each keystroke); :meth:`refresh` forgets everything read."""

    def __init__(
        self,
        call: Call,
        account: str,
        *,
        ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        principals: AccountPrincipals | None = None,
    ):
        self.call = call
        self.account = account
        # IAM is global: one backend's Regions may share one reading of it.
        self.principals = principals or AccountPrincipals(call, account)
        self.analyzer = AccessAnalyzer(call)
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._facts: dict[tuple[str, str, bool], tuple[float, Facts]] = {}

    def refresh(self) -> None:
        self.principals.refresh()
        self.analyzer.refresh()
        with self._lock:
            self._facts.clear()

    def validate_key_policy(self, text: str, caller: Caller, *, bypass: bool = False) -> list:
        return validate_key_policy(
            text, caller, self.principals, self.call, bypass=bypass, analyzer=self.analyzer
        )

    def check_key_policy(self, text: str, caller: Caller, *, bypass: bool = False) -> None:
        check_key_policy(text, caller, self.principals, bypass=bypass)

    def simulate(
        self,
        *,
        policy_text: str | None,
        principal: str,
        action: str,
        key_id: str,
        encryption_context: dict | None = None,
        via_service: str | None = None,
    ) -> SimulatedDecision:
        read_policy = policy_text is None
        memo = (key_id, principal, read_policy)
        now = self._clock()
        with self._lock:
            held = self._facts.get(memo)
        if held is None or now - held[0] > self.ttl:
            facts = read_facts(
                self.call, key_id, principal, read_policy=read_policy, account=self.account
            )
            with self._lock:
                self._facts = {k: v for k, v in self._facts.items() if now - v[0] <= self.ttl}
                self._facts[memo] = (now, facts)
        else:
            facts = held[1]
        return decide(
            facts,
            policy_text=policy_text,
            principal=principal,
            action=action,
            encryption_context=encryption_context,
            via_service=via_service,
        )
