"""Tags on keys: TagResource, UntagResource, ListResourceTags.

Rules as AWS has them: TagKey 1–128 characters, TagValue 0–256, keys beginning with
``aws:`` are reserved, at most 50 tags per key. A request's list with a key twice, or
with more than 50 tags, is a TagException; a length violation names the member's path
(``tags.2.member.tagKey``)."""

from __future__ import annotations

from kmstui import paging
from kmstui.caller import Caller
from kmstui.errors import LimitExceededException, SerializationException, TagException
from kmstui.kms import validation
from kmstui.kms.records import Tag
from kmstui.kms.service import CallContext, KmsService, operation

MAX_TAGS = 50


def validate_tags(tags: object) -> list[Tag]:
    if tags is None:
        return []
    if not isinstance(tags, list):
        raise SerializationException("Unexpected value type for Tags: expected a list")
    if not all(isinstance(tag, dict) for tag in tags):
        raise SerializationException("Unexpected value type for Tags: expected tag objects")
    keys = [tag["TagKey"] for tag in tags if isinstance(tag.get("TagKey"), str)]
    if len(set(keys)) < len(keys):
        raise TagException("Duplicate tag keys")
    if len(tags) > MAX_TAGS:
        raise TagException("Too many tags")
    out: list[Tag] = []
    for position, tag in enumerate(tags, start=1):
        at = f"tags.{position}.member"
        key = validation.string(tag, "TagKey", max_len=128, at=f"{at}.tagKey")
        value = validation.string(tag, "TagValue", min_len=0, max_len=256, at=f"{at}.tagValue")
        if key.lower().startswith("aws:"):
            raise TagException("Tags beginning with aws: are reserved and cannot be set by users")
        out.append({"TagKey": key, "TagValue": value})
    return out


def merge_tags(existing: list[Tag], new: list[Tag]) -> list[Tag]:
    merged = {t["TagKey"]: t["TagValue"] for t in existing}
    for tag in new:
        merged[tag["TagKey"]] = tag["TagValue"]
    if len(merged) > MAX_TAGS:
        raise LimitExceededException(
            f"A KMS key can have at most {MAX_TAGS} tags; this request would leave {len(merged)}."
        )
    return [{"TagKey": k, "TagValue": v} for k, v in merged.items()]


@operation("TagResource")
def tag_resource(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    validation.required(params, "Tags")
    tags = validate_tags(params.get("Tags"))
    service.authorize(
        ctx,
        caller,
        "kms:TagResource",
        key,
        extra={
            "aws:TagKeys": [t["TagKey"] for t in tags],
            **{f"aws:RequestTag/{t['TagKey']}": t["TagValue"] for t in tags},
        },
    )
    service.require_same_account(key, caller, "TagResource")
    service.require_customer_managed(key, "TagResource")
    service.require_not_pending_deletion(key)
    service.save_key({**key, "Tags": merge_tags(key.get("Tags", []), tags)})
    return {}


@operation("UntagResource")
def untag_resource(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    validation.required(params, "TagKeys")
    names = validation.string_list(params, "TagKeys")
    service.authorize(ctx, caller, "kms:UntagResource", key, extra={"aws:TagKeys": names})
    service.require_same_account(key, caller, "UntagResource")
    service.require_customer_managed(key, "UntagResource")
    service.require_not_pending_deletion(key)
    remaining = [t for t in key.get("Tags", []) if t["TagKey"] not in set(names)]
    service.save_key({**key, "Tags": remaining})
    return {}


@operation("ListResourceTags")
def list_resource_tags(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    service.authorize(ctx, caller, "kms:ListResourceTags", key)
    service.require_same_account(key, caller, "ListResourceTags")
    chunk, tail = paging.kms_page(
        params, key.get("Tags", []), lambda t: t["TagKey"], default_limit=50, max_limit=50
    )
    return {"Tags": chunk, **tail}
