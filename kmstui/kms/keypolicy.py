"""Key policies: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies.

A key has one policy, named ``default``. PutKeyPolicy stores the text exactly as
given (GetKeyPolicy returns it byte for byte) after the checks KMS makes: valid
policy grammar, at most 32 KB, principals that exist, and the lockout safety check
unless BypassPolicyLockoutSafetyCheck."""

from __future__ import annotations

from kmstui.caller import Caller
from kmstui.errors import NotFoundException
from kmstui.kms import validation
from kmstui.kms.service import CallContext, KmsService, operation


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
    service.engine.check_key_policy(policy, caller, bypass=bypass)
    service.save_key({**key, "Policy": policy})
    return {}


@operation("ListKeyPolicies")
def list_key_policies(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    validation.integer(params, "Limit", low=1, high=1000)
    service.authorize(ctx, caller, "kms:ListKeyPolicies", key)
    service.require_same_account(key, caller, "ListKeyPolicies")
    return {"PolicyNames": ["default"], "Truncated": False}
