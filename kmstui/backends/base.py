"""What the console needs from whatever it manages, and what each backend can do.

A :class:`Backend` answers requests by AWS operation name with AWS's members, feeds
CloudTrail-shaped events, reports volume throughput and, where it has them, an engine
clock and block I/O workloads. :class:`Capabilities` says which of the optional parts
a backend has, each with the reason when it has not, so a screen says "unavailable:
why" before the user tries. Nothing here imports Textual or a service."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

from kmstui.caller import Caller
from kmstui.errors import AwsError


class CannotConnect(Exception):
    """The backend cannot be reached or opened; the message says why, for people."""


class Unavailable(Exception):
    """The backend cannot do this (now); the message says why, for people."""


class WriteRefused(Unavailable, AwsError):
    """A request the backend did not send: the console is read-only (``code``
    ``ReadOnly``), no one could be asked (``NotConfirmed``) or the user cancelled it
    (``Cancelled``). ``operation`` names it; the message says why and, read-only, how
    to allow writes. It is an AwsError too, so whatever shows a request's error shows
    this one: nothing was sent, nothing came back."""

    def __init__(self, operation: str, message: str, *, code: str = "ReadOnly"):
        AwsError.__init__(self, message, code=code)
        self.operation = operation

    @property
    def declined(self) -> bool:
        """The user said no: nothing to report as a failure."""
        return self.code == "Cancelled"


@dataclass(frozen=True)
class Capability:
    """One thing a backend may or may not do; ``reason`` says why not."""

    available: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.available

    @property
    def why_not(self) -> str:
        """``unavailable: <reason>``, or "" when available."""
        return "" if self.available else f"unavailable: {self.reason}"


YES = Capability(True)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do beyond requests and events."""

    workloads: Capability  # block I/O workloads on attached volumes
    clock: Capability  # an engine clock the console can move forward
    act_as_any: Capability  # requests as any principal, without its credentials
    caller_model: Capability  # choosing how EC2 calls KMS for a volume's data key
    nbd_export: Capability  # serving an attached volume over NBD
    endpoint: Capability  # serving the AWS endpoint for SDKs and the aws CLI
    writes: Capability = YES  # any request that changes something (read-only: why)

    def names(self) -> list[str]:
        return [f.name for f in fields(self)]


@dataclass(frozen=True)
class Location:
    """Where the console is: its own engine, AWS, or another AWS-compatible endpoint.
    The title bar shows :attr:`label` (in a colour of its own when not embedded)."""

    kind: str  # "embedded", "aws" or "endpoint"
    account: str
    region: str
    profile: str | None = None
    endpoint_url: str | None = None

    @property
    def remote(self) -> bool:
        return self.kind != "embedded"

    def label(self, region: str | None = None) -> str:
        """``AWS 123456789012 eu-west-1 (profile prod)``; ``region``: the Region shown
        now, when the console switched from the one it opened in."""
        region = region or self.region
        if self.kind == "embedded":
            return f"embedded {self.account} {region}"
        if self.kind == "aws":
            via = f" (profile {self.profile})" if self.profile else ""
            return f"AWS {self.account} {region}{via}"
        return f"{self.endpoint_url} {self.account} {region}"


@dataclass(frozen=True)
class WriteRequest:
    """A request that changes something, or uses a key, put to the user before it is
    sent: the exact call and its parameters (secrets masked), and for a destructive
    call the value to type (an alias, key id or volume id)."""

    service: str  # "kms", "ec2", "iam"
    operation: str
    params: dict
    kind: str  # "write", "destructive" or "use" (a cryptographic operation on a key)
    type_to_confirm: str | None = None

    @property
    def cli(self) -> str:
        """The call as the aws CLI would spell it (``aws kms schedule-key-deletion``)."""
        import re

        words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", self.operation).lower()
        return f"aws {self.service} {words}"


# Asked on a worker thread before a write is sent; True: send it.
Confirm = Callable[[WriteRequest], bool]


class History(Protocol):
    """The persisted event log's reading side (``kmstui.store.eventlog.EventLog``)."""

    def __len__(self) -> int: ...

    def page(self, before_index: int | None, limit: int) -> list[dict]: ...


class ListHistory:
    """A history over a list (fixed streams) or the engine's ring of recent records;
    ``dropped``: how many records went before the oldest one held."""

    def __init__(self, records: Sequence[dict] | deque, offset: Callable[[], int] | None = None):
        self._records = records
        self._offset = offset

    def __len__(self) -> int:
        return len(self._records)

    @property
    def dropped(self) -> int:
        return self._offset() if self._offset else 0

    def page(self, before_index: int | None, limit: int) -> list[dict]:
        ring = self._records
        records: Sequence[dict] = list(ring) if isinstance(ring, deque) else ring  # no slices
        end = len(records) if before_index is None else max(0, min(before_index, len(records)))
        return list(records[max(0, end - limit) : end])


class EventSource(Protocol):
    """The Monitor's feed: every request's CloudTrail-shaped record as it happens."""

    def subscribe(self, subscriber: Callable[[dict], None]) -> Callable[[], None]:
        """Call ``subscriber(record)`` (on any thread) for each new record; returns
        the function that stops it."""
        ...

    @property
    def history(self) -> History:
        """Every retained record, oldest first, read a page at a time."""
        ...

    @property
    def published(self) -> int:
        """How many records have been published (grows by one a record)."""
        ...

    def recent_lines(self) -> list[bytes]:
        """The newest records as encoded lines, oldest first (each line its own
        object, so a reader finds where it left off by identity)."""
        ...

    def freshness(self) -> str | None:
        """How fresh the feed is, for the Monitor to show (a feed read from CloudTrail:
        when it last read, and how late CloudTrail delivers); None for a live feed."""
        ...


