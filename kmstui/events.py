"""The event bus and CloudTrail-shaped records.

Every KMS call, allowed or denied, becomes one record shaped like a CloudTrail event
(eventTime, eventSource, eventName, awsRegion, userIdentity, requestParameters,
responseElements, errorCode, resources ...) plus ``decision``: the effect and what
decided it (a statement Sid or a grant id). Secrets never enter a record: blobs,
plaintexts and grant tokens are dropped from parameters and responses before the
record is built.

Subscribers are called synchronously on the publishing thread and must be quick (the
console only appends to a buffer and redraws on its own timer). A bounded ring of the
newest records serves views that open late.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from kmstui.caller import Caller
from kmstui.clock import iso8601

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
    }
)
READ_ONLY_PREFIXES = ("Describe", "List", "Get")


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
_CAMEL: dict[str, str] = {}


def _camel(name: str) -> str:
    camel = _CAMEL.get(name)
    if camel is None:
        camel = _CAMEL[name] = name[:1].lower() + name[1:]
    return camel


def scrub(value: Any) -> Any:
    """A copy of ``value`` without secret members, member names in CloudTrail's
    camelCase (map keys untouched)."""
    if isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if name in SECRET_MEMBERS or isinstance(item, (bytes, bytearray, memoryview)):
                continue
            if name in MAP_MEMBERS and isinstance(item, dict):
                out[_camel(name)] = dict(item)
            elif isinstance(item, (dict, list)):
                out[_camel(name)] = scrub(item)
            else:
                out[_camel(name)] = item
        return out
    if isinstance(value, list):
        return [scrub(v) for v in value if not isinstance(v, (bytes, bytearray, memoryview))]
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


def build_record(
    *,
    service: str,
    operation: str,
    caller: Caller,
    event_time: float,
    event_id: str,
    request: dict | None,
    response: dict | None,
    error: tuple[str, str] | None = None,
    resources: list[str] | None = None,
    decision: dict | None = None,
    extra: dict | None = None,
) -> dict[str, Any]:
    read_only = operation.startswith(READ_ONLY_PREFIXES)
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": user_identity(caller),
        "eventTime": iso8601(event_time),
        "eventSource": EVENT_SOURCES.get(service, f"{service}.amazonaws.com"),
        "eventName": operation,
        "awsRegion": caller.region,
        "sourceIPAddress": caller.via_service or caller.source_ip,
        "userAgent": caller.via_service or caller.user_agent,
        "requestParameters": scrub(request) if request else None,
        # CloudTrail leaves out what read-only calls return.
        "responseElements": scrub(response) if response and not read_only else None,
        "requestID": event_id,
        "eventID": event_id,
        "readOnly": read_only,
        "resources": [_resource(arn) for arn in resources] if resources else [],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": caller.account,
        "eventCategory": "Management",
        "epoch": event_time,
    }
    if error:
        record["errorCode"], record["errorMessage"] = error
    if decision:
        record["decision"] = decision
    if extra:
        record.update(extra)
    return record


@lru_cache(maxsize=4096)
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


class EventBus:
    """Publish records to subscribers, keep the newest in a ring, persist through a sink."""

    def __init__(self, ring_size: int = 10_000, sink: Callable[[dict], None] | None = None):
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self.recent: deque[dict[str, Any]] = deque(maxlen=ring_size)
        self.sink = sink
        self.published = 0

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers = [*self._subscribers, subscriber]

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = [s for s in self._subscribers if s is not subscriber]

        return unsubscribe

    def publish(self, record: dict[str, Any]) -> None:
        self.recent.append(record)
        self.published += 1
        if self.sink is not None:
            self.sink(record)
        for subscriber in self._subscribers:
            try:
                subscriber(record)
            except Exception:  # a broken view must not break the engine
                pass
