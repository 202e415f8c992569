"""Authorization of KMS requests: the request context AWS builds for each call, and
the decision.

The context holds the condition keys AWS documents for KMS requests
(``kms:CallerAccount``, ``kms:ViaService``, ``kms:EncryptionContext:<key>``,
``kms:EncryptionContextKeys``, key properties, grant keys, request parameters) and the
global ``aws:`` keys. The decision comes from the policy evaluator over the key policy,
the caller's identity policies and the key's grants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kmstui.caller import Caller
from kmstui.clock import iso8601
from kmstui.kms.encryption_context import EncryptionContext
from kmstui.memo import Memo

if TYPE_CHECKING:
    from kmstui.kms.service import KmsService

if TYPE_CHECKING:
    pass


@dataclass
class Verdict:
    """The outcome of one authorization: ``effect`` is Allow, ExplicitDeny or
    ImplicitDeny; ``decided_by`` names the statements (Sid or index) or grants.
    ``event`` is its form in an event record's ``decision``.

    Verdicts are memoised and shared between calls: treat them, and ``event``, as
    read-only.
    """

    action: str
    effect: str
    decided_by: list[str] = field(default_factory=list)
    reason: str | None = None
    explanation: dict[str, Any] | None = None
    allowed: bool = field(init=False, repr=False, compare=False)
    event: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.allowed = self.effect == "Allow"
        event = {"action": self.action, "effect": self.effect, "decidedBy": list(self.decided_by)}
        if self.reason:
            event["reason"] = self.reason
        self.event = event


def request_context(
    caller: Caller,
    now: float,
    key: dict | None,
    encryption_context: Mapping[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The condition keys of one request."""
    context: dict[str, Any] = {
        "kms:CallerAccount": caller.account,
        "aws:CurrentTime": iso8601(now),
        "aws:EpochTime": int(now),
        "aws:RequestedRegion": caller.region,
        "aws:SourceIp": caller.source_ip,
        "aws:UserAgent": caller.user_agent,
        "aws:SecureTransport": False,
    }
    if not caller.is_service:
        context["aws:PrincipalArn"] = caller.role_arn or caller.principal
        context["aws:PrincipalAccount"] = caller.account
        context["aws:PrincipalType"] = caller.principal_type
        context["aws:ViaAWSService"] = bool(caller.via_service)
        if caller.username:
            context["aws:username"] = caller.username
            context["aws:userid"] = caller.username
    else:
        context["aws:PrincipalServiceName"] = caller.principal
    if caller.via_service:
        context["kms:ViaService"] = caller.via_service
        context["aws:CalledVia"] = [caller.via_service.replace(f".{caller.region}", "")]
    if key is not None:
        context["kms:KeySpec"] = key["KeySpec"]
        context["kms:KeyUsage"] = key["KeyUsage"]
        context["kms:KeyOrigin"] = key["Origin"]
        if key.get("MultiRegionKeyType"):
            context["kms:MultiRegion"] = True
            context["kms:MultiRegionKeyType"] = key["MultiRegionKeyType"]
        else:
            context["kms:MultiRegion"] = False
        context["aws:ResourceAccount"] = key["AWSAccountId"]
        for tag in key.get("Tags", []):
            context[f"aws:ResourceTag/{tag['TagKey']}"] = tag["TagValue"]
    if encryption_context is not None:
        for name, value in encryption_context.items():
            context[f"kms:EncryptionContext:{name}"] = value
        context["kms:EncryptionContextKeys"] = sorted(encryption_context)
    if extra:
        context.update(extra)
    return context


