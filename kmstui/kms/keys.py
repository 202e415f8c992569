"""Key lifecycle operations: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
ScheduleKeyDeletion, CancelKeyDeletion, UpdateKeyDescription — and real deletion
when a waiting period ends on the engine clock."""

from __future__ import annotations

import base64
from typing import Any

from kmstui import paging
from kmstui.caller import Caller
from kmstui.errors import (
    KMSInvalidStateException,
    UnsupportedOperationException,
    ValidationException,
)
from kmstui.kms import customkeystores, keypairs, multiregion, validation
from kmstui.kms.arns import key_arn
from kmstui.kms.grants import remove_key_grants
from kmstui.kms.keypolicy import check_key_policy
from kmstui.kms.policies import default_key_policy
from kmstui.kms.records import KeyMaterial, Rotation, Tag
from kmstui.kms.service import (
    DISABLED,
    ENABLED,
    PENDING_DELETION,
    PENDING_IMPORT,
    CallContext,
    KmsService,
    material_purpose,
    operation,
)
from kmstui.kms.tags import validate_tags
from kmstui.model import keyspecs

KEY_USAGES = (
    "SIGN_VERIFY",
    "ENCRYPT_DECRYPT",
    "GENERATE_VERIFY_MAC",
    "KEY_AGREEMENT",
    "ENCAPSULATE_DECAPSULATE",
)
ORIGINS = ("AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE")
DAY = 86400.0


def key_metadata(key: dict, service: KmsService | None = None) -> dict[str, Any]:
    """KeyMetadata as DescribeKey returns it (a multi-Region key's configuration
    names its related keys: it needs the service)."""
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
        **keyspecs.metadata_algorithms(key["KeySpec"], key["KeyUsage"]),
        "MultiRegion": multiregion.is_multi_region(key),
    }
    if meta["MultiRegion"] and service is not None:
        meta["MultiRegionConfiguration"] = multiregion.configuration(service, key)
    if key["KeySpec"] == keyspecs.SYMMETRIC and key["CurrentKeyMaterialId"]:
        meta["CurrentKeyMaterialId"] = key["CurrentKeyMaterialId"]
    if key.get("ExpirationModel"):
        meta["ExpirationModel"] = key["ExpirationModel"]
        if key.get("ValidTo") is not None:
            meta["ValidTo"] = key["ValidTo"]
    if key["KeyState"] == PENDING_DELETION:
        meta["DeletionDate"] = key["DeletionDate"]
        meta["PendingDeletionWindowInDays"] = key["PendingDeletionWindowInDays"]
    elif key["KeyState"] == multiregion.PENDING_REPLICA_DELETION:
        meta["PendingDeletionWindowInDays"] = key["PendingDeletionWindowInDays"]
    return meta


def new_key(
    service: KmsService,
    caller: Caller,
    *,
    description: str = "",
    policy: str | None = None,
    tags: list[Tag] | None = None,
    manager: str = "CUSTOMER",
    spec: str = keyspecs.SYMMETRIC,
    usage: str = "ENCRYPT_DECRYPT",
    origin: str = "AWS_KMS",
    multi_region: bool = False,
) -> dict:
    """A new key record with its first key material (not yet saved); a key of origin
    EXTERNAL waits in PendingImport for material imported into it."""
    key_id = "mrk-" + service.entropy.hex(16) if multi_region else service.entropy.uuid4()
    now = service.clock.now()
    key: dict[str, Any] = {
        "KeyId": key_id,
        "Arn": key_arn(caller.region, caller.account, key_id),
        "AWSAccountId": caller.account,
        "Region": caller.region,
        "CreationDate": now,
        "Description": description,
        "KeyUsage": usage,
        "KeySpec": spec,
        "Origin": origin,
        "KeyManager": manager,
        "KeyState": ENABLED if origin == "AWS_KMS" else PENDING_IMPORT,
        "Policy": policy if policy is not None else default_key_policy(caller.account),
        "Tags": list(tags or []),
        "Rotation": Rotation(
            Enabled=manager == "AWS",
            PeriodInDays=365,
            NextRotationDate=now + 365 * DAY if manager == "AWS" else None,
            OnDemandCount=0,
        ),
        "Materials": [],
        "CurrentKeyMaterialId": None,
    }
    if multi_region:
        key["MultiRegionKeyType"] = multiregion.PRIMARY
    if origin == "AWS_KMS":
        add_key_material(service, key, rotation_type=None)
    return key


