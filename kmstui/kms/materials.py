"""The imported key materials of a key: where each stands, and on-demand rotation of
symmetric keys with new imported material.

Every entry of a key's ``Materials`` is one key material. An imported one carries its
own ``ExpirationModel``, ``ValidTo`` and ``KeyMaterialDescription``; ``Wrapped`` (the
material under the root key) is present only while the material is imported, so a
symmetric key remembers material that was deleted or expired (ImportState
PENDING_IMPORT) and takes exactly that material again. ``PendingRotation`` marks new
material imported with ImportType NEW_KEY_MATERIAL into a key that already has
material: it is not used until RotateKeyOnDemand makes it current, and until then it
is not part of the key (DeleteImportedKeyMaterial forgets it entirely).

The key's own ``ExpirationModel`` and ``ValidTo`` (DescribeKey's) are those of its
current material.
"""

from __future__ import annotations

from typing import Any

from kmstui.errors import (
    IncorrectKeyMaterialException,
    KMSInvalidStateException,
    UnsupportedOperationException,
    ValidationException,
)
from kmstui.kms.service import ENABLED, PENDING_DELETION, PENDING_IMPORT, KmsService

CURRENT, NON_CURRENT, PENDING_ROTATION = "CURRENT", "NON_CURRENT", "PENDING_ROTATION"


def is_imported(entry: dict) -> bool:
    return "Wrapped" in entry


def entry_of(key: dict, material_id: str | None) -> dict | None:
    return next((m for m in key["Materials"] if m["KeyMaterialId"] == material_id), None)


def import_type(key: dict, requested: str | None, material_id: str, known: list[str]) -> str:
    """ImportType as AWS reads it: NEW_KEY_MATERIAL by default for a key that never had
    material, EXISTING_KEY_MATERIAL after; each checked against what the key knows."""
    chosen = requested or ("EXISTING_KEY_MATERIAL" if known else "NEW_KEY_MATERIAL")
    if chosen == "EXISTING_KEY_MATERIAL":
        if material_id not in known:
            raise IncorrectKeyMaterialException(
                "The key material in the request is not the key material previously imported "
                "into this KMS key."
            )
        return chosen
    if material_id in known:
        raise IncorrectKeyMaterialException(
            "The key material in the request was already imported into this KMS key: "
            "import it with ImportType EXISTING_KEY_MATERIAL."
        )
    if known and key["KeySpec"] != "SYMMETRIC_DEFAULT":
        raise UnsupportedOperationException(
            f"{key['Arn']} key spec {key['KeySpec']} takes only the key material first "
            "imported into it: new key material is for symmetric encryption keys."
        )
    if known and key.get("MultiRegionKeyType"):
        raise UnsupportedOperationException(
            f"{key['Arn']} is a multi-Region key: on-demand rotation with new imported key "
            "material is not supported for it."
        )
    pending = next((m for m in key["Materials"] if m.get("PendingRotation")), None)
    if pending is not None:
        raise KMSInvalidStateException(
            f"{key['Arn']} already has key material {pending['KeyMaterialId']} pending "
            "rotation. Rotate the key or delete that key material first."
        )
    return chosen


def place(key: dict, entry: dict, chosen: str, known: list[str]) -> dict:
    """The key (not yet saved) with imported material ``entry`` where ``chosen`` puts
    it: the first material or material imported again in its old place, new material
    pending rotation beside the current."""
    material_id = entry["KeyMaterialId"]
    old = entry_of(key, material_id)
    if old is not None:  # keep its place in the history, its rotation and description
        kept = {k: old[k] for k in ("RotationDate", "RotationType", "PendingRotation") if k in old}
        if entry.get("KeyMaterialDescription") is None and old.get("KeyMaterialDescription"):
            kept["KeyMaterialDescription"] = old["KeyMaterialDescription"]
        entry = {**entry, **kept, "CreationDate": old["CreationDate"]}
        materials = [entry if m["KeyMaterialId"] == material_id else m for m in key["Materials"]]
    else:
        materials = [*key["Materials"], entry]
    first = not known
    if chosen == "NEW_KEY_MATERIAL" and not first:
        entry["PendingRotation"] = True
    current = material_id if first else key["CurrentKeyMaterialId"]
    if current is None and not entry.get("PendingRotation"):
        current = material_id  # the current material, imported again
    updated = {
        **key,
        "Materials": materials,
        "CurrentKeyMaterialId": current,
        "ImportedKeyMaterialIds": known if material_id in known else [*known, material_id],
    }
    return with_current_expiry(updated)


