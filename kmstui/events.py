"""The event bus and CloudTrail-shaped records.

Every KMS call, allowed or denied, becomes one record shaped like a CloudTrail event
(eventTime, eventSource, eventName, awsRegion, userIdentity, requestParameters,
responseElements, errorCode, resources ...) plus ``decision``: the effect and what
decided it (a statement Sid or a grant id). Secrets never enter a record: blobs,
plaintexts and grant tokens are dropped from parameters and responses before the
record is built. A call's requestParameters come from its operation's input shape
(kmstui.model.record: only the members the shape defines, each bounded), so a request
cannot grow a record with members of its own making.

A record is encoded once, as the JSON line the event log stores, and travels in that
form: the bus's ring keeps lines, and a record becomes a dict only when something reads
it, so calls leave no long-lived objects for the garbage collector. Subscribers are
called synchronously on the publishing thread and must be quick (the console only
appends to a buffer and redraws on its own timer). The ring of the newest records
serves views that open late; it is bounded in records and in bytes.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import orjson

from kmstui.caller import Caller
from kmstui.clock import iso8601
from kmstui.jsonlines import dumps_line, loads_line
from kmstui.memo import Memo
from kmstui.model.writes import USES as KEY_USES

EVENT_SOURCES = {"kms": "kms.amazonaws.com", "ec2": "ec2.amazonaws.com", "iam": "iam.amazonaws.com"}

# Members that carry secrets or bulk bytes; they never reach a record.
SECRET_MEMBERS = frozenset(
    {
        "Plaintext",
        "CiphertextBlob",
        "CiphertextForRecipient",
        "SourceCiphertextBlob",
        "GrantToken",
        "GrantTokens",
        "SecretAccessKey",
        "Signature",
        "Message",
        "Mac",
        "PublicKey",
        "KeyMaterial",
        "ImportToken",
        "EncryptedKeyMaterial",
        "PrivateKeyPlaintext",
        "PrivateKeyCiphertextBlob",
        "SharedSecret",
        "SharedSecretCiphertextBlob",
        "KeyStorePassword",
        "XksProxyAuthenticationCredential",
    }
)
# The longest errorMessage a record keeps (a message may quote a value of the request).
MAX_ERROR_MESSAGE = 2048
READ_ONLY_PREFIXES = ("Describe", "List", "Get")
# KMS's cryptographic operations are read-only to CloudTrail too: their records carry
# no responseElements (the key material used goes in additionalEventData instead).
READ_ONLY_KMS_OPERATIONS = KEY_USES


# Map-valued members: their keys are data (an encryption context), not member names,
# so CloudTrail keeps them as they are.
MAP_MEMBERS = frozenset(
    {
        "EncryptionContext",
        "SourceEncryptionContext",
        "DestinationEncryptionContext",
        "EncryptionContextEquals",
        "EncryptionContextSubset",
    }
)
_BLOBS = (bytes, bytearray, memoryview)


def _camel(name: Any) -> str:
    name = str(name)
    return name[:1].lower() + name[1:]


def scrub(value: Any) -> Any:
    """A copy of ``value`` without secret members, member names in CloudTrail's
    camelCase (map keys untouched). Map members are shared, not copied: a record is
    encoded as soon as it is made."""
    if isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if name in SECRET_MEMBERS or isinstance(item, _BLOBS):
                continue
            if isinstance(item, dict) and name in MAP_MEMBERS:
                out[_camel(name)] = item
            elif isinstance(item, (dict, list)):
                out[_camel(name)] = scrub(item)
            else:
                out[_camel(name)] = item
        return out
    if isinstance(value, list):
        return [scrub(v) for v in value if not isinstance(v, _BLOBS)]
    return value


def user_identity(caller: Caller) -> dict[str, Any]:
    """CloudTrail's userIdentity."""
    if caller.is_service:
        return {"type": "AWSService", "invokedBy": caller.principal}
    identity: dict[str, Any] = {
        "type": caller.principal_type,
        "arn": caller.principal,
        "accountId": caller.account,
    }
    if caller.access_key_id:
        identity["accessKeyId"] = caller.access_key_id
    if caller.username:
        identity["userName"] = caller.username
    if caller.role_arn:
        identity["sessionContext"] = {
            "sessionIssuer": {"type": "Role", "arn": caller.role_arn, "accountId": caller.account}
        }
    if caller.via_service:
        identity["invokedBy"] = caller.via_service
    return identity


