"""GetKeyLastUsage: the last successful cryptographic use of a key.

The service hears of every successful call with its event's id (the dispatcher's
``succeeded`` hook) and keeps, per key ARN, the operation, its time and the id of its
event (which is also its request id). The record lives in memory: tracking starts
when the engine opens, so ``TrackingStartDate`` is the later of that time and the
key's creation, and a key not used since answers an empty ``KeyLastUsage``, as AWS
answers for use before its tracking began. The related keys of a multi-Region key
track their use each on their own.
"""

from __future__ import annotations

from typing import Any

from kmstui.caller import Caller
from kmstui.kms.service import CallContext, KmsService, operation


@operation("GetKeyLastUsage")
def get_key_last_usage(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    service.authorize(ctx, caller, "kms:GetKeyLastUsage", key)
    service.require_same_account(key, caller, "GetKeyLastUsage")
    last: dict[str, Any] = {}
    use = service.last_usage.get(key["Arn"])
    if use is not None:
        operation_name, when, event_id = use
        last = {
            "Operation": operation_name,
            "Timestamp": when,
            "CloudTrailEventId": event_id,
            "KmsRequestId": event_id,
        }
    return {
        "KeyId": key["KeyId"],
        "KeyLastUsage": last,
        "TrackingStartDate": max(service.tracking_since, key["CreationDate"]),
        "KeyCreationDate": key["CreationDate"],
    }
