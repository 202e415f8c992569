"""The one seam between the console and what it manages.

The console makes every request, reads every event and every throughput figure
through a :class:`Backend`; :class:`EmbeddedBackend` is the embedded engine. A backend
says what it cannot do (:class:`Capabilities`), each with a reason, so screens say
"unavailable: why" instead of failing later."""

from kmstui.backends.base import (
    Backend,
    CannotConnect,
    Capabilities,
    Capability,
    Confirm,
    EngineClock,
    EventSource,
    History,
    ListHistory,
    Location,
    Unavailable,
    VolumeMetrics,
    Workloads,
    WriteRefused,
    WriteRequest,
)
from kmstui.backends.embedded import EmbeddedBackend, open_embedded

__all__ = [
    "Backend",
    "CannotConnect",
    "Capabilities",
    "Capability",
    "Confirm",
    "EmbeddedBackend",
    "EngineClock",
    "EventSource",
    "History",
    "ListHistory",
    "Location",
    "Unavailable",
    "VolumeMetrics",
    "Workloads",
    "WriteRefused",
    "WriteRequest",
    "open_embedded",
]