def read_only(service: str, operation: str) -> bool:
    """Whether CloudTrail counts ``operation`` read-only (its record has no response)."""
    return operation.startswith(READ_ONLY_PREFIXES) or (
        service == "kms" and operation in READ_ONLY_KMS_OPERATIONS
    )


def resource(arn: str) -> dict[str, str]:
    """One member of a record's ``resources``."""
    return {"accountId": arn.split(":")[4], "type": _resource_type(arn), "ARN": arn}


def _resource_type(arn: str) -> str:
    if ":kms:" in arn:
        return "AWS::KMS::Key"
    if ":volume/" in arn:
        return "AWS::EC2::Volume"
    if ":instance/" in arn:
        return "AWS::EC2::Instance"
    return "AWS::Unknown"


# The members before requestParameters, in CloudTrail's order: what a record's line
# begins with.
HEAD_MEMBERS = (
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
)


def head_members(service: str, operation: str, caller: Caller, event_time: str) -> dict:
    """A record's head members, as a dict in CloudTrail's order."""
    return {
        "eventVersion": "1.08",
        "userIdentity": user_identity(caller),
        "eventTime": event_time,
        "eventSource": EVENT_SOURCES.get(service) or f"{service}.amazonaws.com",
        "eventName": operation,
        "awsRegion": caller.region,
        "sourceIPAddress": caller.via_service or caller.source_ip,
        "userAgent": caller.via_service or caller.user_agent,
    }


class _Head:
    """A record's head as encoded for one service, operation and caller: the JSON
    before eventTime's value and after it (up to requestParameters)."""

    __slots__ = ("before_time", "after_time", "read_only")

    def __init__(self, service: str, operation: str, caller: Caller) -> None:
        self.read_only = read_only(service, operation)
        members = head_members(service, operation, caller, "")
        first = {name: members.pop(name) for name in ("eventVersion", "userIdentity")}
        del members["eventTime"]
        self.before_time = dumps_line(first)[:-2] + b',"eventTime":"'
        self.after_time = b'",' + dumps_line(members)[1:-2] + b","


class RecordEncoder:
    """Encodes one call's record as a JSON line: the form the event stream carries and
    the event log stores (``jsonlines.loads_line`` gives it back as a dict).

    What a record repeats from call to call is encoded once and remembered (see
    :mod:`kmstui.memo`): the head of the line for each service, operation and caller,
    the resources of each set of ARNs, and eventTime for the latest second. A call
    encodes the rest."""

    def __init__(self, memo_size: int = 4096) -> None:
        self._heads = Memo(memo_size)
        self._resources = Memo(memo_size)
        self._stamp: tuple[int, bytes] = (-1, b"")

    def encode(
        self,
        service: str,
        operation: str,
        caller: Caller,
        event_time: float,
        event_id: str,
        request: dict | None,
        response: dict | None,
        error: tuple[str, str] | None,
        resources: list[str] | None,
        decision: dict | None,
        extra: dict | None,
        *,
        request_recorded: bool = False,
        response_recorded: bool = False,
    ) -> bytes:
        """The record's line. ``request`` is the request as the caller sent it, or,
        with ``request_recorded``, what the record keeps of it already (see
        :func:`kmstui.model.record.recorded`); so is ``response`` with
        ``response_recorded``. Members come in CloudTrail's order, then ``epoch``
        (eventTime as a number), the error, ``decision`` and ``extra``'s members (one
        that names a member already there takes its place)."""
        head_key = (service, operation, caller)
        head = self._heads.get(head_key)
        if head is None:
            head = self._heads.put(head_key, _Head(service, operation, caller))
        second = int(event_time // 1)
        if self._stamp[0] != second:
            self._stamp = (second, iso8601(second).encode("ascii"))
        listed: Any = []
        if resources:
            arns = tuple(resources)
            listed = self._resources.get(arns)
            if listed is None:
                # shared between records: encoded once
                listed = self._resources.put(arns, _Listed(resource(arn) for arn in arns))
        if request:
            request = request if request_recorded else scrub(request)
        else:
            request = None
        if response and not head.read_only:  # CloudTrail leaves out what reads return
            response = response if response_recorded else scrub(response)
        else:
            response = None
        body: dict[str, Any] = {
            "requestParameters": request,
            "responseElements": response,
            "requestID": event_id,
            "eventID": event_id,
            "readOnly": head.read_only,
            "resources": listed.json if listed else listed,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": caller.account,
            "eventCategory": "Management",
            "epoch": event_time,
        }
        if error:
            code, message = error
            if len(message) > MAX_ERROR_MESSAGE:  # it may quote a long value of the request
                message = message[:MAX_ERROR_MESSAGE] + "..."
            body["errorCode"], body["errorMessage"] = code, message
        if decision:
            body["decision"] = decision
        if extra and not extra.keys().isdisjoint(HEAD_MEMBERS):  # rare: a whole dict
            record = head_members(service, operation, caller, self._stamp[1].decode())
            record.update(body, resources=listed)
            record.update(extra)
            return dumps_line(record)
        if extra:
            body.update(extra)
        try:
            tail = orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE)
        except TypeError:  # what only the fallback encoder can write (see jsonlines)
            body["resources"] = listed
            tail = dumps_line(body)
        # the tail's "{" gives way to the head
        return b"".join((head.before_time, self._stamp[1], head.after_time, tail[1:]))