class PolicyAuthorizer:
    """Decides with the key policy, the caller's identity policies and the key's grants
    (ExplicitDeny > Allow > ImplicitDeny), as KMS does.

    Policies are compiled once per distinct text (the policy package caches by
    content). A decision is a pure function of its inputs, so it is memoised on the
    request's values (caller, action, key, encryption context, other condition keys)
    together with what else it depends on: the key record and the key's grants, and
    IAM's generation (bumped by every change to a user or role). A record and a list
    of grants are replaced, never changed in place, so the one the decision read
    stands for its version. Policies that read the time are never memoised."""

    def __init__(self, kms: KmsService, memo_size: int = 20_000):
        self.kms = kms  # its grants by key, and the IAM service it asks
        self._decisions = Memo(memo_size)
        self._reads_time = Memo(4096)  # by policy text

    def identity_policy_texts(self, caller: Caller) -> tuple[tuple[str, str], ...]:
        # Services and the account root user have no identity policies (IAM would
        # look the root up and find none).
        if caller.is_service or caller.is_root:
            return ()
        return tuple(self.kms.iam.identity_policies(caller.principal))

    def decide(
        self,
        caller: Caller,
        action: str,
        key: dict | None,
        context: dict[str, Any],
        key_policy_text: str | None = None,
        identity: tuple[tuple[str, str], ...] | None = None,
    ):
        """The policy evaluator's Decision for one request (nothing memoised). An
        encryption context given for an action whose requests never carry one (a
        simulation's) is left out, and named in the decision."""
        from kmstui.policy import Request, carried_context, compile_policy, evaluate

        ignored: list[str] = []
        if "kms:EncryptionContextKeys" in context:
            given = [k for k in context if k.startswith("kms:EncryptionContext")]
            context, ignored = carried_context(action, context, given)

        if identity is None:
            identity = self.identity_policy_texts(caller)
        if key is None:
            resource, key_policy, grants = "*", None, []
        else:
            resource = key["Arn"]
            key_policy = compile_policy(
                key_policy_text if key_policy_text is not None else key["Policy"]
            )
            grants = self.kms.grants_by_key.get(key["Arn"], [])
        request = Request(
            principal=caller.principal,
            action=action,
            resource=resource,
            context=context,
            principal_account=caller.account,
            resource_account=key["AWSAccountId"] if key else caller.account,
        )
        decision = evaluate(
            request,
            key_policy=key_policy,
            identity_policies=[compile_policy(text, name) for name, text in identity],
            grants=grants,
        )
        decision.ignored = ignored
        return decision

    def check(
        self,
        caller: Caller,
        action: str,
        key: dict | None,
        encryption_context: Mapping[str, str] | EncryptionContext | None,
        extra: dict[str, Any] | None,
        now: float,
    ) -> Verdict:
        if key is None:
            if caller._is_service or caller._is_root:
                # Account-level actions (CreateKey, ListKeys ...) have no key policy: the
                # root user may always call them; services act within their own scope.
                return Verdict(
                    action=action,
                    effect="Allow",
                    decided_by=["account root user" if caller._is_root else caller.principal],
                )
            key_id = grants = None
        else:
            key_id = key["Arn"]  # replicas of a multi-Region key share their KeyId
            grants = self.kms.grants_by_key.get(key_id)
        generation = self.kms.iam.generation
        pairs: Mapping[str, str] | None
        if isinstance(encryption_context, EncryptionContext):
            pairs = encryption_context.mapping
            context_key: Any = encryption_context  # a value already
        else:
            pairs = encryption_context
            context_key = _frozen(pairs)
        try:
            conditions = tuple(extra.items()) if extra else None
            memo_key = (caller, action, key_id, context_key, conditions)
            hit = self._decisions.get(memo_key)
        except TypeError:  # list values (kms:GrantOperations, aws:TagKeys)
            memo_key = (caller, action, key_id, context_key, _frozen(extra))
            hit = self._decisions.get(memo_key)
        if hit is not None and hit[0] is key and hit[1] is grants and hit[2] == generation:
            return hit[3]
        identity = self.identity_policy_texts(caller)
        reads_time = key is not None and self._policy_reads_time(key["Policy"])
        for _name, text in identity:
            reads_time = reads_time or self._policy_reads_time(text)
        context = request_context(caller, now, key, pairs, extra)
        decision = self.decide(caller, action, key, context, identity=identity)
        decided_by = decision.decided_by
        if decision.allowed and not decided_by and caller._is_root:
            decided_by = ["account root user"]
        reason = None
        if not decision.allowed and decision.reason:
            reason = f"because {decision.reason}"
        verdict = Verdict(
            action=action, effect=decision.effect, decided_by=decided_by, reason=reason
        )
        if not reads_time:  # a policy that reads the time decides anew every call
            self._decisions.put(memo_key, (key, grants, generation, verdict))
        return verdict

    def _policy_reads_time(self, policy_text: str) -> bool:
        reads = self._reads_time.get(policy_text)
        if reads is None:
            lowered = policy_text.lower()
            reads = self._reads_time.put(policy_text, any(k in lowered for k in _TIME_KEYS))
        return reads


_TIME_KEYS = ("aws:currenttime", "aws:epochtime", "aws:tokenissuetime", "aws:multifactorauthage")


def _frozen(mapping: Mapping[str, Any] | None):
    """A hashable form of a map of condition values (list values as tuples) for the
    memo's key."""
    if not mapping:
        return None
    return frozenset((k, tuple(v) if isinstance(v, list) else v) for k, v in mapping.items())
