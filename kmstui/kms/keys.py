"""Key lifecycle operations: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
ScheduleKeyDeletion, CancelKeyDeletion, UpdateKeyDescription — and real deletion
when a waiting period ends on the engine clock."""

from __future__ import annotations

from typing import Any

from kmstui.caller import Caller
from kmstui.errors import (
    KMSInvalidStateException,
    UnsupportedOperationException,
)
from kmstui.kms import paging, validation
from kmstui.kms.arns import key_arn
from kmstui.kms.grants import remove_key_grants
from kmstui.kms.policies import default_key_policy
from kmstui.kms.service import (
    DISABLED,
    ENABLED,
    PENDING_DELETION,
    CallContext,
    KmsService,
    material_purpose,
    operation,
)
from kmstui.kms.tags import validate_tags

KEY_SPECS = (
    "SYMMETRIC_DEFAULT",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "HMAC_224",
    "HMAC_256",
    "HMAC_384",
    "HMAC_512",
    "SM2",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
    "ECC_NIST_EDWARDS25519",
)
KEY_USAGES = ("SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT")
ORIGINS = ("AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE")
DAY = 86400.0


def key_metadata(key: dict) -> dict[str, Any]:
    """KeyMetadata as DescribeKey returns it."""
    meta: dict[str, Any] = {
        "AWSAccountId": key["AWSAccountId"],
        "KeyId": key["KeyId"],
        "Arn": key["Arn"],
        "CreationDate": key["CreationDate"],
        "Enabled": key["KeyState"] == ENABLED,
        "Description": key.get("Description", ""),
        "KeyUsage": key["KeyUsage"],
        "KeyState": key["KeyState"],
        "Origin": key["Origin"],
        "KeyManager": key["KeyManager"],
        "CustomerMasterKeySpec": key["KeySpec"],
        "KeySpec": key["KeySpec"],
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
        "CurrentKeyMaterialId": key["CurrentKeyMaterialId"],
    }
    if key["KeyState"] == PENDING_DELETION:
        meta["DeletionDate"] = key["DeletionDate"]
        meta["PendingDeletionWindowInDays"] = key["PendingDeletionWindowInDays"]
    return meta


def new_key(
    service: KmsService,
    caller: Caller,
    *,
    description: str = "",
    policy: str | None = None,
    tags: list[dict] | None = None,
    manager: str = "CUSTOMER",
) -> dict:
    """A new symmetric key record with its first key material (not yet saved)."""
    engine = service.engine
    key_id = engine.entropy.uuid4()
    now = engine.clock.now()
    key: dict[str, Any] = {
        "KeyId": key_id,
        "Arn": key_arn(caller.region, caller.account, key_id),
        "AWSAccountId": caller.account,
        "Region": caller.region,
        "CreationDate": now,
        "Description": description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "Origin": "AWS_KMS",
        "KeyManager": manager,
        "KeyState": ENABLED,
        "Policy": policy if policy is not None else default_key_policy(caller.account),
        "Tags": list(tags or []),
        "Rotation": {
            "Enabled": manager == "AWS",
            "PeriodInDays": 365,
            "NextRotationDate": now + 365 * DAY if manager == "AWS" else None,
            "OnDemandCount": 0,
        },
        "Materials": [],
        "CurrentKeyMaterialId": None,
    }
    add_key_material(service, key, rotation_type=None)
    return key


def add_key_material(service: KmsService, key: dict, *, rotation_type: str | None) -> str:
    """Generate new key material, wrapped by the root key, and make it current."""
    engine = service.engine
    material_id = engine.entropy.hex(32)
    secret = engine.entropy.token_bytes(32)
    wrapped = service.store.root_key.wrap(secret, material_purpose(key, material_id))
    del secret
    entry: dict[str, Any] = {
        "KeyMaterialId": material_id,
        "Wrapped": wrapped,
        "CreationDate": engine.clock.now(),
    }
    if rotation_type:
        entry["RotationDate"] = engine.clock.now()
        entry["RotationType"] = rotation_type
    key["Materials"] = [*key["Materials"], entry]
    key["CurrentKeyMaterialId"] = material_id
    return material_id


