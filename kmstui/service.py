"""The shape every service has (KMS, IAM and EC2; STS on the endpoint), and what the
engine gives it to work with.

A service is a :class:`Service` subclass that names itself (``name``: its model's and
its events' service name), lists its handlers by AWS operation name (``operations``,
an :class:`~kmstui.dispatch.Operations` table filled by its operation modules) and says
how it names the two failures every dispatcher can meet (``errors``). It is built from
:class:`Collaborators` (and, where it needs one, another service it asks questions of)
and never sees the engine: ``service.call`` is its :class:`~kmstui.dispatch.Dispatcher`,
and the engine routes each name in ``operations`` to it (:meth:`Engine.register`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from kmstui.caller import Caller
from kmstui.clock import Clock
from kmstui.dispatch import CallContext, Dispatcher, Operations, ServiceErrors
from kmstui.due import DueWork
from kmstui.entropy import Entropy
from kmstui.events import EventBus

if TYPE_CHECKING:
    from kmstui.store import Store
    from kmstui.store.eventlog import EventLog


@dataclass(frozen=True, eq=False)
class Collaborators:
    """What the engine hands each service: its account and Region (the defaults of a
    call that names none), the data directory, the engine clock, the random source, the
    database, the engine lock, the event bus and log, the due-work scheduler, and
    ``call``: any operation of any service, through its dispatcher (as EC2 calls KMS)."""

    account: str
    region: str
    data_dir: Path
    clock: Clock
    entropy: Entropy
    store: Store
    lock: threading.RLock
    events: EventBus
    event_log: EventLog | None
    due: DueWork
    call: Callable[[str, dict, Caller], dict]

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
        """Record one event a service makes itself (work that came due, a service
        event), at the engine clock's time. Calls record their own (the dispatcher)."""
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


class Service:
    """What every service is: its operations behind one dispatcher, over the
    collaborators it was given (kept as attributes of the same names)."""

    name: ClassVar[str]
    operations: ClassVar[Operations]
    errors: ClassVar[ServiceErrors]
    # Hooks the dispatcher calls when a service defines them: ``public(value)`` hides
    # members of the service's own from the event (IAM's secret access keys);
    # ``succeeded(ctx, event_id)`` hears of each successful call (KMS records the last
    # use of its keys).
    public: ClassVar[staticmethod[[Any], Any] | None] = None
    succeeded: Callable[[CallContext, str], None] | None = None

    def __init__(self, collaborators: Collaborators):
        self.collaborators = collaborators
        self.account = collaborators.account
        self.region = collaborators.region
        self.clock = collaborators.clock
        self.entropy = collaborators.entropy
        self.store = collaborators.store
        self.lock = collaborators.lock
        self.due = collaborators.due
        self.call_service = collaborators.call
        self.call = Dispatcher(self, collaborators)