def with_current_expiry(key: dict) -> dict:
    """The key's state, ExpirationModel and ValidTo as its current material has them."""
    current = entry_of(key, key["CurrentKeyMaterialId"])
    usable = current is not None and is_imported(current)
    state = key["KeyState"]
    if state == PENDING_IMPORT and usable:
        state = ENABLED
    elif state not in (PENDING_DELETION, PENDING_IMPORT) and not usable:
        state = PENDING_IMPORT
    return {
        **key,
        "KeyState": state,
        "ExpirationModel": current.get("ExpirationModel") if usable and current else None,
        "ValidTo": current.get("ValidTo") if usable and current else None,
    }


def remove(key: dict, material_id: str | None) -> dict:
    """The key without imported material ``material_id`` (not yet saved). Symmetric
    keys remember it (PENDING_IMPORT) unless it was only pending rotation; other keys
    lose it, as they only ever have one."""
    entry = entry_of(key, material_id)
    if entry is None:
        return with_current_expiry(key)
    if entry.get("PendingRotation"):
        materials = [m for m in key["Materials"] if m is not entry]
        known = [i for i in key.get("ImportedKeyMaterialIds") or [] if i != material_id]
        return {**key, "Materials": materials, "ImportedKeyMaterialIds": known}
    if key["KeySpec"] == "SYMMETRIC_DEFAULT":
        gone = {
            k: v for k, v in entry.items() if k not in ("Wrapped", "ExpirationModel", "ValidTo")
        }
        materials = [gone if m is entry else m for m in key["Materials"]]
    else:
        materials = [m for m in key["Materials"] if m is not entry]
    current = key["CurrentKeyMaterialId"]
    if current == material_id and key["KeySpec"] != "SYMMETRIC_DEFAULT":
        current = None
    updated = {**key, "Materials": materials, "CurrentKeyMaterialId": current}
    if material_id == key["CurrentKeyMaterialId"] and key["KeyState"] != PENDING_DELETION:
        updated["KeyState"] = PENDING_IMPORT
    return with_current_expiry(updated)


def rotate_to_pending(service: KmsService, key: dict) -> tuple[dict, str]:
    """RotateKeyOnDemand of a symmetric key with imported material: the material
    pending rotation becomes current (the key, not yet saved, and its id)."""
    pending = next((m for m in key["Materials"] if m.get("PendingRotation")), None)
    if pending is None:
        raise UnsupportedOperationException(
            f"{key['Arn']} origin is EXTERNAL: on-demand rotation needs new key material "
            "imported with ImportType NEW_KEY_MATERIAL (state PENDING_ROTATION) first."
        )
    if not is_imported(pending):
        raise KMSInvalidStateException(
            f"Key material {pending['KeyMaterialId']} of {key['Arn']} is pending import."
        )
    now = service.clock.now()
    rotated = {k: v for k, v in pending.items() if k != "PendingRotation"}
    rotated.update(RotationDate=now, RotationType="ON_DEMAND")
    materials = [rotated if m is pending else m for m in key["Materials"]]
    updated = {**key, "Materials": materials, "CurrentKeyMaterialId": pending["KeyMaterialId"]}
    return with_current_expiry(updated), pending["KeyMaterialId"]


def state_of(key: dict, entry: dict) -> str:
    if entry.get("PendingRotation"):
        return PENDING_ROTATION
    return CURRENT if entry["KeyMaterialId"] == key["CurrentKeyMaterialId"] else NON_CURRENT


def import_fields(entry: dict) -> dict[str, Any]:
    """What ListKeyRotations adds for a symmetric key with imported material."""
    out: dict[str, Any] = {"ImportState": "IMPORTED" if is_imported(entry) else "PENDING_IMPORT"}
    if entry.get("KeyMaterialDescription") is not None:
        out["KeyMaterialDescription"] = entry["KeyMaterialDescription"]
    if is_imported(entry) and entry.get("ExpirationModel"):
        out["ExpirationModel"] = entry["ExpirationModel"]
        if entry.get("ValidTo") is not None:
            out["ValidTo"] = entry["ValidTo"]
    return out


def check_key_material_id(requested: str | None, chosen: str, material_id: str) -> None:
    if requested is None:
        return
    if chosen == "NEW_KEY_MATERIAL":
        raise ValidationException(
            "KeyMaterialId cannot be specified when ImportType is NEW_KEY_MATERIAL."
        )
    if requested != material_id:
        raise IncorrectKeyMaterialException(
            f"The key material does not have the key material ID {requested}."
        )
