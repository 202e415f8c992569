"""What every service's operations share: a registry of handlers by AWS operation
name, the context one call gathers for its event, and the single path a call takes.

Each call runs under the engine lock after due deletions and rotations have happened,
and emits exactly one CloudTrail-shaped event whether it succeeds, fails with an AWS
error, or fails unexpectedly (reported as the service's internal error, never as a
raw exception).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kmstui.caller import Caller
from kmstui.errors import AwsError, UnknownOperationException

Handler = Callable[[Any, dict, Caller, "CallContext"], dict]


class Operations(dict[str, Handler]):
    """A service's handlers by AWS operation name."""

    def operation(self, name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self[name] = handler
            return handler

        return register


@dataclass
class CallContext:
    """What one call gathers for its event: authorization verdicts (or a decision a
    service made itself), the resources it touched, and extra event fields."""

    operation: str
    verdicts: list = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    decision: dict | None = None

    def touch(self, arn: str) -> None:
        if arn not in self.resources:
            self.resources.append(arn)

    def event_decision(self) -> dict | None:
        if self.decision is not None:
            return self.decision
        if not self.verdicts:
            return None
        denied = next((v for v in self.verdicts if not v.allowed), None)
        out = (denied or self.verdicts[-1]).to_event()
        if len(self.verdicts) > 1:
            out["checks"] = [v.to_event() for v in self.verdicts]
        return out


@dataclass(frozen=True)
class ServiceErrors:
    """How a service names the two failures every dispatcher can meet."""

    bad_request: Callable[[], AwsError]
    internal: Callable[[Exception], AwsError]


def run_operation(
    service: Any,
    operations: Operations,
    name: str,
    params: dict | None,
    caller: Caller,
    *,
    service_name: str,
    errors: ServiceErrors,
    public: Callable[[Any], Any] = lambda value: value,
) -> dict:
    """Run one operation of ``service`` and emit its event."""
    handler = operations.get(name)
    if handler is None:
        raise UnknownOperationException(f"Unknown operation {name}")
    params = {} if params is None else params
    ctx = CallContext(name)
    engine = service.engine
    error: tuple[str, str] | None = None
    response: dict | None = None
    with engine.lock:
        engine.tick()
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
            engine.emit(
                service=service_name,
                operation=name,
                caller=caller,
                request=public(params) if isinstance(params, dict) else None,
                response=public(response),
                error=error,
                resources=ctx.resources,
                decision=ctx.event_decision(),
                extra=ctx.extra or None,
            )
    return response
