"""What every service's operations share: a registry of handlers by AWS operation
name, the context one call gathers for its event, and the single path a call takes.

Each call runs under the engine lock after due deletions and rotations have happened,
and emits exactly one CloudTrail-shaped event whether it succeeds, fails with an AWS
error, or fails unexpectedly (reported as the service's internal error, never as a
raw exception).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kmstui.caller import Caller
from kmstui.errors import AwsError, UnknownOperationException
from kmstui.events import encode_record

Handler = Callable[[Any, dict, Caller, "CallContext"], dict]


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

    def __init__(self, operation: str, now: float | None = None):
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


def dispatcher(
    service: Any,
    operations: Operations,
    *,
    service_name: str,
    errors: ServiceErrors,
    public: Callable[[Any], Any] | None = None,
    succeeded: Callable[[CallContext, str], None] | None = None,
) -> Callable[[str, dict | None, Caller], dict]:
    """``call(name, params, caller)`` for ``service``: runs one operation and emits its
    event. The engine routes each operation name straight to it. ``succeeded``, when
    given, hears of each successful call with its event's id (KMS records the last use
    of its keys)."""
    engine = service.engine
    lock = engine.lock

    def call(name: str, params: dict | None, caller: Caller) -> dict:
        handler = operations.get(name)
        if handler is None:
            raise UnknownOperationException(f"Unknown operation {name}")
        if params is None:
            params = {}
        error: tuple[str, str] | None = None
        response: dict | None = None
        lock.acquire()  # not `with`: its protocol costs twice the lock itself
        try:
            now = engine.clock.now()
            due = engine._next_due
            if due is not None and now >= due:
                engine.tick()  # deletions or rotations have come due
            ctx = CallContext(name, now)
            try:
                if not isinstance(params, dict):
                    raise errors.bad_request()
                response = handler(service, params, caller, ctx)
            except AwsError as exc:
                error = (exc.code, exc.message)
                raise
            except Exception as exc:
                failure = errors.internal(exc)
                error = (failure.code, failure.message)
                raise failure from exc
            finally:
                request = params if isinstance(params, dict) else None
                shown = response
                if public is not None:  # the service hides members of its own
                    request = public(params) if request is not None else None
                    shown = public(response)
                verdicts = ctx.verdicts
                decision = (
                    verdicts[0].event  # one verdict, the usual case, without a method call
                    if len(verdicts) == 1 and ctx.decision is None
                    else ctx.event_decision()
                )
                event_id = engine.entropy.event_id()
                engine.events.publish(
                    encode_record(
                        service_name,
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
                    )
                )
                if succeeded is not None and error is None and response is not None:
                    succeeded(ctx, event_id)
        finally:
            lock.release()
        return response

    return call
