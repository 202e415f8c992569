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
_CAMEL: dict[str, str] = {}
_BLOBS = (bytes, bytearray, memoryview)


def _camel(name: str) -> str:
    camel = _CAMEL.get(name)
    if camel is None:
        camel = _CAMEL[name] = name[:1].lower() + name[1:]
    return camel


# How scrub() treats each member name it has seen: None (a secret: dropped) or
# (camelCase name, whether the member is a map). Bounded: names come from requests.
_PLANS: dict[str, tuple[str, bool] | None] = {}
_PLANS_MAX = 4096


def _plan(name: Any, item: Any) -> tuple[str, bool] | None:
    if name in SECRET_MEMBERS:
        plan = None
    elif not isinstance(name, str) and isinstance(item, _BLOBS):
        return None  # dropped for its value; the name stays unplanned
    else:
        plan = (_camel(name), name in MAP_MEMBERS)
    if len(_PLANS) < _PLANS_MAX:
        _PLANS[name] = plan
    return plan


_UNPLANNED = object()


def scrub(value: Any) -> Any:
    """A copy of ``value`` without secret members, member names in CloudTrail's
    camelCase (map keys untouched)."""
    if isinstance(value, dict):
        out = {}
        plans = _PLANS
        for name, item in value.items():
            plan = plans.get(name, _UNPLANNED)
            if plan is _UNPLANNED:
                plan = _plan(name, item)
            if plan is None:
                continue
            cls = item.__class__
            if cls is str:
                out[plan[0]] = item
            elif cls is dict and plan[1]:
                out[plan[0]] = dict(item)
            elif cls is int or cls is bool or item is None:
                out[plan[0]] = item
            elif isinstance(item, _BLOBS):
                continue
            elif plan[1] and isinstance(item, dict):
                out[plan[0]] = dict(item)
            elif isinstance(item, (dict, list)):
                out[plan[0]] = scrub(item)
            else:
                out[plan[0]] = item
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
    return make_record(
        service,
        operation,
        caller,
        event_time,
        event_id,
        request,
        response,
        error,
        resources,
        decision,
        extra,
    )


def make_record(
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
) -> dict[str, Any]:
    """:func:`build_record` with positional arguments (the engine's per-call path)."""
    template = _TEMPLATES.get((service, operation, caller))
    if template is None:
        template = _template(service, operation, caller)
    record = template.copy()
    record["eventTime"] = iso8601(event_time)
    if request:
        record["requestParameters"] = scrub(request)
    # CloudTrail leaves out what read-only calls return.
    if response and not template["readOnly"]:
        record["responseElements"] = scrub(response)
    record["requestID"] = record["eventID"] = event_id
    record["resources"] = list(map(_resource, resources)) if resources else []
    record["epoch"] = event_time
    if error:
        record["errorCode"], record["errorMessage"] = error
    if decision:
        record["decision"] = decision
    if extra:
        record.update(extra)
    return record


# The parts of a record that depend only on the service, the operation and the caller,
# in the record's member order; build_record copies one and fills in the rest.
_TEMPLATES: dict[tuple[str, str, Caller], dict[str, Any]] = {}
_TEMPLATES_MAX = 4096


def _template(service: str, operation: str, caller: Caller) -> dict[str, Any]:
    template: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": user_identity(caller),
        "eventTime": None,
        "eventSource": EVENT_SOURCES.get(service, f"{service}.amazonaws.com"),
        "eventName": operation,
        "awsRegion": caller.region,
        "sourceIPAddress": caller.via_service or caller.source_ip,
        "userAgent": caller.via_service or caller.user_agent,
        "requestParameters": None,
        "responseElements": None,
        "requestID": None,
        "eventID": None,
        "readOnly": operation.startswith(READ_ONLY_PREFIXES)
        or (service == "kms" and operation in READ_ONLY_KMS_OPERATIONS),
        "resources": None,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": caller.account,
        "eventCategory": "Management",
        "epoch": None,
    }
    if len(_TEMPLATES) >= _TEMPLATES_MAX:
        _TEMPLATES.clear()
    _TEMPLATES[(service, operation, caller)] = template
    return template


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
