"""Every customer managed key's policy in one account and Region, read through boto3.

ListKeys and ListAliases page with boto3's paginators; DescribeKey tells AWS managed
keys and keys waiting for deletion apart (skipped, with the reason); GetKeyPolicy reads
the ``default`` policy of the rest. Throttling is retried by botocore's standard retry
mode. A failure that stops the audit (no credentials, expired ones, an endpoint that
cannot be reached, a call that is denied) is an :class:`AccountError` that names the
call and says how to fix it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import botocore.exceptions  # type: ignore[import-untyped]

from kmstui.aws.account import Connection
from kmstui.aws.where import EXPIRED, AccountError, Where, renewal

__all__ = ["Account", "AccountError", "KeyPolicy", "SkippedKey", "Where", "client", "read"]

USER_AGENT = "kmstui-policy-audit"
DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
SKIPPED_STATES = {
    "PendingDeletion": "pending deletion",
    "PendingReplicaDeletion": "pending deletion (after its replicas)",
}

T = TypeVar("T")


@dataclass(frozen=True)
class KeyPolicy:
    key_id: str
    arn: str
    aliases: tuple[str, ...]
    policy: str


@dataclass(frozen=True)
class SkippedKey:
    key_id: str
    arn: str
    aliases: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Account:
    region: str
    keys: list[KeyPolicy]
    skipped: list[SkippedKey]


def _guarded(where: Where, call: str, action: Callable[[], T], *, absent: bool = False) -> T | None:
    """``action()``, with each way a call can fail turned into an AccountError (with
    ``absent``, None when the key is not found)."""
    try:
        return action()
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        if absent and code == "NotFoundException":
            return None
        if code in DENIED:
            raise AccountError(
                f"{call} was denied ({code}: {message}); the audit needs kms:ListKeys, "
                "kms:ListAliases, kms:DescribeKey and kms:GetKeyPolicy"
            ) from None
        if code in EXPIRED:
            raise AccountError(
                f"{call}: the credentials are expired or invalid ({code}: {message}); "
                f"{renewal(where)}"
            ) from None
        raise AccountError(f"{call} failed ({code}: {message})") from None
    except (
        botocore.exceptions.EndpointConnectionError,
        botocore.exceptions.ConnectTimeoutError,
        botocore.exceptions.ReadTimeoutError,
    ) as exc:
        target = where.endpoint_url or (f"KMS in {where.region}" if where.region else "KMS")
        raise AccountError(f"{call}: cannot reach {target}: {exc}") from None
    except (
        botocore.exceptions.NoCredentialsError,
        botocore.exceptions.TokenRetrievalError,
        botocore.exceptions.SSOTokenLoadError,
        botocore.exceptions.UnauthorizedSSOTokenError,
        botocore.exceptions.CredentialRetrievalError,
    ) as exc:
        raise AccountError(f"{call}: no usable credentials ({exc}); {renewal(where)}") from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AccountError(f"{call} failed: {exc}") from None


def client(where: Where) -> Any:
    """A KMS client for ``where``, made as the console makes its own (retrying
    throttled calls in the standard mode)."""
    connection = Connection(where, user_agent=USER_AGENT)
    return _guarded(where, "opening the KMS client", lambda: connection.client("kms"))


def _pages(kms: Any, where: Where, operation: str, key: str) -> Iterator[dict]:
    paging = {"PageSize": where.page_size} if where.page_size else {}
    pages = kms.get_paginator(operation).paginate(PaginationConfig=paging)
    name = "".join(part.capitalize() for part in operation.split("_"))
    for page in _guarded(where, name, lambda: list(pages)) or []:
        yield from page.get(key, [])


def read(where: Where) -> Account:
    """The policies of every customer managed key, and the keys skipped and why."""
    kms = client(where)
    aliases: dict[str, list[str]] = {}
    for alias in _pages(kms, where, "list_aliases", "Aliases"):
        if alias.get("TargetKeyId"):
            aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    keys: list[KeyPolicy] = []
    skipped: list[SkippedKey] = []
    for listed in _pages(kms, where, "list_keys", "Keys"):
        key_id, arn = listed["KeyId"], listed["KeyArn"]
        names = tuple(sorted(aliases.get(key_id, ())))
        described = _guarded(
            where, f"DescribeKey({key_id})", partial(kms.describe_key, KeyId=key_id), absent=True
        )
        reason: str | None = "deleted while the audit ran"
        if described is not None:
            reason = _skip_reason(described["KeyMetadata"])
        if reason is None:
            got = _guarded(
                where,
                f"GetKeyPolicy({key_id})",
                partial(kms.get_key_policy, KeyId=key_id, PolicyName="default"),
                absent=True,
            )
            if got is not None:
                keys.append(KeyPolicy(key_id, arn, names, got["Policy"]))
                continue
            reason = "deleted while the audit ran"
        skipped.append(SkippedKey(key_id, arn, names, reason))
    return Account(kms.meta.region_name, keys, skipped)


def _skip_reason(meta: dict) -> str | None:
    if meta.get("KeyManager") == "AWS":
        return "AWS managed key"
    state = str(meta.get("KeyState", ""))
    if state in SKIPPED_STATES:
        return f"{SKIPPED_STATES[state]} (KeyState {state})"
    return None
