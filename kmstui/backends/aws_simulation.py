"""The simulator on a remote account: the key policy (the editor's text, or the stored
one), the principal's IAM policies and the key's grants as the account holds them,
decided as KMS decides (:func:`kmstui.policy.evaluate`), and what it cannot see.

Reads go through ``call(service, operation, params) -> dict`` (see
:mod:`kmstui.backends.aws_identity`); a read that fails is named in the answer's
``unseen`` beside what no read shows (SCPs, permission boundaries, session policies)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields

from kmstui.backends.aws_identity import Call, IdentityPolicies, key_grants, key_record, key_tags
from kmstui.policy import Decision, Request, carried_context, compile_policy, evaluate

# What a simulation on a real account never sees, whatever the caller may read.
UNSEEN_ALWAYS = (
    "service control policies and resource control policies (AWS Organizations)",
    "permission boundaries",
    "session policies",
)


@dataclass
class SimulatedDecision(Decision):
    """A decision made from what the account let the simulator read; ``unseen`` names
    what it could not see."""

    unseen: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        shown = super().to_json()
        shown["explanation"]["unseen"] = list(self.unseen)
        return shown


@dataclass
class Facts:
    """What a simulation reads from the account besides the question."""

    key: dict
    policy: str | None  # the stored key policy, when no text was given
    grants: list[dict]
    identity: list[tuple[str, str]]
    unseen: list[str]


def read_facts(
    call: Call, key_id: str, principal: str, *, read_policy: bool, account: str | None = None
) -> Facts:
    """The key (DescribeKey, ListResourceTags), its policy (GetKeyPolicy, if asked),
    its grants (ListGrants) and the principal's IAM policies. AwsError if the key
    cannot be described or its policy read; any other read that fails is named in
    ``unseen``."""
    key = key_record(call, key_id)
    unseen: list[str] = []
    key["Tags"] = key_tags(call, key["Arn"], unseen)
    policy = None
    if read_policy:
        policy = call("kms", "GetKeyPolicy", {"KeyId": key["Arn"], "PolicyName": "default"})[
            "Policy"
        ]
    grants = key_grants(call, key["Arn"], unseen)
    reader = IdentityPolicies(call, account or key["AWSAccountId"])
    identity = reader.read(principal)
    return Facts(key, policy, grants, identity, unseen + reader.unseen)


def decide(
    facts: Facts,
    *,
    policy_text: str | None,
    principal: str,
    action: str,
    encryption_context: dict | None = None,
    via_service: str | None = None,
    now: float | None = None,
) -> SimulatedDecision:
    """The decision from ``facts`` as KMS makes it (see the engine's authorizer). An
    identity policy that does not parse is left out and named in ``unseen``."""
    from kmstui.kms.authorization import request_context
    from kmstui.kms.simulation import question

    key = facts.key
    region = key["Arn"].split(":")[3]
    caller, action = question(principal, action, key["AWSAccountId"], region, via_service)
    context = request_context(caller, time.time() if now is None else now, key, encryption_context)
    ignored: list[str] = []
    if encryption_context is not None:
        given = [k for k in context if k.startswith("kms:EncryptionContext")]
        context, ignored = carried_context(action, context, given)
    unseen = list(UNSEEN_ALWAYS) + list(facts.unseen)
    identity = []
    for name, document in facts.identity:
        try:
            identity.append(compile_policy(document, name))
        except ValueError as exc:
            unseen.append(f"the IAM policy {name}: it does not parse ({exc})")
    key_policy = policy_text if policy_text is not None else facts.policy
    request = Request(
        principal=caller.principal,
        action=action,
        resource=key["Arn"],
        context=context,
        principal_account=caller.account,
        resource_account=key["AWSAccountId"],
    )
    decision = evaluate(
        request,
        key_policy=compile_policy(key_policy or ""),
        identity_policies=identity,
        grants=facts.grants,
    )
    values = {f.name: getattr(decision, f.name) for f in fields(Decision)}
    values["ignored"] = ignored
    return SimulatedDecision(**values, unseen=unseen)


def simulate(
    call: Call,
    *,
    policy_text: str | None,
    principal: str,
    action: str,
    key_id: str,
    encryption_context: dict | None = None,
    via_service: str | None = None,
) -> SimulatedDecision:
    """Whether ``principal`` may do ``action`` on the key with ``policy_text`` in place
    of the stored policy (None: GetKeyPolicy's), with the principal's IAM policies and
    the key's grants as the account holds them. Nothing changes."""
    facts = read_facts(call, key_id, principal, read_policy=policy_text is None)
    return decide(
        facts,
        policy_text=policy_text,
        principal=principal,
        action=action,
        encryption_context=encryption_context,
        via_service=via_service,
    )
