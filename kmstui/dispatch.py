"""What every service's operations share: a registry of handlers by AWS operation
name, the context one call gathers for its event, and the single path a call takes
(:class:`Dispatcher`, one for each service).

Each call runs under the engine lock after due deletions and rotations have happened,
and emits exactly one CloudTrail-shaped event whether it succeeds, fails with an AWS
error, or fails unexpectedly (reported as the service's internal error, never as a
raw exception).

An operation that changes what is stored has its event written to disk (with any
event a due deletion or rotation made) before the call returns, outside the engine
lock so that concurrent calls share one write and one fsync. Only the operations
CloudTrail counts read-only (:func:`kmstui.events.read_only`: reads and the
cryptographic operations, which change nothing stored) leave their events to the event
log's next batch (at most its flush interval, half a second, later).
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kmstui.caller import Caller
from kmstui.errors import AwsError, UnknownOperationException
from kmstui.events import read_only
from kmstui.model import load as load_model
from kmstui.model.check import RequestChecker
from kmstui.model.record import recorded

if TYPE_CHECKING:
    from kmstui.service import Collaborators, Service

Handler = Callable[[Any, dict, Caller, "CallContext"], dict]

# Reads that CloudTrail counts read-only but that change what is stored (a new import
# token and wrapping key): their events are written before the call returns too.
STATEFUL_READS = frozenset({"GetParametersForImport"})


def may_wait(service: str, operation: str) -> bool:
    """Whether an operation's event may wait for the event log's next batch."""
    return read_only(service, operation) and operation not in STATEFUL_READS


_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


class Operations(dict[str, Handler]):
    """A service's handlers by AWS operation name."""

    def operation(self, name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self[name] = handler
            return handler

        return register


class CallContext:
    """What one call gathers for its event: authorization verdicts (or a decision a
    service made itself), the resources it touched, and extra event fields."""

    __slots__ = ("operation", "verdicts", "resources", "extra", "decision", "now")

    def __init__(self, operation: str, now: float):
        self.operation = operation
        self.verdicts: list = []
        self.resources: list[str] = []
        self.extra: dict[str, Any] = {}
        self.decision: dict | None = None
        self.now = now  # the engine clock when the call began (its eventTime)

    def __repr__(self) -> str:
        return (
            f"CallContext(operation={self.operation!r}, verdicts={self.verdicts!r}, "
            f"resources={self.resources!r}, extra={self.extra!r}, decision={self.decision!r}, "
            f"now={self.now!r})"
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def touch(self, arn: str) -> None:
        if arn not in self.resources:
            self.resources.append(arn)

    def event_decision(self) -> dict | None:
        if self.decision is not None:
            return self.decision
        verdicts = self.verdicts
        if not verdicts:
            return None
        if len(verdicts) == 1:
            return verdicts[0].event
        denied = next((v for v in verdicts if not v.allowed), None)
        out = dict((denied or verdicts[-1]).event)
        out["checks"] = [v.event for v in verdicts]
        return out


@dataclass(frozen=True)
class ServiceErrors:
    """How a service names the two failures every dispatcher can meet."""

    bad_request: Callable[[], AwsError]
    internal: Callable[[Exception], AwsError]


class Dispatcher:
    """The one path a call to ``service`` takes: ``dispatcher(name, params, caller)``
    takes the engine lock, carries out work that has come due on the engine clock,
    checks the request against the operation's input shape, runs the handler and
    publishes the call's event. The engine routes each of the service's operation names
    to it.

    It reads the service's ``name``, ``operations`` and ``errors``, and its two hooks
    (see :class:`kmstui.service.Service`): ``public`` hides members of the service's own
    from the event, ``succeeded`` hears of each successful call with its event's id."""

    __slots__ = (
        "service",
        "operations",
        "service_name",
        "errors",
        "public",
        "succeeded",
        "lock",
        "clock",
        "entropy",
        "events",
        "event_log",
        "due",
        "checker",
        "inputs",
        "outputs",
        "batched",
    )

    def __init__(self, service: Service, collaborators: Collaborators):
        self.service = service
        self.operations = operations = service.operations
        self.service_name = service_name = service.name
        self.errors = service.errors
        self.public = service.public
        self.succeeded = service.succeeded
        self.lock = collaborators.lock
        self.clock = collaborators.clock
        self.entropy = collaborators.entropy
        self.events = collaborators.events
        self.event_log = collaborators.event_log
        self.due = collaborators.due
        # The whole request is checked against the operation's input shape before the
        # handler runs, and its event keeps only the members that shape defines.
        model = load_model(service_name)
        self.checker = RequestChecker(model) if model is not None else None
        self.inputs = (
            {name: self.checker.input(name) for name in operations}
            if self.checker is not None
            else {}
        )
        # The responses a record keeps (CloudTrail keeps none of read-only calls).
        self.outputs = {
            name: model.output(name)
            for name in operations
            if model is not None and not read_only(service_name, name)
        }
        # The operations whose events may wait for the event log's next batch.
        self.batched = frozenset(name for name in operations if may_wait(service_name, name))

    def __call__(self, name: str, params: dict | None, caller: Caller) -> dict:
        handler = self.operations.get(name)
        if handler is None:
            raise UnknownOperationException(f"Unknown operation {name}")
        if params is None:
            params = {}
        errors = self.errors
        error: tuple[str, str] | None = None
        response: dict | None = None
        durable = name not in self.batched
        lock = self.lock
        lock.acquire()  # released in the finally below, after the event is published
        try:
            now = self.clock.now()
            due = self.due
            if due.next is not None and now >= due.next:
                due.run()  # deletions, rotations or expiries have come due
                durable = True
            ctx = CallContext(name, now)
            shape = self.inputs.get(name)
            request: dict | None = None  # what the event records of the request
            try:
                if not isinstance(params, dict):
                    raise errors.bad_request()
                if shape is not None:  # the checker's own: there is a checker
                    params, request = self.checker.check(shape, params)  # type: ignore[union-attr]
                response = handler(self.service, params, caller, ctx)
            except AwsError as exc:
                error = (exc.code, exc.message)
                raise
            except Exception as exc:
                failure = internal_error(errors, exc)
                error = (failure.code, failure.message)
                raise failure from exc
            finally:
                # The call's one event.
                if request is None and isinstance(params, dict):
                    # Refused by the check (kept as far as it fits), or no shape.
                    request = recorded(shape, params) if shape is not None else params
                shown = response
                public = self.public
                if public is not None:  # the service hides members of its own
                    request = public(request) if request is not None else None
                    shown = public(response)
                output = self.outputs.get(name) if shown else None
                if output is not None:  # the members its shape defines, minus secrets
                    # (output is only looked up for a response: shown is not None)
                    shown = recorded(output, shown)  # type: ignore[arg-type]
                verdicts = ctx.verdicts
                decision = (
                    verdicts[0].event  # one verdict, the usual case, without a method call
                    if len(verdicts) == 1 and ctx.decision is None
                    else ctx.event_decision()
                )
                event_id = self.entropy.event_id()
                self.events.publish(
                    self.events.encode_record(
                        self.service_name,
                        name,
                        caller,
                        now,
                        event_id,
                        request,
                        shown,
                        error,
                        ctx.resources,
                        decision,
                        ctx.extra or None,
                        request_recorded=shape is not None,
                        response_recorded=output is not None,
                    )
                )
                succeeded = self.succeeded
                if succeeded is not None and error is None and response is not None:
                    succeeded(ctx, event_id)
        finally:
            lock.release()
            if durable and self.event_log is not None:
                # After a failed call, its error is the answer even if this fails too
                save_events(self.event_log, errors, quiet=response is None)
        return response


def save_events(log: Any, errors: ServiceErrors, *, quiet: bool = False) -> None:
    """Write the event log's pending batch now; a failure (a full disk) is the
    service's internal error saying so, unless ``quiet``. Unwritten events stay queued:
    the event log's flusher writes them once the disk can be written again."""
    try:
        log.flush()
    except OSError as exc:
        if quiet:
            return
        failure = errors.internal(exc)
        raise type(failure)(
            f"The request was carried out, but its event could not be saved: "
            f"{_disk_problem(exc)}. The event is written if the disk can be written "
            "again before this process ends.",
            code=failure.code,
            status=failure.status,
        ) from exc


def internal_error(errors: ServiceErrors, exc: Exception) -> AwsError:
    """The service's internal error for an unexpected exception; one from the disk
    (full, read-only) says so."""
    failure = errors.internal(exc)
    if not isinstance(exc, OSError):
        return failure
    return type(failure)(
        f"The request was not completed: {_disk_problem(exc)}. Retry once the disk can be written.",
        code=failure.code,
        status=failure.status,
    )


def _disk_problem(exc: OSError) -> str:
    if exc.errno in _FULL:
        return f"the disk holding the data directory is full ({exc.strerror})"
    return f"the data directory could not be written ({exc.strerror or exc})"