class _Listed(list):
    """A record's resources, with their JSON (shared between records: read-only)."""

    __slots__ = ("json",)

    def __init__(self, items: Any = ()):
        super().__init__(items)
        self.json = orjson.Fragment(dumps_line(self)[:-1])


def encode_record(*args: Any, **members: Any) -> bytes:
    """One record's line, remembering nothing (see :meth:`RecordEncoder.encode`)."""
    return RecordEncoder(memo_size=1).encode(*args, **members)


Subscriber = Callable[[dict[str, Any]], None]


class RecentEvents(Sequence):
    """The newest records, oldest first, read from the bus's ring of lines: each record
    is decoded when it is read (and each read gives a fresh dict)."""

    def __init__(self, lines: deque[bytes]):
        self._lines = lines

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [loads_line(line) for line in list(self._lines)[index]]
        return loads_line(self._lines[index])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(loads_line, list(self._lines))  # over a snapshot: appends may go on

    def __reversed__(self) -> Iterator[dict[str, Any]]:
        return map(loads_line, reversed(list(self._lines)))

    def lines(self) -> list[bytes]:
        """The encoded records, oldest first (a snapshot). Each line is its own
        object, so a reader can find where it left off by identity."""
        return list(self._lines)


# The most the ring of recent lines holds, in bytes (it holds at most ring_size lines
# too): a record is bounded (see kmstui.model.record), but many large ones add up.
RING_BYTES = 32 * 1024 * 1024


class EventBus:
    """Publish records to subscribers, keep the newest in a ring, persist through a sink.

    A record travels as its JSON line (:meth:`encode_record`): the ring keeps lines and
    the sink gets the line. Subscribers get the record as a dict, decoded once per
    record and shared between them; with no subscriber nothing is decoded."""

    def __init__(
        self,
        ring_size: int = 10_000,
        sink: Callable[[bytes], None] | None = None,
        *,
        ring_bytes: int = RING_BYTES,
    ):
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._ring: deque[bytes] = deque(maxlen=ring_size)
        self.ring_bytes = ring_bytes
        # The ring's lines are counted up again, and the oldest dropped past the bound,
        # each time a quarter of the bound has been added: at most 1.25 times the
        # bound (and one line) is ever held, and a publish only adds a length.
        self._added = 0
        self._recount_after = max(ring_bytes // 4, 1)
        self.recent = RecentEvents(self._ring)
        self.sink = sink
        self.published = 0
        self._encoder = RecordEncoder()
        #: One call's record as the line :meth:`publish` takes (see
        #: :meth:`RecordEncoder.encode`), with what records repeat remembered by this bus.
        self.encode_record = self._encoder.encode

    def _trim(self) -> int:
        """Drop the oldest lines while the ring holds more than ``ring_bytes`` (the
        newest line always stays); 0, the bytes added since."""
        ring = self._ring
        held = sum(map(len, ring))
        while held > self.ring_bytes and len(ring) > 1:
            held -= len(ring.popleft())
        return 0

    def forget_recent(self) -> None:
        """Empty the ring of recent records (the engine was reset)."""
        self._ring.clear()
        self._added = 0

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers = [*self._subscribers, subscriber]

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = [s for s in self._subscribers if s is not subscriber]

        return unsubscribe

    def publish(self, line: bytes) -> None:
        """Publish one record's line (as :meth:`encode_record` makes it)."""
        self._ring.append(line)
        added = self._added + len(line)
        if added > self._recount_after:
            added = self._trim()
        self._added = added
        self.published += 1
        if self.sink is not None:
            self.sink(line)
        subscribers = self._subscribers
        if subscribers:
            record = loads_line(line)
            for subscriber in subscribers:
                try:
                    subscriber(record)
                except Exception:  # a broken view must not break the engine
                    pass
