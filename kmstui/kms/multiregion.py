"""Multi-Region keys: ReplicateKey, UpdatePrimaryRegion, what related keys share, and
the transient states AWS reports while a replica is made or the primary moves.

A multi-Region key (KeyId ``mrk-`` and 32 hex digits) is one key record per Region,
all with the same KeyId, addressed by their key ARNs. One is the PRIMARY, the others
REPLICA keys. The shared properties (key spec, key usage, origin, automatic rotation
and, for key material KMS made, the key material itself) are copied to every related
key whenever one is saved; the key policy, grants, aliases, tags, description and key
state belong to each Region. Imported key material is not shared: it is imported into
each related key, and must be the same material (its KeyMaterialId, a digest of the
key id and the material, is the same in every Region).

When "later" comes: ReplicateKey answers with the new replica in ``Creating`` and
UpdatePrimaryRegion leaves both keys in ``Updating``, as AWS answers. The transition
is due at the engine-clock time of the request, so it completes before the next call
the engine takes (the dispatcher runs due work first): the response and the request's
event show the transient state, and every later call sees the finished one.
"""

from __future__ import annotations

import re
from typing import Any

from kmstui.caller import Caller
from kmstui.errors import (
    AlreadyExistsException,
    DisabledException,
    KMSInvalidStateException,
    NotFoundException,
    UnsupportedOperationException,
)
from kmstui.kms import validation
from kmstui.kms.arns import key_arn
from kmstui.kms.keypolicy import check_key_policy
from kmstui.kms.policies import default_key_policy
from kmstui.kms.service import (
    DISABLED,
    ENABLED,
    PENDING_DELETION,
    PENDING_IMPORT,
    PENDING_REPLICA_DELETION,
    STATE_WORDS,
    CallContext,
    KmsService,
    operation,
)
from kmstui.kms.tags import validate_tags

PRIMARY, REPLICA = "PRIMARY", "REPLICA"
CREATING, UPDATING = "Creating", "Updating"
REGION_PATTERN = r"^([a-z]+-){2,3}\d+$"
# what every related key has in common; the material too when KMS made it
SHARED = ("KeySpec", "KeyUsage", "Origin", "Rotation")
SHARED_MATERIAL = ("Materials", "CurrentKeyMaterialId")
DAY = 86400.0


def is_multi_region(key: dict) -> bool:
    return bool(key.get("MultiRegionKeyType"))


def share(service: KmsService, key: dict) -> list[dict]:
    """The related keys of ``key`` updated with its shared properties (those that
    differ only; none for a single-Region key)."""
    fields = SHARED + (SHARED_MATERIAL if key["Origin"] == "AWS_KMS" else ())
    out = []
    for other in service.related_keys(key):
        if other["Arn"] == key["Arn"]:
            continue
        changes = {f: key[f] for f in fields if f in key and other.get(f) != key[f]}
        if changes:
            out.append({**other, **changes})
    return out


def configuration(service: KmsService, key: dict) -> dict[str, Any]:
    """MultiRegionConfiguration as DescribeKey returns it: the primary key and every
    replica (the key itself among them), in the same shape whichever is asked."""
    related = service.related_keys(key)
    primary = next((k for k in related if k["MultiRegionKeyType"] == PRIMARY), None)
    out: dict[str, Any] = {"MultiRegionKeyType": key["MultiRegionKeyType"]}
    if primary is not None:
        out["PrimaryKey"] = {"Arn": primary["Arn"], "Region": primary["Region"]}
    out["ReplicaKeys"] = [
        {"Arn": k["Arn"], "Region": k["Region"]}
        for k in related
        if k["MultiRegionKeyType"] == REPLICA
    ]
    return out


def condition_keys(key: dict) -> dict[str, Any]:
    """The key's kms:MultiRegion and kms:MultiRegionKeyType condition keys."""
    if not is_multi_region(key):
        return {"kms:MultiRegion": False}
    return {"kms:MultiRegion": True, "kms:MultiRegionKeyType": key["MultiRegionKeyType"]}


