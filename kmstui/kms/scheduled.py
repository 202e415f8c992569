"""KMS's work that comes due on the engine clock: key deletions whose waiting period
has passed, automatic rotations, expiries of imported key material, and multi-Region
changes completing (see :mod:`kmstui.due`). Each is recorded as the event KMS itself
makes (``kms.amazonaws.com`` as the caller)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmstui.caller import Caller
from kmstui.kms import imports, keys, multiregion, rotation
from kmstui.kms.keys import DAY

if TYPE_CHECKING:
    from kmstui.kms.service import KmsService

KMS = "kms.amazonaws.com"


class ScheduledWork:
    """The KMS service's :class:`~kmstui.due.DueSource`."""

    def __init__(self, service: KmsService):
        self.service = service

    def next_due(self) -> float | None:
        kms = self.service
        due: list[float] = imports.expiry_dates(kms) + multiregion.transition_dates(kms)
        for key in kms.all_keys():
            if key["KeyState"] == "PendingDeletion":
                due.append(key["DeletionDate"])
            schedule = key.get("Rotation") or {}
            if schedule.get("Enabled") and schedule.get("NextRotationDate"):
                due.append(schedule["NextRotationDate"])
        return min(due) if due else None

    def run_due(self, now: float) -> None:
        kms = self.service
        deleted: list[dict] = []
        rotated: list[dict] = []
        # One atomic write for all the work that came due, however many keys: the
        # events follow once it is saved.
        with kms.store.transaction():
            multiregion.finish_transitions(kms, now)
            for key in list(kms.all_keys()):
                if key["KeyState"] == "PendingDeletion" and key["DeletionDate"] <= now:
                    keys.delete_key_now(kms, key)
                    deleted.append(key)
            expired = list(imports.expire_material(kms, now))
            for key, _when in rotation.due_rotations(kms, now):
                rotated.append(rotation.rotate_automatically(kms, key, now))
        for key in deleted:
            owner = Caller(principal=KMS, account=key["AWSAccountId"], region=key["Region"])
            self._event("DeleteKey", key, owner)
        kms_itself = Caller(principal=KMS, account=kms.account, region=kms.region)
        for key, material_id in expired:
            self._event("DeleteExpiredKeyMaterial", key, kms_itself, {"keyMaterialId": material_id})
        for key in rotated:
            material_id = key["CurrentKeyMaterialId"]
            self._event("RotateKey", key, kms_itself, {"keyMaterialId": material_id})

    def pull_back(self, now: float) -> None:
        """The engine clock went back to ``now``: rotation dates more than one period
        ahead come to one period from now, deletion dates more than their window ahead
        to one window from now. Nothing falls due by the move itself."""
        kms = self.service
        for key in list(kms.all_keys()):
            pulled = _pulled_back(key, now)
            if pulled is not None:
                kms.save_key(pulled)

    def _event(self, operation: str, key: dict, caller: Caller, extra: dict | None = None):
        """The event of work KMS did on ``key`` by itself (it came due on the clock)."""
        self.service.collaborators.emit(
            service="kms",
            operation=operation,
            caller=caller,
            request={"KeyId": key["KeyId"]},
            response=None,
            error=None,
            resources=[key["Arn"]],
            decision=None,
            extra=extra,
        )


def _pulled_back(key: dict, now: float) -> dict | None:
    """``key`` with its rotation and deletion dates brought within one period or
    window of ``now`` (None when both already are)."""
    updated = None
    schedule = key.get("Rotation") or {}
    when = schedule.get("NextRotationDate")
    if schedule.get("Enabled") and when is not None:
        latest = now + schedule["PeriodInDays"] * DAY
        if when > latest:
            updated = {**key, "Rotation": {**schedule, "NextRotationDate": latest}}
    if key["KeyState"] == "PendingDeletion":
        latest = now + key.get("PendingDeletionWindowInDays", 30) * DAY
        if key["DeletionDate"] > latest:
            updated = {**(updated or key), "DeletionDate": latest}
    return updated
