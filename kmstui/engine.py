"""The engine facade: one object the console, the CLI and the API server all use.

It owns the store (TinyDB in the data directory), the clock, the random source, the
event bus, the due-work scheduler and the services (KMS, IAM and EC2), and hands each
service the :class:`~kmstui.service.Collaborators` it works with. A request is
``engine.call("Decrypt", {...}, caller=...)``: the operation name routes it to its
service's dispatcher; the response has AWS's member names; errors are AWS-named
exceptions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kmstui import paths
from kmstui.caller import DEFAULT_ACCOUNT, DEFAULT_REGION, Caller
from kmstui.clock import Clock
from kmstui.due import DueWork
from kmstui.ebs.service import Ec2Service
from kmstui.entropy import Entropy
from kmstui.errors import UnknownOperationException
from kmstui.events import EventBus
from kmstui.iam import IamService
from kmstui.kms import KmsService
from kmstui.kms.keypolicy import validate_key_policy
from kmstui.kms.simulation import simulate
from kmstui.service import Collaborators, Service
from kmstui.store import Store

if TYPE_CHECKING:
    from kmstui.store.eventlog import EventLog

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
        on_demand_rotation_limit: int = 25,
        command: str | None = None,
        record_events: bool = True,
    ):
        self.data_dir = paths.data_dir(data_dir)
        self.config_dir = paths.config_dir(config_dir)
        self.account = account
        self.region = region
        self.entropy = entropy or Entropy()
        self.lock = threading.RLock()
        self._default_caller: Caller | None = None  # the root user, made once
        self._routes: dict[str, Callable[[str, dict, Caller], dict]] = {}
        self.store = Store(self.data_dir, self.config_dir, command=command)
        try:
            self.clock = clock or Clock(offset=float(self.store.meta.get("clock_offset", 0.0)))
            self.event_log = self._open_event_log() if record_events else None
            self.events = EventBus(
                sink=self.event_log.append_line if self.event_log is not None else None
            )
            self.due = DueWork(self.clock, self.lock)
            self.collaborators = Collaborators(
                account=account,
                region=region,
                data_dir=self.data_dir,
                clock=self.clock,
                entropy=self.entropy,
                store=self.store,
                lock=self.lock,
                events=self.events,
                event_log=self.event_log,
                due=self.due,
                call=self.route,
            )
            self.iam = IamService(self.collaborators)
            self.kms = KmsService(
                self.collaborators,
                iam=self.iam,
                on_demand_rotation_limit=on_demand_rotation_limit,
            )
            self.ec2 = Ec2Service(
                self.collaborators,
                key_arn=lambda key_ref, caller: self.kms.resolve(key_ref, caller)["Arn"],
            )
            for service in (self.kms, self.iam, self.ec2):
                self.register(service)
        except BaseException:
            self.store.discard_new()  # a new directory stays new
            event_log: EventLog | None = getattr(self, "event_log", None)
            if event_log is not None:
                event_log.close()
            self.store.close()
            raise

    def _open_event_log(self) -> EventLog:
        from kmstui.store.eventlog import EventLog

        log = EventLog(self.data_dir / "events")
        log.start()
        return log

    # -- callers ----------------------------------------------------------------------
    def root_caller(self, region: str | None = None) -> Caller:
        return Caller.root(self.account, region or self.region)

    # -- requests ---------------------------------------------------------------------
    def register(self, service: Service) -> None:
        """Route each of ``service``'s operation names to its dispatcher."""
        for name in service.operations:
            self._routes[name] = service.call

    @property
    def operations(self) -> list[str]:
        return sorted(self._routes)

    def call(
        self, operation: str, params: dict | None = None, *, caller: Caller | None = None
    ) -> dict:
        """Run one AWS operation by its AWS name, as ``caller`` (default: the
        account's root user), through its service's dispatcher."""
        route = self._routes.get(operation)
        if route is None:
            raise UnknownOperationException(f"Unknown operation {operation}")
        if caller is None:
            caller = self._default_caller
            if caller is None or caller.account != self.account or caller.region != self.region:
                caller = self._default_caller = self.root_caller()
        return route(operation, params or {}, caller)

    def route(self, operation: str, params: dict, caller: Caller) -> dict:
        """Run one operation as ``caller``: what a service is given to call another
        (EC2 calls KMS so)."""
        return self.call(operation, params, caller=caller)

    # -- policies ---------------------------------------------------------------------
    def validate_key_policy(self, text: str, caller: Caller, *, bypass: bool = False) -> list:
        """Findings for a key policy as KMS and Access Analyzer would report them,
        including the lockout safety check for ``caller`` and unknown principals."""
        return validate_key_policy(self.kms, text, caller, bypass=bypass)

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
        the principal's identity policies and the key's grants. Nothing is changed
        (see :func:`kmstui.kms.simulation.simulate`)."""
        return simulate(
            self.kms,
            policy_text=policy_text,
            principal=principal,
            action=action,
            key_id=key_id,
            encryption_context=encryption_context,
            via_service=via_service,
            region=region,
        )

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
            self.due.run()
            return now

    def reset_clock(self) -> float:
        """Move the engine clock back to wall time (offset 0, persisted). Schedules
        made on the later clock are brought back within reach: a rotation date more
        than one period ahead comes to one period from now, a deletion date more than
        its window ahead comes to one window from now. Nothing falls due, so nothing is
        deleted or rotated by the move itself."""
        with self.lock:
            before = self.clock.offset
            self.clock.set_offset(0.0)
            now = self.clock.now()
            try:
                with self.store.transaction():
                    self.store.update_meta(clock_offset=0.0)
                    self.kms.scheduled.pull_back(now)
            except BaseException:
                self.clock.set_offset(before)
                self.store.meta["clock_offset"] = before
                raise
            self.due.reschedule()
            return now

    def reset(self) -> None:
        """Empty every account: keys, aliases, grants, IAM, EC2, volumes and their
        files, events (see :mod:`kmstui.resetting`). The root key stays."""
        from kmstui.resetting import reset

        reset(self)

    # -- lifecycle --------------------------------------------------------------------
    def close(self) -> None:
        kms = getattr(self, "kms", None)
        if kms is not None:
            kms.close()  # stops the pool of RSA keys generated ahead of need
        ec2 = getattr(self, "ec2", None)
        if ec2 is not None:
            ec2.close()  # wipes attached volumes' data keys; their events are saved below
        event_log = self.event_log
        try:
            if event_log is not None:
                event_log.close()
        except OSError as exc:  # a full disk: say what is lost, and release the directory
            assert event_log is not None  # only its close raises OSError here
            _log.warning(
                "%d events could not be saved to %s: %s",
                event_log.pending,
                event_log.directory,
                exc.strerror or exc,
            )
        finally:
            self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
