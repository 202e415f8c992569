"""Key material rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
RotateKeyOnDemand, ListKeyRotations, and automatic rotation on the engine clock.

Each rotation adds key material and makes it current; old material stays so blobs
made before keep decrypting (each blob names its key material)."""

from __future__ import annotations

from typing import Any

from kmstui import paging
from kmstui.caller import Caller
from kmstui.errors import LimitExceededException, UnsupportedOperationException
from kmstui.kms import materials, validation
from kmstui.kms.keys import DAY, add_key_material
from kmstui.kms.service import (
    ENABLED,
    PENDING_DELETION,
    CallContext,
    KmsService,
    operation,
)

DEFAULT_PERIOD_DAYS = 365


def _rotatable(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext, action: str
) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    service.authorize(ctx, caller, action, key)
    service.require_same_account(key, caller, action)
    service.require_customer_managed(key, action.split(":", 1)[1])
    service.require_usable(key)
    _require_rotating_spec(key, action.split(":", 1)[1])
    if key.get("MultiRegionKeyType") == "REPLICA":
        # rotation is a shared property: set on the primary, it applies to every replica
        raise UnsupportedOperationException(
            f"{key['Arn']} is a multi-Region replica key. Rotation of multi-Region keys is "
            "managed on their primary key."
        )
    return key


def _require_rotating_spec(key: dict, operation_name: str) -> None:
    """Only symmetric encryption keys rotate: asymmetric and HMAC keys answer
    UnsupportedOperationException."""
    if key["KeySpec"] != "SYMMETRIC_DEFAULT":
        raise UnsupportedOperationException(
            f"{key['Arn']} key spec {key['KeySpec']} is not supported for {operation_name}: "
            "only symmetric encryption KMS keys rotate."
        )
    if key["Origin"] != "AWS_KMS" and operation_name not in (
        "GetKeyRotationStatus",
        "RotateKeyOnDemand",
    ):
        # KMS cannot make imported key material: such keys rotate only on demand, to
        # new imported material (see ``materials``)
        raise UnsupportedOperationException(
            f"{key['Arn']} origin is {key['Origin']} which is not valid for this operation."
        )


