"""The engine facade: one object the console, the CLI and the API server all use.

It owns the store (TinyDB in the data directory), the clock, the random source, the
event bus and the services (KMS; IAM and EC2 register the same way). A request is
``engine.call("Decrypt", {...}, caller=...)``: the operation name routes it to its
service; the response has AWS's member names; errors are AWS-named exceptions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kmstui import paths
from kmstui.caller import DEFAULT_ACCOUNT, DEFAULT_REGION, Caller
from kmstui.clock import LATEST_EPOCH, Clock, iso8601
from kmstui.ebs import Ec2Service
from kmstui.entropy import Entropy
from kmstui.errors import (
    KMSInternalException,
    MalformedPolicyDocumentException,
    UnknownOperationException,
)
from kmstui.events import EventBus
from kmstui.iam import IamService
from kmstui.kms import OPERATIONS as KMS_OPERATIONS
from kmstui.kms import KmsService
from kmstui.kms.authorization import Authorizer, PolicyAuthorizer
from kmstui.kms.encryption_context import EncryptionContexts
from kmstui.store import Store

_log = logging.getLogger(__name__)


class Engine:
    def __init__(
        self,
        data_dir: str | Path | None = None,
        config_dir: str | Path | None = None,
        *,
        clock: Clock | None = None,
        entropy: Entropy | None = None,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        authorizer: Authorizer | None = None,
        on_demand_rotation_limit: int = 25,
        command: str | None = None,
        record_events: bool = True,
    ):
        self.data_dir = paths.data_dir(data_dir)
        self.config_dir = paths.config_dir(config_dir)
        self.account = account
        self.region = region
        self.entropy = entropy or Entropy()
        self.on_demand_rotation_limit = on_demand_rotation_limit
        self.lock = threading.RLock()
        self.iam: IamService | None = None  # created below, after KMS
        self._default_caller: Caller | None = None  # the root user, made once
        self.store = Store(self.data_dir, self.config_dir, command=command)
        try:
            self.clock = clock or Clock(offset=float(self.store.meta.get("clock_offset", 0.0)))
            self.event_log = self._open_event_log() if record_events else None
            self.events = EventBus(
                sink=self.event_log.append_line if self.event_log is not None else None
            )
            self.authorizer: Authorizer = authorizer or PolicyAuthorizer(self)
            self.encryption_contexts = EncryptionContexts()  # the contexts requests sent
            self.kms = KmsService(self)
            self._routes: dict[str, Callable[[str, dict, Caller], dict]] = {
                name: self.kms.call for name in KMS_OPERATIONS
            }
            self.iam = IamService(self)
            self.register(self.iam.operations)
            self.ec2 = Ec2Service(self)
            self.register(self.ec2.operations)
            self._next_due: float | None = None
            self.reschedule()
        except BaseException:
            self.store.discard_new()  # a new directory stays new
            if getattr(self, "event_log", None) is not None:
                self.event_log.close()
            self.store.close()
            raise

    def _open_event_log(self):
        from kmstui.store.eventlog import EventLog

        log = EventLog(self.data_dir / "events")
        log.start()
        return log

    # -- callers ----------------------------------------------------------------------
    def root_caller(self, region: str | None = None) -> Caller:
        return Caller.root(self.account, region or self.region)

    # -- requests ---------------------------------------------------------------------
    def register(self, operations: dict[str, Callable[[str, dict, Caller], dict]]) -> None:
        """Route more operation names (the EC2 and IAM services register here)."""
        self._routes.update(operations)

    @property
    def operations(self) -> list[str]:
        return sorted(self._routes)

    def call(
        self, operation: str, params: dict | None = None, *, caller: Caller | None = None
    ) -> dict:
        """Run one AWS operation by its AWS name, as ``caller`` (default: the
        account's root user)."""
        route = self._routes.get(operation)
        if route is None:
            raise UnknownOperationException(f"Unknown operation {operation}")
        if caller is None:
            caller = self._default_caller
            if caller is None or caller.account != self.account or caller.region != self.region:
                caller = self._default_caller = self.root_caller()
        return route(operation, params or {}, caller)

    def emit(
        self,
        *,
        service: str,
        operation: str,
        caller: Caller,
        request: dict | None,
        response: dict | None,
        error: tuple[str, str] | None,
        resources: list[str],
        decision: dict | None,
        extra: dict | None = None,
    ) -> None:
        """Record one event the engine makes itself (a deletion or rotation that came
        due, a service event), at the engine clock's time. Calls record their own."""
        with self.lock:  # as every publisher holds it (see EventBus.publish)
            self.events.publish(
                self.events.encode_record(
                    service,
                    operation,
                    caller,
                    self.clock.now(),
                    self.entropy.event_id(),
                    request,
                    response,
                    error,
                    resources,
                    decision,
                    extra,
                )
            )

    # -- policies ---------------------------------------------------------------------
    def validate_key_policy(self, text: str, caller: Caller, *, bypass: bool = False) -> list:
        """Findings for a key policy as KMS and Access Analyzer would report them,
        including the lockout safety check for ``caller`` and unknown principals."""
        from kmstui.policy import validate_policy

        iam = getattr(self, "iam", None)
        return validate_policy(
            text,
            policy_type="KEY_POLICY",
            caller=None if caller.is_service else caller.principal,
            bypass_policy_lockout_safety_check=bypass,
            principal_exists=iam.principal_exists if iam is not None else None,
        )

    def check_key_policy(self, policy: str, caller: Caller, *, bypass: bool = False) -> None:
        """What KMS checks before accepting a key policy (CreateKey, PutKeyPolicy):
        MalformedPolicyDocumentException with the first rejection, in KMS's words."""
        from kmstui.policy import kms_rejection

        rejection = kms_rejection(self.validate_key_policy(policy, caller, bypass=bypass))
        if rejection is not None:
            where = rejection.span.start
            raise MalformedPolicyDocumentException(
                f"{rejection.message} (line {where.line}, column {where.column})"
            )

    def simulate(
        self,
        *,
        policy_text: str | None,
        principal: str,
        action: str,
        key_id: str,
        encryption_context: dict | None = None,
        via_service: str | None = None,
        region: str | None = None,
    ):
        """Decide whether ``principal`` may do ``action`` on the key, using
        ``policy_text`` in place of the stored key policy (None: the stored one), with
        the principal's identity policies and the key's grants. Nothing is changed."""
        from kmstui.kms.authorization import PolicyAuthorizer, request_context

        with self.lock:
            try:
                caller = Caller.for_arn(principal, region or self.region)
            except ValueError:
                caller = Caller(
                    principal=principal, account=self.account, region=region or self.region
                )
            if via_service:
                caller = caller.via(via_service)
            key = self.kms.resolve(key_id, self.root_caller(region))
            if not action.startswith("kms:"):
                action = f"kms:{action}"
            context = request_context(caller, self.clock.now(), key, encryption_context)
            authorizer = (
                self.authorizer
                if isinstance(self.authorizer, PolicyAuthorizer)
                else PolicyAuthorizer(self)
            )
            return authorizer.decide(caller, action, key, context, key_policy_text=policy_text)

    # -- time -------------------------------------------------------------------------
    def advance_clock(self, seconds: float, shown: str | None = None) -> float:
        """Move the engine clock forward (persisted): due deletions and automatic
        rotations happen now. An advance past the latest time the engine can represent
        is refused (:class:`kmstui.clock.ClockLimitError`) before anything changes, and
        an offset that cannot be saved is taken back."""
        with self.lock:
            before = self.clock.offset
            now = self.clock.advance(seconds, shown)
            try:
                self.store.update_meta(clock_offset=self.clock.offset)
            except BaseException:
                self.clock.set_offset(before)
                raise
            self.tick()
            return now

    def reset_clock(self) -> float:
        """Move the engine clock back to wall time (offset 0, persisted). Schedules
        made on the later clock are brought back within reach: a rotation date more
        than one period ahead comes to one period from now, a deletion date more than
        its window ahead comes to one window from now. Nothing falls due, so nothing is
        deleted or rotated by the move itself."""
        from kmstui.kms.keys import DAY

        with self.lock:
            before = self.clock.offset
            self.clock.set_offset(0.0)
            now = self.clock.now()
            try:
                with self.store.transaction():
                    self.store.update_meta(clock_offset=0.0)
                    for key in list(self.kms.all_keys()):
                        pulled = _pulled_back(key, now, DAY)
                        if pulled is not None:
                            self.kms.save_key(pulled)
            except BaseException:
                self.clock.set_offset(before)
                self.store.meta["clock_offset"] = before
                raise
            self.reschedule()
            return now

    def reschedule(self) -> None:
        """Recompute when the next deletion, automatic rotation or expiry of imported
        key material is due."""
        from kmstui.kms.imports import expiry_dates
        from kmstui.kms.multiregion import transition_dates

        if not self.clock.now() <= LATEST_EPOCH:
            # An offset an earlier version saved past what the engine can represent:
            # every call stops in tick() with the remedy.
            self._next_due = 0.0
            return
        due: list[float] = expiry_dates(self.kms) + transition_dates(self.kms)
        for key in self.kms.all_keys():
            if key["KeyState"] == "PendingDeletion":
                due.append(key["DeletionDate"])
            rotation = key.get("Rotation") or {}
            if rotation.get("Enabled") and rotation.get("NextRotationDate"):
                due.append(rotation["NextRotationDate"])
        self._next_due = min(due) if due else None

    def tick(self) -> None:
        """Carry out deletions, automatic rotations and expiries of imported key material
        whose time has come."""
        now = self.clock.now()
        if self._next_due is None or now < self._next_due:
            return
        if not now <= LATEST_EPOCH:
            raise KMSInternalException(
                f"The engine clock (offset {self.clock.offset / 86400:.0f} days) is past "
                f"{iso8601(LATEST_EPOCH)}, the latest time the engine can represent; "
                "run `kmstui clock reset` to bring it back to wall time."
            )
        from kmstui.kms.imports import expire_material
        from kmstui.kms.keys import delete_key_now
        from kmstui.kms.multiregion import finish_transitions
        from kmstui.kms.rotation import due_rotations, rotate_automatically

        with self.lock:
            deleted: list[dict] = []
            rotated: list[dict] = []
            # One atomic write for all the work that came due, however many keys: the
            # events follow once it is saved.
            with self.store.transaction():
                finish_transitions(self.kms, now)
                for key in list(self.kms.all_keys()):
                    if key["KeyState"] == "PendingDeletion" and key["DeletionDate"] <= now:
                        delete_key_now(self.kms, key)
                        deleted.append(key)
                expired = list(expire_material(self.kms, now))
                for key, _when in due_rotations(self.kms, now):
                    rotated.append(rotate_automatically(self.kms, key, now))
            for key in deleted:
                owner = Caller(
                    principal="kms.amazonaws.com",
                    account=key["AWSAccountId"],
                    region=key["Region"],
                )
                self._kms_event("DeleteKey", key, owner)
            kms_service = Caller(
                principal="kms.amazonaws.com", account=self.account, region=self.region
            )
            for key, material_id in expired:
                self._kms_event(
                    "DeleteExpiredKeyMaterial", key, kms_service, {"keyMaterialId": material_id}
                )
            for key in rotated:
                self._kms_event(
                    "RotateKey", key, kms_service, {"keyMaterialId": key["CurrentKeyMaterialId"]}
                )
            self.reschedule()

    def reset(self) -> None:
        """Empty every account: keys, aliases, grants, IAM, EC2, volumes and their
        files, events (see :mod:`kmstui.resetting`). The root key stays."""
        from kmstui.resetting import reset

        reset(self)

    def _kms_event(self, operation: str, key: dict, caller: Caller, extra: dict | None = None):
        """The event of work KMS did on ``key`` by itself (it came due on the clock)."""
        self.emit(
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

    # -- lifecycle --------------------------------------------------------------------
    def close(self) -> None:
        kms = getattr(self, "kms", None)
        if kms is not None:
            kms.close()  # stops the pool of RSA keys generated ahead of need
        ec2 = getattr(self, "ec2", None)
        if ec2 is not None:
            ec2.close()  # wipes attached volumes' data keys; their events are saved below
        try:
            if self.event_log is not None:
                self.event_log.close()
        except OSError as exc:  # a full disk: say what is lost, and release the directory
            _log.warning(
                "%d events could not be saved to %s: %s",
                self.event_log.pending,
                self.event_log.directory,
                exc.strerror or exc,
            )
        finally:
            self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _pulled_back(key: dict, now: float, day: float) -> dict | None:
    """``key`` with its rotation and deletion dates brought within one period or
    window of ``now`` (None when both already are)."""
    updated = None
    rotation = key.get("Rotation") or {}
    when = rotation.get("NextRotationDate")
    if rotation.get("Enabled") and when is not None:
        latest = now + rotation["PeriodInDays"] * day
        if when > latest:
            updated = {**key, "Rotation": {**rotation, "NextRotationDate": latest}}
    if key["KeyState"] == "PendingDeletion":
        latest = now + key.get("PendingDeletionWindowInDays", 30) * day
        if key["DeletionDate"] > latest:
            updated = {**(updated or key), "DeletionDate": latest}
    return updated