def _region(params: dict, member: str) -> str:
    value = validation.string(params, member, max_len=32)
    if not re.match(REGION_PATTERN, value):
        raise validation.violation(
            member, value, f"Member must satisfy regular expression pattern: {REGION_PATTERN}"
        )
    return value


def _primary(service: KmsService, params: dict, caller: Caller, operation_name: str) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    if not is_multi_region(key):
        raise UnsupportedOperationException(
            f"{key['Arn']} is not a multi-Region key. {operation_name} is supported only "
            "on multi-Region primary keys."
        )
    if key["MultiRegionKeyType"] != PRIMARY:
        raise UnsupportedOperationException(
            f"{key['Arn']} is a multi-Region replica key. {operation_name} is supported "
            "only on multi-Region primary keys."
        )
    return key


@operation("ReplicateKey")
def replicate_key(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """A replica of a multi-Region primary key in another Region of the partition,
    with its own policy, description and tags; it starts in Creating (see the module
    text) and becomes Enabled, or PendingImport when the primary's material is
    imported."""
    key = _primary(service, params, caller, "ReplicateKey")
    region = _region(params, "ReplicaRegion")
    policy = validation.string(params, "Policy", optional=True, max_len=32768)
    description = (
        validation.string(params, "Description", optional=True, min_len=0, max_len=8192) or ""
    )
    bypass = validation.boolean(params, "BypassPolicyLockoutSafetyCheck")
    tags = validate_tags(params.get("Tags"))
    service.authorize(ctx, caller, "kms:ReplicateKey", key, extra={"kms:ReplicaRegion": region})
    there = caller.in_region(region)  # the replica is created in its own Region
    service.authorize(
        ctx,
        there,
        "kms:CreateKey",
        None,
        extra={
            "kms:KeySpec": key["KeySpec"],
            "kms:KeyUsage": key["KeyUsage"],
            "kms:KeyOrigin": key["Origin"],
            "kms:MultiRegion": True,
            "kms:MultiRegionKeyType": REPLICA,
            "kms:BypassPolicyLockoutSafetyCheck": bypass,
            "aws:TagKeys": [t["TagKey"] for t in tags],
            **{f"aws:RequestTag/{t['TagKey']}": t["TagValue"] for t in tags},
        },
    )
    if key["KeyState"] == DISABLED:
        raise DisabledException(f"{key['Arn']} is disabled.")
    if key["KeyState"] not in (ENABLED, PENDING_IMPORT):
        raise KMSInvalidStateException(f"{key['Arn']} is {STATE_WORDS[key['KeyState']]}.")
    existing = service.key_in(key["AWSAccountId"], region, key["KeyId"])
    if existing is not None and existing["KeyState"] != "Deleted":
        raise AlreadyExistsException(
            f"Replica key {existing['Arn']} already exists"
            if region != key["Region"]
            else f"{key['Arn']} is the primary key in {region}"
        )
    if policy is not None:
        check_key_policy(service, policy, there, bypass=bypass)
    now = service.clock.now()
    replica: dict[str, Any] = {
        **{f: key[f] for f in SHARED},
        "KeyId": key["KeyId"],
        "Arn": key_arn(region, key["AWSAccountId"], key["KeyId"]),
        "AWSAccountId": key["AWSAccountId"],
        "Region": region,
        "CreationDate": now,
        "Description": description,
        "KeyManager": key["KeyManager"],
        "KeyState": CREATING,
        "Transition": {
            "Due": now,
            "Then": ENABLED if key["Origin"] == "AWS_KMS" else PENDING_IMPORT,
        },
        "Policy": policy if policy is not None else default_key_policy(key["AWSAccountId"]),
        "Tags": list(tags),
        "MultiRegionKeyType": REPLICA,
        "Materials": key["Materials"] if key["Origin"] == "AWS_KMS" else [],
        "CurrentKeyMaterialId": key["CurrentKeyMaterialId"] if key["Origin"] == "AWS_KMS" else None,
    }
    if key.get("ImportedKeyMaterialIds"):
        # the replica takes only the material imported into its primary
        replica["ImportedKeyMaterialIds"] = list(key["ImportedKeyMaterialIds"])
    service.save_key(replica)
    service.due.reschedule()
    ctx.touch(replica["Arn"])
    from kmstui.kms.keys import key_metadata

    out = {"ReplicaKeyMetadata": key_metadata(replica, service), "ReplicaPolicy": replica["Policy"]}
    if replica["Tags"]:  # KMS leaves the member out when the replica has no tags
        out["ReplicaTags"] = replica["Tags"]
    return out


@operation("UpdatePrimaryRegion")
def update_primary_region(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    """The replica in PrimaryRegion becomes the primary key and the primary a replica;
    both are Updating until the change completes (see the module text)."""
    key = _primary(service, params, caller, "UpdatePrimaryRegion")
    region = _region(params, "PrimaryRegion")
    service.authorize(
        ctx, caller, "kms:UpdatePrimaryRegion", key, extra={"kms:PrimaryRegion": region}
    )
    if region == key["Region"]:
        raise UnsupportedOperationException(f"{key['Arn']} is already the primary key in {region}.")
    replica = service.key_in(key["AWSAccountId"], region, key["KeyId"])
    if replica is None or replica["KeyState"] == "Deleted":
        raise NotFoundException(
            f"Key '{key_arn(region, key['AWSAccountId'], key['KeyId'])}' does not exist"
        )
    service.authorize(
        ctx,
        caller.in_region(region),
        "kms:UpdatePrimaryRegion",
        replica,
        extra={"kms:PrimaryRegion": region},
    )
    for each in (key, replica):
        if each["KeyState"] == DISABLED:
            raise DisabledException(f"{each['Arn']} is disabled.")
        if each["KeyState"] not in (ENABLED, PENDING_IMPORT):
            raise KMSInvalidStateException(f"{each['Arn']} is {STATE_WORDS[each['KeyState']]}.")
    now = service.clock.now()
    with service.store.transaction():
        for each, kind in ((key, REPLICA), (replica, PRIMARY)):
            service.save_key(
                {
                    **each,
                    "MultiRegionKeyType": kind,
                    "KeyState": UPDATING,
                    "Transition": {"Due": now, "Then": each["KeyState"]},
                }
            )
    service.due.reschedule()
    return {}


def transition_dates(service: KmsService) -> list[float]:
    return [k["Transition"]["Due"] for k in service.all_keys() if k.get("Transition")]


def finish_transitions(service: KmsService, now: float) -> list[dict]:
    """Complete the Creating and Updating transitions that are due; the keys changed."""
    done = []
    for key in service.all_keys():
        transition = key.get("Transition")
        if transition is None or transition["Due"] > now:
            continue
        updated = {k: v for k, v in key.items() if k != "Transition"}
        if key["KeyState"] in (CREATING, UPDATING):
            updated["KeyState"] = transition["Then"]
        service.save_key(updated)
        done.append(updated)
    return done


def schedule_primary_deletion(service: KmsService, key: dict, days: int) -> dict | None:
    """ScheduleKeyDeletion of a primary key that still has replicas: it waits in
    PendingReplicaDeletion, and its waiting period starts when the last replica is
    deleted. None when the key is no such primary."""
    if key.get("MultiRegionKeyType") != PRIMARY or len(service.related_keys(key)) < 2:
        return None
    updated = {
        **key,
        "KeyState": PENDING_REPLICA_DELETION,
        "PendingDeletionWindowInDays": days,
    }
    updated.pop("DeletionDate", None)
    service.save_key(updated)
    return updated


def after_deletion(service: KmsService, deleted: dict, now: float) -> None:
    """A replica has been deleted: a primary waiting for its replicas starts its own
    waiting period when none is left."""
    if deleted.get("MultiRegionKeyType") != REPLICA:
        return
    for key in service.keys_with_id(deleted["KeyId"]):
        if (
            key["KeyState"] == PENDING_REPLICA_DELETION
            and key["AWSAccountId"] == deleted["AWSAccountId"]
            and len(service.related_keys(key)) == 1
        ):
            days = key["PendingDeletionWindowInDays"]
            service.save_key(
                {**key, "KeyState": PENDING_DELETION, "DeletionDate": now + days * DAY}
            )