@operation("EnableKeyRotation")
def enable_key_rotation(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    """Automatic rotation every RotationPeriodInDays (90–2560, default 365)."""
    period = (
        validation.integer(params, "RotationPeriodInDays", low=90, high=2560) or DEFAULT_PERIOD_DAYS
    )
    key = _rotatable(service, params, caller, ctx, "kms:EnableKeyRotation")
    rotation = {
        **key["Rotation"],
        "Enabled": True,
        "PeriodInDays": period,
        "NextRotationDate": service.clock.now() + period * DAY,
    }
    service.save_key({**key, "Rotation": rotation})
    service.due.reschedule()
    return {}


@operation("DisableKeyRotation")
def disable_key_rotation(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    key = _rotatable(service, params, caller, ctx, "kms:DisableKeyRotation")
    rotation = {**key["Rotation"], "Enabled": False, "NextRotationDate": None}
    service.save_key({**key, "Rotation": rotation})
    service.due.reschedule()
    return {}


@operation("GetKeyRotationStatus")
def get_key_rotation_status(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    service.authorize(ctx, caller, "kms:GetKeyRotationStatus", key)
    _require_rotating_spec(key, "GetKeyRotationStatus")
    rotation = key["Rotation"]
    enabled = rotation["Enabled"] and key["KeyState"] != PENDING_DELETION
    out: dict[str, Any] = {"KeyRotationEnabled": enabled, "KeyId": key["KeyId"]}
    if enabled:
        out["RotationPeriodInDays"] = rotation["PeriodInDays"]
        out["NextRotationDate"] = rotation["NextRotationDate"]
    out["OnDemandRotationCount"] = rotation.get("OnDemandCount", 0)
    out["OnDemandRotationLimit"] = service.on_demand_rotation_limit
    return out


@operation("RotateKeyOnDemand")
def rotate_key_on_demand(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    """Rotate now. Symmetric customer managed keys only, at most the configured limit
    (default 25) per key."""
    key = _rotatable(service, params, caller, ctx, "kms:RotateKeyOnDemand")
    count = key["Rotation"].get("OnDemandCount", 0)
    limit = service.on_demand_rotation_limit
    if count >= limit:
        raise LimitExceededException(
            f"The on-demand rotations limit has been reached for the given keyId. No more "
            f"on-demand rotations can be performed for this key: {key['KeyId']}"
        )
    updated = {**key, "Rotation": {**key["Rotation"], "OnDemandCount": count + 1}}
    if key["Origin"] == "EXTERNAL":
        updated, material_id = materials.rotate_to_pending(service, updated)
    else:
        material_id = add_key_material(service, updated, rotation_type="ON_DEMAND")
    service.save_key(updated)
    ctx.extra["keyMaterialId"] = material_id
    return {"KeyId": key["Arn"]}  # AWS answers with the key ARN, whatever KeyId named


def rotation_history(key: dict, include_original: bool = False) -> list[dict]:
    """ListKeyRotations' entries: the rotations, and with ``include_original`` the first
    key material and imported material pending rotation too. Symmetric keys with
    imported material add each material's import state, expiry and description."""
    imported = key["Origin"] == "EXTERNAL"
    out = []
    for material in key["Materials"]:
        if "RotationType" not in material and not include_original:
            continue
        entry: dict[str, Any] = {
            "KeyId": key["KeyId"],
            "KeyMaterialId": material["KeyMaterialId"],
            "KeyMaterialState": materials.state_of(key, material),
        }
        if "RotationType" in material:
            entry["RotationDate"] = material["RotationDate"]
            entry["RotationType"] = material["RotationType"]
        else:  # not a member of AWS's entry (clients ignore it); the console shows it
            entry["CreationDate"] = material["CreationDate"]
        if imported:
            entry.update(materials.import_fields(material))
        out.append(entry)
    return out


@operation("ListKeyRotations")
def list_key_rotations(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    include = validation.string(
        params, "IncludeKeyMaterial", optional=True, choices=("ALL_KEY_MATERIAL", "ROTATIONS_ONLY")
    )
    service.authorize(ctx, caller, "kms:ListKeyRotations", key)
    service.require_same_account(key, caller, "ListKeyRotations")
    history = rotation_history(key, include_original=include == "ALL_KEY_MATERIAL")
    chunk, tail = paging.kms_page(
        params, history, lambda entry: entry["KeyMaterialId"], default_limit=100
    )
    return {"Rotations": chunk, **tail}


def due_rotations(service: KmsService, now: float) -> list[tuple[dict, float]]:
    """(key, scheduled date) for every automatic rotation that is due."""
    due = []
    for key in service.all_keys():
        rotation = key.get("Rotation") or {}
        when = rotation.get("NextRotationDate")
        if (
            rotation.get("Enabled")
            and when is not None
            and when <= now
            and key["KeyState"] == ENABLED
            and key.get("MultiRegionKeyType") != "REPLICA"  # rotated with its primary
        ):
            due.append((key, when))
    return due


def rotate_automatically(service: KmsService, key: dict, now: float) -> dict:
    """One automatic rotation for a key whose rotation date has passed, however many
    periods have passed since.

    AWS rotates a key once per period, but it never skips time: here the engine clock
    can jump years ahead in one step (`kmstui clock advance`). Material for each period
    skipped would have been current only while no call was made, so no ciphertext can
    name it; making it would only fill the key with thousands of wrapped materials and
    rotation records, and make catching up cost time in proportion to the days passed.
    So the key gets one new material, dated at the last scheduled date that has passed,
    and the schedule keeps its cadence: the next date is one period after that one.
    The number of periods passed is computed, not counted, so a catch-up costs the
    same whatever the gap."""
    rotation = dict(key["Rotation"])
    updated = {**key, "Rotation": rotation}
    scheduled = rotation["NextRotationDate"]
    if scheduled is None or scheduled > now:
        return key
    period = rotation["PeriodInDays"] * DAY
    last_due = scheduled + ((now - scheduled) // period) * period
    add_key_material(service, updated, rotation_type="AUTOMATIC")
    updated["Materials"][-1]["RotationDate"] = last_due
    rotation["NextRotationDate"] = last_due + period
    service.save_key(updated)
    return updated
