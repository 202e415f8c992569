"""Key policies: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies.

A key has one policy, named ``default``. PutKeyPolicy stores the text exactly as
given (GetKeyPolicy returns it byte for byte) after the checks KMS makes: valid
policy grammar, at most 32 KB, principals that exist, and the lockout safety check
unless BypassPolicyLockoutSafetyCheck."""

from __future__ import annotations

from kmstui.caller import Caller
from kmstui.errors import MalformedPolicyDocumentException, NotFoundException
from kmstui.kms import validation
from kmstui.kms.service import CallContext, KmsService, operation
from kmstui.policy import Finding, kms_rejection, validate_policy


def validate_key_policy(
    service: KmsService, text: str, caller: Caller, *, bypass: bool = False
) -> list[Finding]:
    """Findings for a key policy as KMS and Access Analyzer would report them,
    including the lockout safety check for ``caller`` and principals IAM does not
    know."""
    return validate_policy(
        text,
        policy_type="KEY_POLICY",
        caller=None if caller.is_service else caller.principal,
        bypass_policy_lockout_safety_check=bypass,
        principal_exists=service.iam.principal_exists,
    )


def check_key_policy(
    service: KmsService, policy: str, caller: Caller, *, bypass: bool = False
) -> None:
    """What KMS checks before accepting a key policy (CreateKey, PutKeyPolicy,
    ReplicateKey): MalformedPolicyDocumentException with the first rejection, in KMS's
    words."""
    rejection = kms_rejection(validate_key_policy(service, policy, caller, bypass=bypass))
    if rejection is not None:
        where = rejection.span.start
        raise MalformedPolicyDocumentException(
            f"{rejection.message} (line {where.line}, column {where.column})"
        )


def _policy_name(params: dict) -> str:
    name = validation.string(params, "PolicyName", optional=True, max_len=128) or "default"
    if name != "default":
        raise NotFoundException(
            f"No such policy exists: {name}. The only valid policy name is 'default'."
        )
    return name


@operation("GetKeyPolicy")
def get_key_policy(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    name = _policy_name(params)
    service.authorize(ctx, caller, "kms:GetKeyPolicy", key)
    service.require_same_account(key, caller, "GetKeyPolicy")
    return {"Policy": key["Policy"], "PolicyName": name}


@operation("PutKeyPolicy")
def put_key_policy(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    _policy_name(params)
    policy = validation.string(params, "Policy", max_len=131072)
    bypass = validation.boolean(params, "BypassPolicyLockoutSafetyCheck")
    service.authorize(
        ctx, caller, "kms:PutKeyPolicy", key, extra={"kms:BypassPolicyLockoutSafetyCheck": bypass}
    )
    service.require_same_account(key, caller, "PutKeyPolicy")
    service.require_customer_managed(key, "PutKeyPolicy")
    check_key_policy(service, policy, caller, bypass=bypass)
    service.save_key({**key, "Policy": policy})
    return {}


@operation("ListKeyPolicies")
def list_key_policies(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    validation.integer(params, "Limit", low=1, high=1000)
    service.authorize(ctx, caller, "kms:ListKeyPolicies", key)
    service.require_same_account(key, caller, "ListKeyPolicies")
    return {"PolicyNames": ["default"], "Truncated": False}
