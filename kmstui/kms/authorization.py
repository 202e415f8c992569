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
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kmstui.caller import Caller
from kmstui.clock import iso8601
from kmstui.events import Encoded
from kmstui.kms.encryption_context import EncryptionContext

if TYPE_CHECKING:
    from kmstui.kms.service import KmsService


@dataclass
class Verdict:
    """The outcome of one authorization: ``effect`` is Allow, ExplicitDeny or
    ImplicitDeny; ``decided_by`` names the statements (Sid or index) or grants.
    ``event`` is its form in an event record's ``decision``, encoded once with it
    (:class:`~kmstui.events.Encoded`).

    Verdicts are memoised and shared between calls: treat them, and ``event`` (shared
    by every record of a memoised decision), as read-only.
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
        self.event = Encoded(event)


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
    content). Decisions are pure functions of their inputs, so they are memoised on
    everything they depend on: the request's caller, action, key, context pairs, the
    key record and its grants by identity (both are replaced, never mutated, when they
    change), and IAM's generation (bumped by every change to a user or role). Policies
    that read the time are never memoised."""

    def __init__(self, kms: KmsService):
        self.kms = kms  # its grants by key, and the IAM service it asks
        self._cache: dict[tuple, tuple[dict | None, list | None, int, Verdict]] = {}

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
        """The policy evaluator's Decision for one request (nothing memoised)."""
        from kmstui.policy import Request, compile_policy, evaluate

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
        return evaluate(
            request,
            key_policy=key_policy,
            identity_policies=[compile_policy(text, name) for name, text in identity],
            grants=grants,
        )

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
        # The memo: by the request's own inputs, valid while the key record and its
        # grants are the same objects and IAM has not changed since.
        generation = self.kms.iam.generation
        # (the class test narrows the type as isinstance would, more cheaply; mypy
        # does not read it as narrowing, hence the two ignores)
        pairs: Mapping[str, str] | None
        if encryption_context.__class__ is EncryptionContext:
            # interned: the object stands for its pairs
            context_key: Any = encryption_context
            pairs = encryption_context.mapping  # type: ignore[union-attr]
        else:
            pairs = encryption_context  # type: ignore[assignment]
            context_key = tuple(pairs.items()) if pairs else None
        try:
            memo_key = (
                caller,
                action,
                key_id,
                context_key,
                tuple(extra.items()) if extra else None,
            )
            hit = self._cache.get(memo_key)
        except TypeError:  # list values (kms:GrantOperations, aws:TagKeys)
            memo_key = (caller, action, key_id, _frozen(pairs), _frozen(extra))
            hit = self._cache.get(memo_key)
        if hit is not None and hit[0] is key and hit[1] is grants and hit[2] == generation:
            return hit[3]
        identity = self.identity_policy_texts(caller)
        reads_time = key is not None and _reads_time(key["Policy"])
        for _name, text in identity:
            reads_time = reads_time or _reads_time(text)
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
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[memo_key] = (key, grants, generation, verdict)
        return verdict


_CACHE_SIZE = 20_000
_TIME_KEYS = ("aws:currenttime", "aws:epochtime", "aws:tokenissuetime", "aws:multifactorauthage")


@lru_cache(maxsize=4096)
def _reads_time(policy_text: str) -> bool:
    lowered = policy_text.lower()
    return any(name in lowered for name in _TIME_KEYS)


def _frozen(mapping: Mapping[str, Any] | None):
    """A hashable form of a context map (list values as tuples) for the cache key. The
    pairs keep the map's order: the same pairs in another order only make another cache
    entry."""
    if not mapping:
        return None
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in mapping.items())