def add_key_material(service: KmsService, key: dict, *, rotation_type: str | None) -> str:
    """Generate new key material, wrapped by the root key, and make it current."""
    material_id = service.entropy.hex(32)
    spec = key["KeySpec"]
    public: bytes | None = None
    if spec == keyspecs.SYMMETRIC:
        secret = service.entropy.token_bytes(32)
    elif spec in keyspecs.HMAC_KEY_BYTES:
        secret = service.entropy.token_bytes(keyspecs.HMAC_KEY_BYTES[spec])
    else:
        private = keypairs.generate(spec, service.entropy, service.rsa_pool)
        secret, public = keypairs.private_der(private), keypairs.public_der(private)
        del private
    wrapped = service.store.root_key.wrap(secret, material_purpose(key, material_id))
    del secret
    entry: KeyMaterial = {
        "KeyMaterialId": material_id,
        "Wrapped": wrapped,
        "CreationDate": service.clock.now(),
    }
    if public is not None:  # not secret: kept in the clear for GetPublicKey
        entry["PublicKey"] = base64.b64encode(public).decode("ascii")
    if rotation_type:
        entry["RotationDate"] = service.clock.now()
        entry["RotationType"] = rotation_type
    key["Materials"] = [*key["Materials"], entry]
    key["CurrentKeyMaterialId"] = material_id
    return material_id


