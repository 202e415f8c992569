"""The embedded engine as a console backend: requests go to ``engine.call`` under the
engine lock, events come from its bus and event log, metrics and workloads from its
EC2 service, and the engine clock is the console's to move."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kmstui.backends.base import (
    YES,
    CannotConnect,
    Capabilities,
    Capability,
    Confirm,
    History,
    ListHistory,
    Location,
    Unavailable,
)
from kmstui.caller import Caller

if TYPE_CHECKING:
    from kmstui.engine import Engine

NO_EC2 = "this engine has no EC2 service"


def open_embedded(open_engine: Callable[[], Engine]) -> EmbeddedBackend:
    """The backend on the engine ``open_engine`` opens; CannotConnect says why not."""
    from kmstui.opening import CannotOpen

    try:
        return EmbeddedBackend(open_engine())
    except CannotOpen as exc:
        raise CannotConnect(str(exc)) from None


class EmbeddedBackend:
    """``EmbeddedBackend(engine)``: a request is made as the caller it names, user
    agent included (the console marks its own requests so)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.account = engine.account
        self.region = engine.region
        self.data_dir: Path | None = getattr(engine, "data_dir", None)
        self.events = EmbeddedEvents(engine)
        self.volumes = EmbeddedVolumes(engine)
        self.clock = EmbeddedClock(engine)
        self.location = Location("embedded", engine.account, engine.region)

    def follow_region(self, region: str) -> None:
        """The engine's events and metrics are of every Region already."""

    def set_confirm(self, confirm: Confirm | None) -> None:
        """The embedded engine is the user's own: nothing is asked before a write."""

    # -- what it can do ---------------------------------------------------------------
    @property
    def workloads(self) -> EmbeddedWorkloads | None:
        ec2 = getattr(self.engine, "ec2", None)
        return EmbeddedWorkloads(ec2) if ec2 is not None else None

    @property
    def capabilities(self) -> Capabilities:
        ec2 = YES if getattr(self.engine, "ec2", None) is not None else Capability(False, NO_EC2)
        return Capabilities(
            workloads=ec2,
            clock=YES,
            act_as_any=YES,
            caller_model=ec2,
            nbd_export=ec2,
            endpoint=YES,
        )

    # -- requests ---------------------------------------------------------------------
    def call(self, operation: str, params: dict | None = None, *, caller: Caller) -> dict:
        with self.engine.lock:
            return self.engine.call(operation, params or {}, caller=caller)

    def root_caller(self) -> Caller:
        return self.engine.root_caller()

    def caller_for(self, arn: str) -> Caller:
        return Caller.for_arn(arn, self.region)

    def operations(self) -> frozenset[str]:
        return frozenset(self.engine.operations)

    def principals(self) -> list[str] | None:
        return list(self.engine.iam.principals())

    def alias_names(self, key_id: str) -> list[str]:
        return [a["AliasName"] for a in self.engine.kms.aliases_of(key_id)]

    def caller_model(self) -> str:
        return self.engine.ec2.caller_model

    def set_caller_model(self, model: str) -> str:
        return self.engine.ec2.set_caller_model(model)

    def validate_key_policy(self, text: str, caller: Caller, *, bypass: bool = False) -> list:
        return self.engine.validate_key_policy(text, caller, bypass=bypass)

    def simulate(self, **question: Any) -> Any:
        return self.engine.simulate(**question)

    # -- the engine's own faces -------------------------------------------------------
    def endpoint_server(self, host: str, port: int, *, allow_any_credentials: bool) -> Any:
        from kmstui.api.server import EndpointServer

        return EndpointServer(self.engine, host, port, allow_any_credentials=allow_any_credentials)

    def nbd_server(
        self, volume_id: str, port: int | None = None, taken: Collection[int] = ()
    ) -> Any:
        from kmstui.nbd import DEFAULT_PORT, ExportUnavailable, NbdServer
        from kmstui.nbd.export import volume_export

        ec2 = getattr(self.engine, "ec2", None)
        if ec2 is None:
            raise Unavailable(NO_EC2)
        try:
            export = volume_export(ec2, volume_id)
        except ExportUnavailable as exc:
            raise Unavailable(str(exc)) from None
        if port is None:
            port = next(p for p in range(DEFAULT_PORT, DEFAULT_PORT + 1000) if p not in taken)
        return NbdServer([export], port=port)

    def close(self) -> None:
        self.engine.close()


class EmbeddedEvents:
    """The engine's event bus (live records, the ring of recent lines) and its event
    log (the history), or the ring alone when the engine keeps no log."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def subscribe(self, subscriber: Callable[[dict], None]) -> Callable[[], None]:
        return self._engine.events.subscribe(subscriber)

    @property
    def history(self) -> History:
        log = getattr(self._engine, "event_log", None)
        if log is not None:
            return log
        events = self._engine.events
        return ListHistory(events.recent, lambda: events.published - len(events.recent))

    @property
    def published(self) -> int:
        return self._engine.events.published

    def recent_lines(self) -> list[bytes]:
        return self._engine.events.recent.lines()

    def freshness(self) -> str | None:
        """None: the engine publishes each record as the call is made."""
        return None


class EmbeddedVolumes:
    """Attachments and throughput from the EC2 service's memory (none without it)."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def attached(self) -> dict[str, str]:
        ec2 = getattr(self._engine, "ec2", None)
        if ec2 is None:
            return {}
        for _attempt in range(3):
            try:
                return {vid: a.instance_id for vid, a in sorted(ec2.live.items())}
            except RuntimeError:  # changed while we read it; read again
                continue
        return {}

    def snapshot(self, volume_id: str) -> dict:
        ec2 = getattr(self._engine, "ec2", None)
        return ec2.metrics.snapshot(volume_id) if ec2 is not None else {}

    def series(self, volume_id: str, seconds: int) -> list[dict]:
        ec2 = getattr(self._engine, "ec2", None)
        return ec2.metrics.series(volume_id, seconds) if ec2 is not None else []

    def resolution(self) -> str | None:
        """None: the figures are the engine's own, live."""
        return None


class EmbeddedWorkloads:
    """The EC2 service's block I/O workloads."""

    def __init__(self, ec2: Any):
        self._ec2 = ec2

    def check(self, spec: dict) -> None:
        from kmstui.ebs.workloads import WorkloadSpec

        WorkloadSpec.from_value(spec)

    def start(self, volume_id: str, spec: dict) -> str:
        return self._ec2.workloads.start(volume_id, spec).job_id

    def stop(self, volume_id: str) -> None:
        self._ec2.workloads.stop_volume(volume_id)

    def running(self, volume_id: str) -> list[Any]:
        return [j for j in self._ec2.workloads.jobs(volume_id) if j.running]


class EmbeddedClock:
    """The engine clock: read it, and move it forward under the engine lock."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def now(self) -> float:
        return self._engine.clock.now()

    def check_advance(self, seconds: float, shown: str) -> None:
        self._engine.clock.check_advance(seconds, shown)

    def advance(self, seconds: float, shown: str | None = None) -> float:
        with self._engine.lock:
            return self._engine.advance_clock(seconds, shown)
