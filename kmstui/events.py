"""The event bus and CloudTrail-shaped records.

Every KMS call, allowed or denied, becomes one record shaped like a CloudTrail event
(eventTime, eventSource, eventName, awsRegion, userIdentity, requestParameters,
responseElements, errorCode, resources ...) plus ``decision``: the effect and what
decided it (a statement Sid or a grant id). Secrets never enter a record: blobs,
plaintexts and grant tokens are dropped from parameters and responses before the
record is built. A call's requestParameters come from its operation's input shape
(kmstui.model.record: only the members the shape defines, each bounded), so a request
can neither grow a record nor the caches here with members of its own making.

A record is encoded once, as the JSON line the event log stores, and travels in that
form: the bus's ring keeps lines, and a record becomes a dict only when something reads
it. So a call pays for one encoding and leaves no long-lived objects behind (thousands
of live record dicts kept the garbage collector busy). Subscribers are called
synchronously on the publishing thread and must be quick (the console only appends to
a buffer and redraws on its own timer). The ring of the newest records serves views
that open late; it is bounded in records and in bytes.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any, overload

import orjson

from kmstui.caller import Caller
from kmstui.clock import iso8601
from kmstui.jsonlines import dumps_line, loads_line

_dumps = orjson.dumps
_NEWLINE = orjson.OPT_APPEND_NEWLINE

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
READ_ONLY_KMS_OPERATIONS = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateRandom",
        "GenerateMac",
        "VerifyMac",
        "Sign",
        "Verify",
        "DeriveSharedSecret",
        "Encapsulate",
        "Decapsulate",
    }
)


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
# camelCase member names already made. Bounded: requests an operation's model does
# not describe (see kmstui.model.record) bring names of their own.
_CAMEL: dict[str, str] = {}
_CAMEL_MAX = 4096
_BLOBS = (bytes, bytearray, memoryview)


def _camel(name: Any) -> str:
    camel = _CAMEL.get(name)
    if camel is None:
        if name.__class__ is not str:
            name = str(name)
        camel = name[:1].lower() + name[1:]
        if len(_CAMEL) < _CAMEL_MAX:
            _CAMEL[name] = camel
    return camel


class Encoded(dict):
    """A record member shared between many records (a memoised decision): a dict
    that carries its own JSON, so a record writes it without walking it again. Read
    only: ``json`` is made once, when it is built."""

    __slots__ = ("json",)

    def __init__(self, *args: Any, **members: Any):
        super().__init__(*args, **members)
        self.json = orjson.Fragment(dumps_line(self)[:-1])  # never fails (see jsonlines)


class EncodedList(list):
    """A list member shared between records (a set of resources), with its JSON, as
    :class:`Encoded`."""

    __slots__ = ("json",)

    def __init__(self, items: Any = ()):
        super().__init__(items)
        self.json = orjson.Fragment(dumps_line(self)[:-1])


def scrub(value: Any) -> Any:
    """A copy of ``value`` without secret members, member names in CloudTrail's
    camelCase (map keys untouched). Map members are shared, not copied: a record is
    encoded as soon as it is made."""
    if isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if name in SECRET_MEMBERS:
                continue
            cls = item.__class__
            if cls is str or cls is int or cls is bool or item is None:
                out[_camel(name)] = item
            elif isinstance(item, _BLOBS):
                continue
            elif isinstance(item, dict) and name in MAP_MEMBERS:
                out[_camel(name)] = item
            elif isinstance(item, (dict, list)):
                out[_camel(name)] = scrub(item)
            else:
                out[_camel(name)] = item
        return out
    if isinstance(value, list):
        return [scrub(v) for v in value if not isinstance(v, _BLOBS)]
    return value


@lru_cache(maxsize=1024)
def user_identity(caller: Caller) -> dict[str, Any]:
    """CloudTrail's userIdentity (shared between records: treat as read-only)."""
    return _user_identity(caller)


def _user_identity(caller: Caller) -> dict[str, Any]:
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


