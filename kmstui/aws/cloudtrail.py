"""The Monitor's feed on an AWS account: CloudTrail's management events for KMS and EBS,
read with LookupEvents.

A poller thread (started by the first subscriber, stopped by the last one leaving or by
:meth:`CloudTrailEvents.close`) looks up the events of ``kms.amazonaws.com`` and those of
``ec2.amazonaws.com`` that change EBS volumes, snapshots or EBS encryption settings, a
page of up to 50 at a time. LookupEvents answers at most 2 requests a second per account
and Region: a token bucket keeps every request of this feed under that (a boto3
client's retries too: it takes a token before each request is sent), and a
ThrottlingException is shown (see :meth:`CloudTrailEvents.freshness`) and doubles the
wait before the next read.

CloudTrail typically delivers an event within about 5 minutes of the call (not
guaranteed), so each read looks back over the window since the last read and
:data:`LOOK_BACK` before it, and events already seen are known by their eventID. Events
are added in the order they are read (a late one after newer ones), each as the
CloudTrail record itself (``CloudTrailEvent``) with ``epoch`` (eventTime in seconds),
the shape the embedded engine's Monitor shows. A Decrypt by an ``aws:ec2-infrastructure``
session is EBS decrypting a volume's data key on attach: its record names the volume in
``requestParameters.encryptionContext["aws:ebs:id"]`` and the session's ARN in
``userIdentity.arn``, filled in from the session's principal id where CloudTrail left it
out, so the Monitor lists it as that volume's data-key decrypt as it does the engine's."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import botocore.exceptions  # type: ignore[import-untyped]

from kmstui.errors import AwsError

KMS_SOURCE = "kms.amazonaws.com"
EC2_SOURCE = "ec2.amazonaws.com"
SOURCES = (KMS_SOURCE, EC2_SOURCE)
INFRASTRUCTURE_ROLE = "aws:ec2-infrastructure"
# LookupEvents: 2 requests a second per account and Region (CloudTrail's quota).
LOOKUP_RATE = 2.0
PAGE_SIZE = 50  # the most LookupEvents returns in one page
DELIVERY = "CloudTrail typically delivers an event within about 5 minutes of the call"
LOOK_BACK = 15 * 60.0  # seconds before the last read that each read covers again
FIRST_LOOK_BACK = 60 * 60.0  # the first read: the last hour
POLL_EVERY = 30.0
MAX_BACKOFF = 300.0
MAX_PAGES = 20  # a read's pages per event source (the rest waits for the next read)
THROTTLED = {"ThrottlingException", "Throttling", "TooManyRequestsException"}
# EC2 events that concern EBS: a volume's, a snapshot's, EBS encryption by default.
EBS_WORDS = ("Volume", "Snapshot", "Ebs")


class TokenBucket:
    """At most ``rate`` takes a second, one at a time (no burst: a take waits until
    1/rate seconds after the one before), so no second ever holds more than ``rate``.
    ``clock`` and ``sleep`` are the monotonic clock's (tests pass a fake)."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def take(self) -> None:
        """Wait for a token, then use it."""
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
                now = self._clock()
            self._next = max(now, self._next) + self.interval


def error_of(exc: BaseException) -> tuple[str, str]:
    """(code, message) of a failed request, whoever raised it."""
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        return str(error.get("Code") or "UnknownError"), str(error.get("Message", ""))
    if isinstance(exc, AwsError):
        return exc.code, exc.message
    return type(exc).__name__, str(exc)


