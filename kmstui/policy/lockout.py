"""The policy lockout safety check PutKeyPolicy and CreateKey run.

KMS refuses a key policy that would stop the caller from changing it later,
unless BypassPolicyLockoutSafetyCheck is set. A policy that delegates to the
caller's account passes: the caller's IAM policy can then grant
kms:PutKeyPolicy. We model that by evaluating PutKeyPolicy with an identity
policy that allows everything — only the key policy can then refuse.
"""

from __future__ import annotations

from .compiled import PolicyDocument, compile_policy
from .evaluate import ALLOW, Request, evaluate
from .principals import account_of_arn, parse_principal

_ALLOW_ALL = compile_policy(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
)


def lockout_safety_check(policy: PolicyDocument, caller: str, key_arn: str | None = None) -> bool:
    """True when ``policy`` still lets ``caller`` call kms:PutKeyPolicy.

    ``key_arn`` is the key the policy is for; without it any key of the
    caller's account counts. Raises ``ValueError`` for unparseable text.
    """
    compiled = compile_policy(policy)
    who = parse_principal(caller)
    resource = key_arn or "*"
    request = Request(
        principal=caller,
        action="kms:PutKeyPolicy",
        resource=resource,
        context={"kms:BypassPolicyLockoutSafetyCheck": False},
        resource_account=(account_of_arn(key_arn) if key_arn else None) or who.account,
    )
    return evaluate(request, key_policy=compiled, identity_policies=[_ALLOW_ALL]).effect == ALLOW
