"""Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases.

An alias is ``alias/`` plus 1–250 characters of ``[a-zA-Z0-9:/_-]``; ``alias/aws/``
names are reserved for AWS managed keys. An alias belongs to one account and Region
and points at one customer managed key."""

from __future__ import annotations

from kmstui import paging
from kmstui.caller import Caller
from kmstui.errors import (
    AlreadyExistsException,
    InvalidAliasNameException,
    NotFoundException,
    ValidationException,
)
from kmstui.kms import validation
from kmstui.kms.arns import ALIAS_NAME, alias_arn
from kmstui.kms.policies import PREDEFINED_AWS_ALIASES
from kmstui.kms.service import CallContext, KmsService, operation


def check_alias_name(name: str, *, reserved_ok: bool = False) -> None:
    if not name.startswith("alias/"):
        raise ValidationException(
            'Alias must start with the prefix "alias/". Please see '
            "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
        )
    if not ALIAS_NAME.match(name):
        raise validation.violation(
            "AliasName", name, "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
        )
    if name.startswith("alias/aws/") and not reserved_ok:
        raise InvalidAliasNameException(
            f"Alias {name} cannot begin with alias/aws/. "
            "Those aliases are reserved for AWS managed keys."
        )


def _target(service: KmsService, params: dict, caller: Caller) -> dict:
    key = service.resolve(
        params.get("TargetKeyId"), caller, member="TargetKeyId", allow_alias=False
    )
    if key["AWSAccountId"] != caller.account or key["Region"] != caller.region:
        raise NotFoundException(f"Key '{key['Arn']}' does not exist")
    if key.get("KeyManager") == "AWS":
        raise InvalidAliasNameException("An alias can only point at a customer managed key.")
    return key


@operation("CreateAlias")
def create_alias(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    name = validation.string(params, "AliasName", max_len=256)
    check_alias_name(name)
    key = _target(service, params, caller)
    arn = alias_arn(caller.region, caller.account, name)
    service.authorize(ctx, caller, "kms:CreateAlias", key)
    ctx.resources.append(arn)
    service.require_not_pending_deletion(key)
    if (caller.account, caller.region, name) in service._aliases:
        raise AlreadyExistsException(f"An alias with the name {arn} already exists")
    now = service.clock.now()
    service.save_alias(
        {
            "AccountId": caller.account,
            "Region": caller.region,
            "AliasName": name,
            "AliasArn": arn,
            "TargetKeyId": key["KeyId"],
            "CreationDate": now,
            "LastUpdatedDate": now,
        }
    )
    return {}


@operation("UpdateAlias")
def update_alias(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    name = validation.string(params, "AliasName", max_len=256)
    check_alias_name(name)
    key = _target(service, params, caller)
    alias = service._aliases.get((caller.account, caller.region, name))
    arn = alias_arn(caller.region, caller.account, name)
    if alias is None:
        raise NotFoundException(f"Alias {arn} is not found.")
    old_key = service.key_in(caller.account, caller.region, alias["TargetKeyId"])
    if old_key is not None:
        service.authorize(ctx, caller, "kms:UpdateAlias", old_key)
    service.authorize(ctx, caller, "kms:UpdateAlias", key)
    service.require_not_pending_deletion(key)
    service.save_alias(
        {**alias, "TargetKeyId": key["KeyId"], "LastUpdatedDate": service.clock.now()}
    )
    return {}


@operation("DeleteAlias")
def delete_alias(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    name = validation.string(params, "AliasName", max_len=256)
    check_alias_name(name)
    alias = service._aliases.get((caller.account, caller.region, name))
    if alias is None:
        raise NotFoundException(
            f"Alias {alias_arn(caller.region, caller.account, name)} is not found."
        )
    key = service.key_in(caller.account, caller.region, alias["TargetKeyId"])
    service.authorize(ctx, caller, "kms:DeleteAlias", key)
    service.delete_alias_record(alias)
    return {}


@operation("ListAliases")
def list_aliases(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """ListAliases, optionally for one key. AWS's predefined aliases appear even
    before their managed key exists (without a TargetKeyId)."""
    key_filter = params.get("KeyId")
    if key_filter is not None:
        key = service.resolve(key_filter, caller, allow_alias=False)
        service.authorize(ctx, caller, "kms:ListAliases", None)
        aliases = [_view(a) for a in service.aliases_of_key(key)]
    else:
        service.authorize(ctx, caller, "kms:ListAliases", None)
        existing = {
            a["AliasName"]: _view(a) for a in service.aliases_in(caller.account, caller.region)
        }
        for name in PREDEFINED_AWS_ALIASES:
            existing.setdefault(
                name,
                {"AliasName": name, "AliasArn": alias_arn(caller.region, caller.account, name)},
            )
        aliases = [existing[name] for name in sorted(existing)]
    chunk, tail = paging.kms_page(
        params, aliases, lambda a: a["AliasName"], default_limit=50, max_limit=100
    )
    return {"Aliases": chunk, **tail}


def _view(alias: dict) -> dict:
    return {
        k: alias[k]
        for k in ("AliasName", "AliasArn", "TargetKeyId", "CreationDate", "LastUpdatedDate")
        if k in alias
    }