def encode_record(
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
    """One call's record as a JSON line: the form the event stream carries and the
    event log stores (``jsonlines.loads_line`` gives it back as a dict).

    ``request`` is the request as the caller sent it, or, with ``request_recorded``,
    what the record keeps of it already (see :func:`kmstui.model.record.recorded`);
    so is ``response`` with ``response_recorded``.

    Members come in CloudTrail's order, then ``epoch`` (eventTime as a number), the
    error, ``decision`` and ``extra``'s members. What depends only on the service, the
    operation and the caller is encoded once (see :class:`_LineTemplate`); a call
    encodes the rest."""
    template = _LINE_TEMPLATES.get((service, operation, caller))
    if template is None:
        template = _line_template(service, operation, caller)
    body = template.body.copy()
    if request:
        body["requestParameters"] = request if request_recorded else scrub(request)
    # CloudTrail leaves out what read-only calls return.
    if response and not template.read_only:
        body["responseElements"] = response if response_recorded else scrub(response)
    body["requestID"] = body["eventID"] = event_id
    if resources:
        listed = _RESOURCE_LISTS.get(resources_key := tuple(resources))
        if listed is None:
            listed = _resource_list(resources_key)
        body["resources"] = listed.json
    else:
        listed = None
        body["resources"] = []
    body["epoch"] = event_time
    if error:
        code, message = error
        if len(message) > MAX_ERROR_MESSAGE:  # it may quote a long value of the request
            message = message[:MAX_ERROR_MESSAGE] + "..."
        body["errorCode"], body["errorMessage"] = code, message
    if decision:
        body["decision"] = decision.json if decision.__class__ is Encoded else decision
    if extra:
        if not _HEAD_MEMBERS.isdisjoint(extra):
            return _encode_whole(template, event_time, _plain(body, listed, decision), extra)
        body.update(extra)
    try:  # '{"requestParameters":...}\n': its "{" gives way to the head
        tail = _dumps(body, option=_NEWLINE)
    except TypeError:  # what orjson cannot write (see jsonlines)
        tail = dumps_line(_plain(body, listed, decision))
    second = event_time // 1
    stamp = _last_stamp
    if stamp[0] != second:
        stamp = _stamp(second)
    return b"".join((template.head, stamp[1], template.middle, tail[1:]))


# The members before requestParameters: the head of every line.
_HEAD_MEMBERS = frozenset(
    {
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
    }
)


def read_only(service: str, operation: str) -> bool:
    """Whether CloudTrail counts ``operation`` read-only (its record has no response)."""
    return operation.startswith(READ_ONLY_PREFIXES) or (
        service == "kms" and operation in READ_ONLY_KMS_OPERATIONS
    )


class _LineTemplate:
    """What a record's line holds for one service, operation and caller: the encoded
    members before eventTime (``head``) and between eventTime and requestParameters
    (``middle``, ending in a comma), and the rest as a dict to fill in (``body``)."""

    __slots__ = ("head", "middle", "body", "read_only")

    def __init__(self, service: str, operation: str, caller: Caller):
        self.read_only = read_only(service, operation)
        self.head = b'{"eventVersion":"1.08","userIdentity":%s,"eventTime":"' % (
            _value(user_identity(caller)),
        )
        self.middle = b'","eventSource":%s,"eventName":%s,"awsRegion":%s,' % (
            _value(EVENT_SOURCES.get(service, f"{service}.amazonaws.com")),
            _value(operation),
            _value(caller.region),
        ) + b'"sourceIPAddress":%s,"userAgent":%s,' % (
            _value(caller.via_service or caller.source_ip),
            _value(caller.via_service or caller.user_agent),
        )
        self.body: dict[str, Any] = {
            "requestParameters": None,
            "responseElements": None,
            "requestID": None,
            "eventID": None,
            "readOnly": self.read_only,
            "resources": None,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": caller.account,
            "eventCategory": "Management",
            "epoch": None,
        }

    def head_members(self, event_time: float) -> dict[str, Any]:
        """The members the head and middle encode, as a dict."""
        stamp = _stamp(event_time // 1)[1]
        return loads_line(self.head + stamp + self.middle[:-1] + b"}")


def _value(value: Any) -> bytes:
    return dumps_line(value)[:-1]


_LINE_TEMPLATES: dict[tuple[str, str, Caller], _LineTemplate] = {}
_LINE_TEMPLATES_MAX = 4096


def _line_template(service: str, operation: str, caller: Caller) -> _LineTemplate:
    template = _LineTemplate(service, operation, caller)
    if len(_LINE_TEMPLATES) >= _LINE_TEMPLATES_MAX:
        _LINE_TEMPLATES.clear()
    _LINE_TEMPLATES[(service, operation, caller)] = template
    return template


def _plain(body: dict[str, Any], resources: list | None, decision: dict | None) -> dict:
    """``body`` with its members as values again, where it holds their JSON (what
    only orjson can write)."""
    if resources is not None:
        body["resources"] = resources
    if decision:
        body["decision"] = decision
    return body


def _encode_whole(
    template: _LineTemplate, event_time: float, body: dict[str, Any], extra: dict
) -> bytes:
    """The line for a record whose ``extra`` replaces a member of the head (rare): the
    whole record as one dict, each member where CloudTrail puts it."""
    record = template.head_members(event_time)
    record.update(body)
    record.update(extra)
    return dumps_line(record)


# eventTime as encoded, for the latest whole second seen: (second, b"2026-...Z").
_last_stamp: tuple[float, bytes] = (float("nan"), b"")


def _stamp(second: float) -> tuple[float, bytes]:
    global _last_stamp
    stamp = (second, iso8601(second).encode("ascii"))
    _last_stamp = stamp
    return stamp


# A record's resources, by their ARNs (shared between records: read-only); made on a
# miss, so this is the only cache of them. Bounded: ARNs come from requests.
_RESOURCE_LISTS: dict[tuple[str, ...], EncodedList] = {}
_RESOURCE_LISTS_MAX = 4096


def _resource_list(arns: tuple[str, ...]) -> EncodedList:
    listed = EncodedList(_resource(arn) for arn in arns)
    if len(_RESOURCE_LISTS) >= _RESOURCE_LISTS_MAX:
        _RESOURCE_LISTS.clear()
    _RESOURCE_LISTS[arns] = listed
    return listed


def _resource(arn: str) -> dict[str, str]:
    return {"accountId": arn.split(":")[4], "type": _resource_type(arn), "ARN": arn}


def _resource_type(arn: str) -> str:
    if ":kms:" in arn:
        return "AWS::KMS::Key"
    if ":volume/" in arn:
        return "AWS::EC2::Volume"
    if ":instance/" in arn:
        return "AWS::EC2::Instance"
    return "AWS::Unknown"


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

    A record travels as its JSON line (:func:`encode_record`): the ring keeps lines and
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
        """Publish one record's line (as :func:`encode_record` makes it)."""
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