class VolumeMetrics(Protocol):
    """Attached volumes and their throughput, read without a request."""

    def attached(self) -> dict[str, str]:
        """Volumes attached now: volume id -> instance id."""
        ...

    def snapshot(self, volume_id: str) -> dict:
        """Rates now: ReadMiBps, WriteMiBps, ReadIops, WriteIops, LatencyUs."""
        ...

    def series(self, volume_id: str, seconds: int) -> list[dict]:
        """The last ``seconds``, oldest first: ReadMiBps, WriteMiBps, Iops."""
        ...

    def resolution(self) -> str | None:
        """What the figures are when they are not live (``CloudWatch AWS/EBS, 1-minute
        points, minutes behind``), shown beside the graphs; None for live figures."""
        ...


class Workloads(Protocol):
    """Block I/O workloads (fio-like jobs) on attached volumes."""

    def check(self, spec: dict) -> None:
        """ValueError in the workload's own words if ``spec`` is not one."""
        ...

    def start(self, volume_id: str, spec: dict) -> str:
        """Start a workload; returns its job id (AwsError if the volume cannot)."""
        ...

    def stop(self, volume_id: str) -> None: ...

    def running(self, volume_id: str) -> list[Any]: ...


class EngineClock(Protocol):
    """A clock the console may move forward (deletions and rotations fall due)."""

    def now(self) -> float: ...

    def check_advance(self, seconds: float, shown: str) -> None:
        """ValueError if advancing by ``seconds`` is refused (past the latest time)."""
        ...

    def advance(self, seconds: float, shown: str | None = None) -> float:
        """Move the clock forward (``shown``: the duration as the user wrote it)."""
        ...


class Backend(Protocol):
    """What the console manages. Requests block: make them on a worker thread."""

    @property
    def account(self) -> str: ...

    @property
    def region(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def events(self) -> EventSource: ...

    @property
    def volumes(self) -> VolumeMetrics: ...

    @property
    def workloads(self) -> Workloads | None:
        """None: see ``capabilities.workloads``."""
        ...

    @property
    def clock(self) -> EngineClock | None:
        """None: see ``capabilities.clock``."""
        ...

    @property
    def data_dir(self) -> Path | None:
        """Where the console may keep unsaved edits, if anywhere."""
        ...

    @property
    def location(self) -> Location:
        """Where requests go, for the title bar."""
        ...

    def follow_region(self, region: str) -> None:
        """The console works in ``region`` now (its requests already name it): feeds
        that read one Region at a time (events, metrics) read that one."""
        ...

    def set_confirm(self, confirm: Confirm | None) -> None:
        """Who is asked before a write is sent (the console's dialog). A backend that
        confirms writes refuses every write while no one can be asked; the embedded
        engine asks no one."""
        ...

    def call(self, operation: str, params: dict | None = None, *, caller: Caller) -> dict:
        """One request by AWS operation name with AWS's members, as ``caller`` (its
        user agent too, which the events show); AwsError as AWS names it."""
        ...

    def root_caller(self) -> Caller:
        """The account's root user in the backend's Region."""
        ...

    def caller_for(self, arn: str) -> Caller:
        """The caller for ``arn`` in the backend's Region (ValueError if not an ARN)."""
        ...

    def operations(self) -> frozenset[str]:
        """The operation names the backend answers."""
        ...

    def principals(self) -> list[str] | None:
        """The IAM users' and roles' ARNs known without a request, or None when the
        backend has no IAM."""
        ...

    def alias_names(self, key_id: str) -> list[str]:
        """A key's alias names, known without a request (no event)."""
        ...

    def caller_model(self) -> str:
        """How EC2 calls KMS for volumes created from now on (``capabilities
        .caller_model``): ``aws`` or ``seed``. Blocks: run it on a worker."""
        ...

    def set_caller_model(self, model: str) -> str:
        """Switch the caller model (ValueError for another value); existing volumes
        keep theirs. Blocks: run it on a worker."""
        ...

    def validate_key_policy(self, text: str, caller: Caller, *, bypass: bool = False) -> list:
        """The policy's findings, with the lockout check for ``caller``."""
        ...

    def simulate(
        self,
        *,
        policy_text: str | None,
        principal: str,
        action: str,
        key_id: str,
        encryption_context: dict | None = None,
        via_service: str | None = None,
    ) -> Any:
        """Whether ``principal`` may do ``action`` on the key with ``policy_text`` in
        place of the stored policy; nothing changes."""
        ...

    def endpoint_server(self, host: str, port: int, *, allow_any_credentials: bool) -> Any:
        """The AWS endpoint for SDKs and the aws CLI (``capabilities.endpoint``), not
        yet started: ``url = await server.start()`` (OSError if it cannot listen),
        ``await server.stop()``."""
        ...

    def nbd_server(
        self, volume_id: str, port: int | None = None, taken: Collection[int] = ()
    ) -> Any:
        """An attached volume served over NBD (``capabilities.nbd_export``) on ``port``
        (None: the first port from NBD's own, 10809, not in ``taken``), not yet
        started: ``await server.start()``, ``.address``, ``.port``, ``await
        server.close()``. Blocks (the data key may be decrypted): run it on a thread.
        Unavailable says why it cannot be."""
        ...

    def close(self) -> None: ...
