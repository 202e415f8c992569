"""Authorization: the decision KMS makes for one request.

ExplicitDeny beats Allow beats ImplicitDeny, over the key policy, the
caller's identity (IAM) policies and the key's grants; statement order never
matters. Key policies add KMS's rule of delegation: a statement naming the
caller's *account* lets the account's IAM policies decide, so an IAM Allow
counts only when such a statement also allows the action, while IAM Denies
always count. A statement naming the caller itself (user, role and its
sessions, session, ``*``, service) allows on its own within the key's
account; a caller from another account also needs its own IAM Allow.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .compiled import CompiledPolicy, CompiledStatement, PolicyDocument, compile_policy
from .grants import grant_miss
from .principals import (
    DIRECT,
    ROOT,
    SERVICE,
    SESSION,
    USER,
    ParsedPrincipal,
    PrincipalSet,
    account_of_arn,
    parse_principal,
)

ALLOW = "Allow"
EXPLICIT_DENY = "ExplicitDeny"
IMPLICIT_DENY = "ImplicitDeny"

KEY_POLICY = "key-policy"
IDENTITY_POLICY = "identity-policy"
GRANT = "grant"

_PRINCIPAL_TYPES = {
    ROOT: "Account",
    USER: "User",
    SESSION: "AssumedRole",
    "federated-user": "FederatedUser",
}


@dataclass
class Request:
    principal: str
    action: str
    resource: str
    context: dict = field(default_factory=dict)
    principal_account: str | None = None
    resource_account: str | None = None


@dataclass
class Decision:
    effect: str
    matched: list[dict] = field(default_factory=list)
    not_matched: list[dict] = field(default_factory=list)
    reason: str | None = None
    decisive: list[dict] = field(default_factory=list, repr=False)
    #: Condition keys a simulated request was given that its action never carries,
    #: left out of the request context (see :mod:`.simulate`).
    ignored: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOW

    @property
    def decided_by(self) -> list[str]:
        """Sids (``#N`` for a statement without one) or grant ids that decided."""
        out = []
        for entry in self.decisive:
            if entry["source"] == GRANT:
                out.append(str(entry.get("grant_id")))
            else:
                label = entry["statement"]
                out.append(label if isinstance(label, str) else f"#{label}")
        return out

    @property
    def note(self) -> str | None:
        """What a person should know about the request as decided: the keys left out."""
        if not self.ignored:
            return None
        return (
            f"Left out {', '.join(self.ignored)}: requests for this action never carry "
            "them, so no condition on them can hold."
        )

    def to_json(self) -> dict:
        explanation: dict[str, list[dict] | list[str] | str] = {
            "matched": self.matched,
            "not_matched": self.not_matched,
        }
        if self.reason is not None:
            explanation["reason"] = self.reason
        note = self.note  # None when no key was left out
        if note is not None:
            explanation["ignored"] = self.ignored
            explanation["note"] = note
        return {"decision": self.effect, "explanation": explanation}


class _Context(dict):
    """Request context with lowercased keys; derived keys computed on demand."""

    __slots__ = ("request", "caller", "principal_account", "resource_account")
    request: Request
    caller: ParsedPrincipal
    principal_account: str | None
    resource_account: str | None

    def __missing__(self, key: str) -> str | bool | list[str]:
        caller = self.caller
        value: str | bool | list[str] | None
        if key in ("aws:principalaccount", "kms:calleraccount"):
            value = self.principal_account
        elif key == "aws:resourceaccount":
            value = self.resource_account
        elif key == "aws:principalarn":
            value = (
                caller.role_arn
                if caller.kind == SESSION
                else (None if caller.kind == SERVICE else caller.arn)
            )
        elif key == "aws:username":
            value = caller.name if caller.kind == USER else None
        elif key == "aws:principaltype":
            value = _PRINCIPAL_TYPES.get(caller.kind)
        elif key == "aws:principalisawsservice":
            value = caller.kind == SERVICE
        elif key == "aws:principalservicename":
            value = caller.name if caller.kind == SERVICE else None
        elif key == "kms:encryptioncontextkeys":
            prefix = "kms:encryptioncontext:"
            value = [
                k[len(prefix) :]
                for k in self.request.context
                if k[: len(prefix)].lower() == prefix and len(k) > len(prefix)
            ] or None
        else:
            value = None
        if value is None:
            raise KeyError(key)
        return value


def _context(
    request: Request,
    caller: ParsedPrincipal,
    principal_account: str | None,
    resource_account: str | None,
) -> _Context:
    ctx = _Context({k.lower(): v for k, v in request.context.items()})
    ctx.request = request
    ctx.caller = caller
    ctx.principal_account = principal_account
    ctx.resource_account = resource_account
    return ctx


def _as_compiled(policy: PolicyDocument, name: str | None = None) -> CompiledPolicy:
    return policy if isinstance(policy, CompiledPolicy) else compile_policy(policy, name)


def _scan(
    policy: CompiledPolicy,
    source: str,
    policy_label: str | int | None,  # an identity policy's name, else its position
    request: Request,
    action_lower: str,
    caller: ParsedPrincipal,
    ctx: _Context,
    check_principal: bool,
    matched: list[dict],
    not_matched: list[dict],
) -> Iterator[tuple[CompiledStatement, str | None, dict[str, object]]]:
    """Yield ``(statement, principal match kind)`` for each statement that applies,
    recording the others in ``not_matched``."""
    applicable = policy.for_action(action_lower)
    for st in policy.statements:
        entry: dict[str, object] = {"source": source, "statement": st.label}
        if policy_label is not None:
            entry["policy"] = policy_label
        if st.index not in applicable:
            entry["reason"] = st.action_miss(request.action)
            not_matched.append(entry)
            continue
        kind: str | None = DIRECT
        if check_principal:
            if st.principal is not None and st.not_principal is None:
                kind = st.principal.match(caller)
                if kind is None:
                    entry["reason"] = f"Principal does not include {caller.arn}"
                    not_matched.append(entry)
                    continue
            elif st.not_principal is not None and st.principal is None:
                if _exempt(st.not_principal, caller, st.effect == "Deny"):
                    entry["reason"] = f"NotPrincipal exempts {caller.arn}"
                    not_matched.append(entry)
                    continue
            else:
                entry["reason"] = "no single Principal or NotPrincipal element"
                not_matched.append(entry)
                continue
        miss = st.resource_miss(request.resource, ctx)
        if miss is None and st.conditions:
            miss = st.condition_miss(ctx)
        if miss is not None:
            entry["reason"] = miss
            not_matched.append(entry)
            continue
        entry["effect"] = st.effect
        matched.append(entry)
        yield st, kind, entry


def _exempt(not_principal: PrincipalSet, caller: ParsedPrincipal, deny: bool) -> bool:
    """Whether a NotPrincipal element leaves the caller out.

    A Deny with NotPrincipal is also evaluated for the caller's account, so it
    exempts a user or role only when the account is listed too.
    """
    kind = not_principal.match(caller)
    if kind != DIRECT:
        return False
    if not deny or caller.kind in (ROOT, SERVICE) or not_principal.wildcard:
        return True
    return caller.account in not_principal.accounts


def evaluate(
    request: Request,
    *,
    key_policy: PolicyDocument | None = None,
    identity_policies: Sequence = (),
    grants: Sequence[dict] = (),
) -> Decision:
    """Decide ``request`` as KMS would. Pure: same inputs, same decision.

    Policies may be compiled, text or dicts (text and dicts are compiled and
    cached by content); unparseable policy text raises ``ValueError``.
    """
    caller = parse_principal(request.principal)
    action_lower = request.action.lower()
    principal_account = request.principal_account or caller.account
    resource_account = request.resource_account or account_of_arn(request.resource)
    ctx = _context(request, caller, principal_account, resource_account)
    same_account = (
        caller.kind == SERVICE
        or principal_account is None
        or resource_account is None
        or principal_account == resource_account
    )
    matched: list[dict] = []
    not_matched: list[dict] = []
    denies: list[dict] = []
    key_direct: list[dict] = []
    key_delegated: list[dict] = []
    identity_allows: list[dict] = []
    grant_allows: list[dict] = []

    if key_policy is not None:
        kp = _as_compiled(key_policy)
        for st, kind, entry in _scan(
            kp, KEY_POLICY, None, request, action_lower, caller, ctx, True, matched, not_matched
        ):
            if st.effect == "Deny":
                denies.append(entry)
            elif kind == DIRECT:
                key_direct.append(entry)
            else:
                entry["delegation"] = True
                key_delegated.append(entry)

    for i, policy in enumerate(identity_policies):
        ip = _as_compiled(policy)
        label = ip.name if ip.name is not None else i
        for st, _kind, entry in _scan(
            ip,
            IDENTITY_POLICY,
            label,
            request,
            action_lower,
            caller,
            ctx,
            False,
            matched,
            not_matched,
        ):
            (denies if st.effect == "Deny" else identity_allows).append(entry)

    for grant in grants:
        grant_id = grant.get("GrantId") if isinstance(grant, dict) else None
        entry = {"source": GRANT, "grant_id": grant_id}
        miss = grant_miss(grant, caller, request.action, request.context)
        if miss is None:
            entry["effect"] = "Allow"
            matched.append(entry)
            grant_allows.append(entry)
        else:
            entry["reason"] = miss
            not_matched.append(entry)

    action = request.action
    if denies:
        in_key_policy = any(e["source"] == KEY_POLICY for e in denies)
        reason = (
            "with an explicit deny in a resource-based policy"
            if in_key_policy
            else "with an explicit deny in an identity-based policy"
        )
        return Decision(EXPLICIT_DENY, matched, not_matched, reason, denies)

    iam_ok = bool(identity_allows) or caller.kind == ROOT
    decisive: list[dict] = []
    if key_policy is None:
        if iam_ok:
            decisive = identity_allows
    elif same_account:
        if key_direct:
            decisive = key_direct
        elif key_delegated and iam_ok:
            decisive = key_delegated + identity_allows
    elif (key_direct or key_delegated) and iam_ok:
        decisive = key_direct + key_delegated + identity_allows
    if not decisive and grant_allows:
        decisive = grant_allows
    if decisive:
        return Decision(ALLOW, matched, not_matched, None, decisive)

    if key_policy is not None and not (key_direct or key_delegated):
        reason = f"no resource-based policy allows the {action} action"
    else:
        reason = f"no identity-based policy allows the {action} action"
    return Decision(IMPLICIT_DENY, matched, not_matched, reason, [])
