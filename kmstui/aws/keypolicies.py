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

import boto3  # type: ignore[import-untyped]
import botocore.exceptions  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]

USER_AGENT = "kmstui-policy-audit"
EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId"}
DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
SKIPPED_STATES = {
    "PendingDeletion": "pending deletion",
    "PendingReplicaDeletion": "pending deletion (after its replicas)",
}

T = TypeVar("T")


class AccountError(Exception):
    """Why the account could not be read, with what to do about it."""


@dataclass(frozen=True)
class Where:
    """Which account to read: AWS itself (``endpoint_url`` None) or an endpoint."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    # Signs requests to an endpoint when boto3 finds no credentials of its own.
    fallback_credentials: tuple[str, str] | None = None
    page_size: int | None = None


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


def renewal(where: Where) -> str:
    if where.endpoint_url:
        return "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the endpoint"
    if where.profile:
        return f"run `aws sso login --profile {where.profile}` or renew the profile's keys"
    return "run `aws sso login` (or `aws configure`) and try again"


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
    except botocore.exceptions.ProfileNotFound:
        raise AccountError(
            f"the profile {where.profile!r} is not in the AWS config files; "
            "`aws configure list-profiles` lists them"
        ) from None
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
    """A KMS client for ``where``, retrying throttled calls in the standard mode."""

    def make() -> Any:
        session = boto3.Session(profile_name=where.profile)
        region = where.region or session.region_name
        if not region:
            raise AccountError("no Region: give --region or set one in the AWS profile")
        options: dict[str, Any] = {}
        if where.endpoint_url:
            options["endpoint_url"] = where.endpoint_url
            if session.get_credentials() is None and where.fallback_credentials:
                access, secret = where.fallback_credentials
                options.update(aws_access_key_id=access, aws_secret_access_key=secret)
        config = Config(retries={"mode": "standard"}, user_agent_extra=USER_AGENT)
        return session.client("kms", region_name=region, config=config, **options)

    return _guarded(where, "opening the KMS client", make)


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