@operation("CreateKey")
def create_key(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """CreateKey. Symmetric encryption keys only; other specs ->
    UnsupportedOperationException. A missing Policy gets AWS's default key policy."""
    policy = validation.string(params, "Policy", optional=True, max_len=32768)
    description = (
        validation.string(params, "Description", optional=True, min_len=0, max_len=8192) or ""
    )
    spec = (
        validation.string(params, "KeySpec", optional=True, choices=KEY_SPECS)
        or validation.string(params, "CustomerMasterKeySpec", optional=True, choices=KEY_SPECS)
        or "SYMMETRIC_DEFAULT"
    )
    usage = (
        validation.string(params, "KeyUsage", optional=True, choices=KEY_USAGES)
        or "ENCRYPT_DECRYPT"
    )
    origin = validation.string(params, "Origin", optional=True, choices=ORIGINS) or "AWS_KMS"
    bypass = validation.boolean(params, "BypassPolicyLockoutSafetyCheck")
    multi_region = validation.boolean(params, "MultiRegion")
    tags = validate_tags(params.get("Tags"))
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        if spec == "SYMMETRIC_DEFAULT" and usage != "ENCRYPT_DECRYPT":
            from kmstui.errors import ValidationException

            raise ValidationException(
                f"KeyUsage {usage} is not compatible with KeySpec SYMMETRIC_DEFAULT"
            )
        raise UnsupportedOperationException(
            f"KeySpec {spec} is not supported by this KMS; only SYMMETRIC_DEFAULT "
            "(ENCRYPT_DECRYPT) keys can be created."
        )
    if origin != "AWS_KMS":
        raise UnsupportedOperationException(f"Origin {origin} is not supported; use AWS_KMS.")
    if multi_region:
        raise UnsupportedOperationException("Multi-Region keys are not supported.")
    service.authorize(
        ctx,
        caller,
        "kms:CreateKey",
        None,
        extra={
            "kms:KeySpec": spec,
            "kms:KeyUsage": usage,
            "kms:KeyOrigin": origin,
            "kms:MultiRegion": False,
            "kms:BypassPolicyLockoutSafetyCheck": bypass,
            "aws:TagKeys": [t["TagKey"] for t in tags],
            **{f"aws:RequestTag/{t['TagKey']}": t["TagValue"] for t in tags},
        },
    )
    if policy is not None:
        service.engine.check_key_policy(policy, caller, bypass=bypass)
    key = new_key(service, caller, description=description, policy=policy, tags=tags)
    service.save_key(key)
    ctx.resources.append(key["Arn"])
    return {"KeyMetadata": key_metadata(key)}


@operation("DescribeKey")
def describe_key(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller)
    service.authorize(ctx, caller, "kms:DescribeKey", key)
    return {"KeyMetadata": key_metadata(key)}


@operation("ListKeys")
def list_keys(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    service.authorize(ctx, caller, "kms:ListKeys", None)
    keys = service.keys_in(caller.account, caller.region)
    chunk, tail = paging.page(params, keys, default_limit=100)
    return {"Keys": [{"KeyId": k["KeyId"], "KeyArn": k["Arn"]} for k in chunk], **tail}


def _set_key_state(
    service: KmsService,
    params: dict,
    caller: Caller,
    ctx: CallContext,
    operation_name: str,
    state: str,
) -> dict:
    """EnableKey and DisableKey: customer managed keys of the caller's account, not
    pending deletion; setting the state a key already has is not an error."""
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    service.authorize(ctx, caller, f"kms:{operation_name}", key)
    service.require_same_account(key, caller, operation_name)
    service.require_customer_managed(key, operation_name)
    service.require_not_pending_deletion(key)
    if key["KeyState"] != state:
        service.save_key({**key, "KeyState": state})
    return {}


@operation("EnableKey")
def enable_key(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return _set_key_state(service, params, caller, ctx, "EnableKey", ENABLED)


@operation("DisableKey")
def disable_key(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return _set_key_state(service, params, caller, ctx, "DisableKey", DISABLED)


@operation("ScheduleKeyDeletion")
def schedule_key_deletion(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    """ScheduleKeyDeletion: PendingWindowInDays 7–30 (default 30). The key becomes
    PendingDeletion and is deleted, with its aliases, when the window passes."""
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    days = validation.integer(params, "PendingWindowInDays", low=7, high=30) or 30
    service.authorize(
        ctx,
        caller,
        "kms:ScheduleKeyDeletion",
        key,
        extra={"kms:ScheduleKeyDeletionPendingWindowInDays": days},
    )
    service.require_same_account(key, caller, "ScheduleKeyDeletion")
    service.require_customer_managed(key, "ScheduleKeyDeletion")
    service.require_not_pending_deletion(key)
    deletion_date = service.engine.clock.now() + days * DAY
    service.save_key(
        {
            **key,
            "KeyState": PENDING_DELETION,
            "DeletionDate": deletion_date,
            "PendingDeletionWindowInDays": days,
        }
    )
    service.engine.reschedule()
    return {
        "KeyId": key["Arn"],
        "DeletionDate": deletion_date,
        "KeyState": PENDING_DELETION,
        "PendingWindowInDays": days,
    }


@operation("CancelKeyDeletion")
def cancel_key_deletion(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    """CancelKeyDeletion: a PendingDeletion key returns to Disabled."""
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    service.authorize(ctx, caller, "kms:CancelKeyDeletion", key)
    service.require_same_account(key, caller, "CancelKeyDeletion")
    if key["KeyState"] != PENDING_DELETION:
        raise KMSInvalidStateException(f"{key['Arn']} is not pending deletion.")
    updated = {
        k: v for k, v in key.items() if k not in ("DeletionDate", "PendingDeletionWindowInDays")
    }
    updated["KeyState"] = DISABLED
    service.save_key(updated)
    service.engine.reschedule()
    return {"KeyId": key["Arn"]}


@operation("UpdateKeyDescription")
def update_key_description(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    description = validation.string(params, "Description", min_len=0, max_len=8192)
    service.authorize(ctx, caller, "kms:UpdateKeyDescription", key)
    service.require_same_account(key, caller, "UpdateKeyDescription")
    service.require_customer_managed(key, "UpdateKeyDescription")
    service.require_not_pending_deletion(key)
    service.save_key({**key, "Description": description})
    return {}


def delete_key_now(service: KmsService, key: dict) -> None:
    """The waiting period has passed: the key material, aliases and grants go; a
    tombstone remains so old ciphertexts fail with NotFoundException."""
    tombstone = {
        "KeyId": key["KeyId"],
        "Arn": key["Arn"],
        "AWSAccountId": key["AWSAccountId"],
        "Region": key["Region"],
        "KeyState": "Deleted",
        "CreationDate": key["CreationDate"],
        "DeletedDate": key.get("DeletionDate"),
        "KeyManager": key["KeyManager"],
        "KeyUsage": key["KeyUsage"],
        "KeySpec": key["KeySpec"],
        "Origin": key["Origin"],
        "Materials": [],
        "CurrentKeyMaterialId": None,
        "Tags": [],
    }
    with service.store.transaction():
        for alias in service.aliases_of(key["KeyId"]):
            service.delete_alias_record(alias)
        remove_key_grants(service, key)
        service.save_key(tombstone)
    service.forget_key_material(key["KeyId"])