@operation("CreateKey")
def create_key(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """CreateKey: symmetric, asymmetric (RSA, ECC, Edwards, ML-DSA) and HMAC keys, with
    the KeySpec x KeyUsage pairs AWS allows. A missing Policy gets AWS's default key
    policy."""
    policy = validation.string(params, "Policy", optional=True, max_len=32768)
    description = (
        validation.string(params, "Description", optional=True, min_len=0, max_len=8192) or ""
    )
    spec, usage = _spec_and_usage(params)
    origin = validation.string(params, "Origin", optional=True, choices=ORIGINS) or "AWS_KMS"
    bypass = validation.boolean(params, "BypassPolicyLockoutSafetyCheck")
    multi_region = validation.boolean(params, "MultiRegion")
    tags = validate_tags(params.get("Tags"))
    if spec in keyspecs.UNSUPPORTED_SPECS:
        raise UnsupportedOperationException(keyspecs.UNSUPPORTED_SPECS[spec])
    custom_store = validation.string(params, "CustomKeyStoreId", optional=True, max_len=64)
    validation.string(params, "XksKeyId", optional=True, max_len=128)
    if origin not in ("AWS_KMS", "EXTERNAL") and custom_store is None:
        raise ValidationException(
            f"A KMS key with Origin {origin} is created in a custom key store: "
            "specify its CustomKeyStoreId."
        )
    service.authorize(
        ctx,
        caller,
        "kms:CreateKey",
        None,
        extra={
            "kms:KeySpec": spec,
            "kms:KeyUsage": usage,
            "kms:KeyOrigin": origin,
            "kms:MultiRegion": multi_region,
            **({"kms:MultiRegionKeyType": multiregion.PRIMARY} if multi_region else {}),
            "kms:BypassPolicyLockoutSafetyCheck": bypass,
            "aws:TagKeys": [t["TagKey"] for t in tags],
            **{f"aws:RequestTag/{t['TagKey']}": t["TagValue"] for t in tags},
        },
    )
    if custom_store is not None:  # no custom key store exists (see customkeystores)
        raise customkeystores.not_found(custom_store)
    if policy is not None:
        check_key_policy(service, policy, caller, bypass=bypass)
    key = new_key(
        service,
        caller,
        description=description,
        policy=policy,
        tags=tags,
        spec=spec,
        usage=usage,
        origin=origin,
        multi_region=multi_region,
    )
    service.save_key(key)
    ctx.resources.append(key["Arn"])
    return {"KeyMetadata": key_metadata(key, service)}


def _spec_and_usage(params: dict) -> tuple[str, str]:
    """KeySpec (or the older CustomerMasterKeySpec) and KeyUsage, checked against the
    pairs AWS allows. KeyUsage may be left out only for a symmetric encryption key."""
    key_spec = validation.string(params, "KeySpec", optional=True, choices=keyspecs.KEY_SPECS)
    master_spec = validation.string(
        params, "CustomerMasterKeySpec", optional=True, choices=keyspecs.KEY_SPECS
    )
    if key_spec is not None and master_spec is not None:
        raise ValidationException(
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
            "CustomerMasterKeySpec parameter is deprecated. Use KeySpec."
        )
    spec = key_spec or master_spec or keyspecs.SYMMETRIC
    usage = validation.string(params, "KeyUsage", optional=True, choices=KEY_USAGES)
    if usage is None:
        if spec != keyspecs.SYMMETRIC:
            raise ValidationException(
                "You must specify a KeyUsage value for all KMS keys except for symmetric "
                "encryption keys."
            )
        usage = "ENCRYPT_DECRYPT"
    if usage not in keyspecs.usages(spec):
        raise ValidationException(f"KeyUsage {usage} is not compatible with KeySpec {spec}")
    return spec, usage


@operation("DescribeKey")
def describe_key(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller)
    service.authorize(ctx, caller, "kms:DescribeKey", key)
    return {"KeyMetadata": key_metadata(key, service)}


@operation("ListKeys")
def list_keys(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    service.authorize(ctx, caller, "kms:ListKeys", None)
    keys = service.keys_in(caller.account, caller.region)
    chunk, tail = paging.kms_page(
        params, keys, lambda k: (k["CreationDate"], k["KeyId"]), default_limit=100
    )
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
    if key["KeyState"] not in (ENABLED, DISABLED):
        service.require_usable(key)  # raises as the key's state says
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
    if key["KeyState"] in (multiregion.CREATING, multiregion.UPDATING):
        service.require_usable(key)  # raises as the key's state says
    waiting = multiregion.schedule_primary_deletion(service, key, days)
    if waiting is not None:  # its waiting period starts after its replicas are deleted
        return {
            "KeyId": key["Arn"],
            "KeyState": waiting["KeyState"],
            "PendingWindowInDays": days,
        }
    deletion_date = service.clock.now() + days * DAY
    service.save_key(
        {
            **key,
            "KeyState": PENDING_DELETION,
            "DeletionDate": deletion_date,
            "PendingDeletionWindowInDays": days,
        }
    )
    service.due.reschedule()
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
    if key["KeyState"] not in (PENDING_DELETION, multiregion.PENDING_REPLICA_DELETION):
        raise KMSInvalidStateException(f"{key['Arn']} is not pending deletion.")
    updated = {
        k: v for k, v in key.items() if k not in ("DeletionDate", "PendingDeletionWindowInDays")
    }
    # a key without key material (imported material deleted or never imported) goes
    # back to waiting for it
    current = next(
        (m for m in key["Materials"] if m["KeyMaterialId"] == key["CurrentKeyMaterialId"]), None
    )
    updated["KeyState"] = (
        DISABLED if current is not None and "Wrapped" in current else PENDING_IMPORT
    )
    service.save_key(updated)
    service.due.reschedule()
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
        for alias in service.aliases_of_key(key):
            service.delete_alias_record(alias)
        remove_key_grants(service, key)
        service.save_key(tombstone)
        multiregion.after_deletion(service, key, service.clock.now())
    if len(service.related_keys(key)) <= 1:
        service.forget_key_material(key["KeyId"])