def iso_epoch(text: str) -> float | None:
    """``2026-12-07T12:03:04Z`` as epoch seconds (None if it is not such a time)."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (TypeError, ValueError):
        return None


def utc_clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S UTC")


def infrastructure_session(identity: dict) -> str | None:
    """The instance id of an ``aws:ec2-infrastructure`` session's userIdentity (its ARN
    ``arn:aws:sts::ACCOUNT:assumed-role/aws:ec2-infrastructure/i-...`` or principal id
    ``ACCOUNT:aws:ec2-infrastructure:i-...``), else None."""
    if identity.get("type") not in (None, "AssumedRole"):
        return None
    arn = str(identity.get("arn") or "")
    marker = f":assumed-role/{INFRASTRUCTURE_ROLE}/"
    if marker in arn:
        return arn.split(marker, 1)[1] or None
    principal = str(identity.get("principalId") or "")
    marker = f":{INFRASTRUCTURE_ROLE}:"
    if marker in principal:
        return principal.split(marker, 1)[1] or None
    issuer = (identity.get("sessionContext") or {}).get("sessionIssuer") or {}
    if issuer.get("userName") == INFRASTRUCTURE_ROLE and ":" in principal:
        return principal.rsplit(":", 1)[1] or None
    return None


def wanted(record: dict) -> bool:
    """KMS's events, and EC2's that change something of EBS."""
    source = record.get("eventSource")
    if source == KMS_SOURCE:
        return True
    if source != EC2_SOURCE or record.get("readOnly"):
        return False
    name = str(record.get("eventName", ""))
    return any(word in name for word in EBS_WORDS)


def translate(event: dict) -> dict | None:
    """One LookupEvents ``Events`` member as the Monitor's record (None if it carries
    no readable ``CloudTrailEvent``)."""
    try:
        record = json.loads(event.get("CloudTrailEvent") or "")
    except (TypeError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    record.setdefault("eventID", event.get("EventId"))
    record.setdefault("eventName", event.get("EventName"))
    record.setdefault("eventSource", event.get("EventSource"))
    when = event.get("EventTime")
    epoch = iso_epoch(str(record.get("eventTime", "")))
    if epoch is None and isinstance(when, datetime):
        epoch = when.timestamp()
    elif epoch is None and isinstance(when, int | float):
        epoch = float(when)
    if epoch is not None:
        record["epoch"] = epoch
        record.setdefault(
            "eventTime", datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    if not record.get("resources") and event.get("Resources"):
        record["resources"] = [
            {"type": r.get("ResourceType"), "ARN": r.get("ResourceName")}
            for r in event["Resources"]
            if str(r.get("ResourceName", "")).startswith("arn:")
        ]
    identity = record.get("userIdentity")
    if isinstance(identity, dict) and record.get("eventName") == "Decrypt":
        _name_infrastructure_session(record, identity)
    return record


def _name_infrastructure_session(record: dict, identity: dict) -> None:
    """An EBS data-key decrypt names its session's ARN (the Monitor's principal)."""
    instance = infrastructure_session(identity)
    if instance is None or identity.get("arn"):
        return
    account = identity.get("accountId") or record.get("recipientAccountId") or ""
    identity["arn"] = f"arn:aws:sts::{account}:assumed-role/{INFRASTRUCTURE_ROLE}/{instance}"
    identity.setdefault("type", "AssumedRole")


def volume_of(record: dict) -> str | None:
    """The volume whose data key an EBS data-key decrypt unwrapped, else None."""
    if record.get("eventName") != "Decrypt":
        return None
    if infrastructure_session(record.get("userIdentity") or {}) is None:
        return None
    context = (record.get("requestParameters") or {}).get("encryptionContext") or {}
    volume = context.get("aws:ebs:id") if isinstance(context, dict) else None
    return str(volume) if volume else None


class TrailHistory:
    """The records read so far, oldest first (in the order they were read), bounded;
    ``dropped``: how many went before the oldest one held."""

    def __init__(self, lines: deque[bytes], lock: threading.Lock, dropped: Callable[[], int]):
        self._lines, self._lock, self._dropped = lines, lock, dropped

    def __len__(self) -> int:
        return len(self._lines)

    @property
    def dropped(self) -> int:
        return self._dropped()

    def page(self, before_index: int | None, limit: int) -> list[dict]:
        with self._lock:
            lines = list(self._lines)
        end = len(lines) if before_index is None else max(0, min(before_index, len(lines)))
        return [json.loads(line) for line in lines[max(0, end - limit) : end]]


class CloudTrailEvents:
    """``CloudTrailEvents(client_for, region)``: ``client_for(region)`` gives a
    CloudTrail client for a Region (each request through it counts against the
    Region's 2 a second). The Monitor's :class:`~kmstui.backends.base.EventSource`."""

    def __init__(
        self,
        client_for: Callable[[str], Any],
        region: str,
        *,
        poll_every: float = POLL_EVERY,
        history_size: int = 10_000,
        recent_size: int = 1_000,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._client_for = client_for
        self._region = region
        self.poll_every = poll_every
        self._clock, self._monotonic, self._sleep = clock, monotonic, sleep
        self._lock = threading.Lock()
        self._lines: deque[bytes] = deque(maxlen=history_size)
        self._recent_size = recent_size
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_size = history_size * 4
        self._buckets: dict[str, TokenBucket] = {}
        self._subscribers: list[Callable[[dict], None]] = []
        self.published = 0
        self._dropped = 0
        self.history = TrailHistory(self._lines, self._lock, lambda: self._dropped)
        self.as_of: float | None = None  # when the last read that worked began (epoch s)
        self._read_from: dict[str, float] = {}  # Region -> start of the last read's window
        self.problem: str | None = None  # the last read's failure, shown until one works
        self.retry_at: float | None = None
        self.wait = poll_every
        self.requests = 0  # LookupEvents calls
        self.sent = 0  # requests a boto3 client sent for them, retries included
        self._gated: dict[int, Any] = {}  # boto3 clients that take a token per request
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- where it reads ---------------------------------------------------------------
    @property
    def region(self) -> str:
        return self._region

    def set_region(self, region: str) -> None:
        """Read ``region`` from now on (records read before stay, each naming its
        awsRegion); the next read comes at once."""
        if region != self._region:
            self._region = region
            self.as_of, self.problem, self.retry_at = None, None, None
            self.wait = self.poll_every
            self._wake.set()

    def bucket(self, region: str) -> TokenBucket:
        bucket = self._buckets.get(region)
        if bucket is None:
            bucket = self._buckets[region] = TokenBucket(
                LOOKUP_RATE, clock=self._monotonic, sleep=self._sleep
            )
        return bucket

    # -- EventSource ------------------------------------------------------------------
    def subscribe(self, subscriber: Callable[[dict], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers = [*self._subscribers, subscriber]
        self._start()

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = [s for s in self._subscribers if s is not subscriber]
                last = not self._subscribers
            if last:
                self._halt(wait=0)  # the UI thread: the poller ends after its read

        return unsubscribe

    def recent_lines(self) -> list[bytes]:
        with self._lock:
            lines = list(self._lines)
        return lines[-self._recent_size :]

    def freshness(self) -> str:
        """``as of 12:03:04 UTC · CloudTrail typically delivers ...``, with a read that
        failed (throttled, denied) and when the next one comes."""
        parts = [f"as of {utc_clock(self.as_of)}" if self.as_of is not None else "not read yet"]
        parts.append(f"LookupEvents in {self._region}")
        if self.problem:
            retry = ""
            if self.retry_at is not None:
                retry = f", next try in {max(0, round(self.retry_at - self._clock()))} s"
            parts.append(f"{self.problem}{retry}")
        parts.append(DELIVERY)
        return " · ".join(parts)

    def close(self) -> None:
        self._halt()

    # -- the poller -------------------------------------------------------------------
    def _start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name="cloudtrail-events", daemon=True
            )
            self._thread.start()

    def _halt(self, wait: float = 2.0) -> None:
        """Stop the poller, waiting up to ``wait`` seconds for its read to end."""
        with self._lock:
            thread, self._thread = self._thread, None
        self._stop.set()
        self._wake.set()
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(timeout=wait)

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.poll()
            self._wake.clear()
            waited = 0.0
            while waited < self.wait and not stop.is_set() and not self._wake.is_set():
                self._wake.wait(min(1.0, self.wait - waited))
                waited += 1.0

    def poll(self) -> int:
        """One read of every source; the number of new records. A failure is kept
        in :attr:`problem` (and throttling doubles :attr:`wait`), never raised."""
        region = self._region
        started = self._clock()
        start = self._read_from.get(region, started - FIRST_LOOK_BACK)
        try:
            found = [record for source in SOURCES for record in self._lookup(region, source, start)]
        except Exception as exc:  # noqa: BLE001 - shown on the Monitor, not raised
            code, message = error_of(exc)
            throttled = code in THROTTLED
            self.wait = min(MAX_BACKOFF, self.wait * 2) if throttled else self.poll_every
            what = "throttled" if throttled else "refused"
            self.problem = f"LookupEvents {what} ({code}{': ' + message if message else ''})"
            self.retry_at = self._clock() + self.wait
            return 0
        if region != self._region:  # switched while reading
            return 0
        self._read_from[region] = max(start, started - LOOK_BACK)
        self.as_of, self.problem, self.retry_at, self.wait = started, None, None, self.poll_every
        return self._add(found)

    def _gate(self, client: Any, region: str) -> bool:
        """Take a token before each LookupEvents request a boto3 client sends, its
        retries included (botocore's ``before-send``); False for a client without
        botocore's events, whose calls are gated one by one instead."""
        events = getattr(getattr(client, "meta", None), "events", None)
        if events is None or not hasattr(events, "register_first"):
            return False
        if id(client) not in self._gated:
            bucket = self.bucket(region)

            def take(**_kwargs: Any) -> None:
                bucket.take()
                self.sent += 1

            events.register_first(
                "before-send.cloudtrail.LookupEvents", take, unique_id=f"kmstui-rate-{id(self)}"
            )
            self._gated[id(client)] = client
        return True

    def _lookup(self, region: str, source: str, start: float) -> Iterator[dict]:
        client = self._client_for(region)
        params: dict[str, Any] = {
            "LookupAttributes": [{"AttributeKey": "EventSource", "AttributeValue": source}],
            "StartTime": datetime.fromtimestamp(start, UTC),
            "MaxResults": PAGE_SIZE,
        }
        gated = self._gate(client, region)
        for _page in range(MAX_PAGES):
            if not gated:
                self.bucket(region).take()
            self.requests += 1
            answer = client.lookup_events(**params)
            for event in answer.get("Events") or ():
                if event.get("EventId") in self._seen:
                    continue
                record = translate(event)
                if record is not None and wanted(record):
                    yield record
            token = answer.get("NextToken")
            if not token:
                return
            params["NextToken"] = token

    def _add(self, found: list[dict]) -> int:
        """Publish the records not seen before, oldest first (under the lock: a poller
        that was stopped may finish its read while the next one starts)."""
        with self._lock:
            fresh: dict[str, dict] = {}
            for record in found:
                event_id = str(record.get("eventID") or "")
                if event_id and event_id not in self._seen and event_id not in fresh:
                    fresh[event_id] = record
            ordered = sorted(fresh.values(), key=lambda r: r.get("epoch") or 0.0)
            for event_id in fresh:
                self._seen[event_id] = None
            while len(self._seen) > self._seen_size:
                self._seen.popitem(last=False)
            for record in ordered:
                if len(self._lines) == self._lines.maxlen:
                    self._dropped += 1
                self._lines.append(json.dumps(record, separators=(",", ":")).encode() + b"\n")
            self.published += len(ordered)
            subscribers = self._subscribers
        for record in ordered:
            for subscriber in subscribers:
                try:
                    subscriber(record)
                except Exception:  # noqa: BLE001 - a broken view must not stop the feed
                    pass
        return len(ordered)
