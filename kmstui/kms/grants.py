"""Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant.

A grant lets its grantee perform the operations it names on one key, optionally only
with a given encryption context (EncryptionContextEquals / EncryptionContextSubset).
Grants only ever allow. A grant token lets the grantee use a grant at once; here
grants take effect immediately, so tokens are checked for form and for retiring.
``Name`` makes CreateGrant idempotent: the same key, name and parameters give the
same GrantId (with a new token)."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from kmstui import paging
from kmstui.caller import Caller
from kmstui.errors import (
    InvalidGrantTokenException,
    NotFoundException,
    ValidationException,
)
from kmstui.kms import validation
from kmstui.kms.records import GrantConstraints
from kmstui.kms.service import CallContext, KmsService, operation
from kmstui.model.grantops import CONTEXT_OPERATIONS, GRANT_OPERATIONS, grant_operations_for
from kmstui.model.keyspecs import key_kind

GRANT_NAME = re.compile(r"^[a-zA-Z0-9:/_-]+$")
_TOKEN_PREFIX = "AQpAM"


def grant_view(grant: dict) -> dict[str, Any]:
    """A grant as ListGrants returns it."""
    view = {
        k: grant[k]
        for k in (
            "KeyId",
            "GrantId",
            "Name",
            "CreationDate",
            "GranteePrincipal",
            "RetiringPrincipal",
            "IssuingAccount",
            "Operations",
            "Constraints",
        )
        if grant.get(k) is not None
    }
    view["KeyId"] = grant["KeyArn"]
    return view


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_grant_tokens(tokens: list[str]) -> None:
    for token in tokens:
        if not token.startswith(_TOKEN_PREFIX) or len(token) < 40:
            raise InvalidGrantTokenException("The grant token is not valid.")


def _constraints(params: dict) -> GrantConstraints | None:
    value = params.get("Constraints")
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {
        "EncryptionContextEquals",
        "EncryptionContextSubset",
    }:
        raise ValidationException(
            "Constraints may contain EncryptionContextEquals or EncryptionContextSubset."
        )
    out: GrantConstraints = {}
    if value.get("EncryptionContextEquals") is not None:
        out["EncryptionContextEquals"] = validation.string_map(value, "EncryptionContextEquals")
    if value.get("EncryptionContextSubset") is not None:
        out["EncryptionContextSubset"] = validation.string_map(value, "EncryptionContextSubset")
    if len(out) > 1:
        raise ValidationException(
            "A grant can have an EncryptionContextEquals or an "
            "EncryptionContextSubset constraint, not both."
        )
    return out or None


def _principal(params: dict, name: str, *, optional: bool = False) -> str | None:
    value = validation.string(params, name, optional=optional, max_len=256)
    if value is not None and not (
        value.startswith("arn:")
        or value.endswith(".amazonaws.com")
        or re.fullmatch(r"\d{12}(:.+)?", value)
    ):
        raise ValidationException(
            f"{name} {value!r} is not a valid principal: use an ARN or a service principal."
        )
    return value


def grants_for_key(service: KmsService, key_arn: str) -> list[dict]:
    """The key's grants in ListGrants shape, oldest first (the evaluator's input)."""
    return service.grants_by_key.get(key_arn, [])


@operation("CreateGrant")
def create_grant(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    grantee = _principal(params, "GranteePrincipal")
    retiring = _principal(params, "RetiringPrincipal", optional=True)
    validation.required(params, "Operations")
    operations = validation.string_list(params, "Operations")
    if not operations:
        raise validation.violation(
            "Operations", "[]", "Member must have length greater than or equal to 1"
        )
    for op in operations:
        if op not in GRANT_OPERATIONS:
            raise validation.violation(
                "Operations",
                op,
                f"Member must satisfy enum value set: [{', '.join(GRANT_OPERATIONS)}]",
            )
    allowed = grant_operations_for(key)
    unsupported = [op for op in operations if op not in allowed]
    if unsupported:
        raise ValidationException(
            f"Grant operations {', '.join(unsupported)} are not valid for "
            f"a {key_kind(key['KeySpec'], key['KeyUsage'])}."
        )
    constraints = _constraints(params)
    if constraints and key["KeySpec"] != "SYMMETRIC_DEFAULT":
        raise ValidationException(
            "Grant constraints are not supported for asymmetric or HMAC KMS keys: "
            "only symmetric encryption KMS keys take an encryption context."
        )
    if constraints and any(op not in CONTEXT_OPERATIONS for op in operations):
        raise ValidationException(
            "Grant constraints are allowed only when every grant "
            "operation accepts an encryption context."
        )
    name = validation.string(params, "Name", optional=True, max_len=256)
    if name is not None and not GRANT_NAME.match(name):
        raise validation.violation(
            "Name", name, "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
        )
    check_grant_tokens(validation.string_list(params, "GrantTokens", max_items=10))
    extra: dict[str, Any] = {
        "kms:GranteePrincipal": grantee,
        "kms:GrantOperations": operations,
        "kms:GrantIsForAWSResource": bool(caller.via_service),
    }
    if retiring:
        extra["kms:RetiringPrincipal"] = retiring
    if constraints:
        extra["kms:GrantConstraintType"] = next(iter(constraints))
    constraint_context = (  # a grant has one constraint at most
        constraints.get("EncryptionContextEquals", constraints.get("EncryptionContextSubset"))
        if constraints
        else None
    )
    service.authorize(ctx, caller, "kms:CreateGrant", key, constraint_context, extra)
    service.require_usable(key)
    if validation.boolean(params, "DryRun"):
        from kmstui.errors import DryRunOperationException

        raise DryRunOperationException(
            "The request would have succeeded, but the DryRun option is set."
        )
    token = _TOKEN_PREFIX + base64.urlsafe_b64encode(
        service.entropy.token_bytes(96)
    ).decode().rstrip("=")
    if name is not None:
        for existing in grants_for_key(service, key["Arn"]):
            if (
                existing.get("Name") == name
                and existing["GranteePrincipal"] == grantee
                and existing.get("RetiringPrincipal") == retiring
                and existing["Operations"] == operations
                and existing.get("Constraints") == constraints
            ):
                record = service.grant_records[existing["GrantId"]]
                service.save_grant(
                    {**record, "TokenDigests": [*record["TokenDigests"], token_digest(token)]}
                )
                return {"GrantToken": token, "GrantId": existing["GrantId"]}
    grant = {
        "GrantId": service.entropy.hex(32),
        "KeyId": key["KeyId"],
        "KeyArn": key["Arn"],
        "Name": name,
        "CreationDate": service.clock.now(),
        "GranteePrincipal": grantee,
        "RetiringPrincipal": retiring,
        "IssuingAccount": f"arn:aws:iam::{caller.account}:root",
        "Operations": operations,
        "Constraints": constraints,
        "TokenDigests": [token_digest(token)],
    }
    service.save_grant(grant)
    ctx.extra["grantId"] = grant["GrantId"]
    return {"GrantToken": token, "GrantId": grant["GrantId"]}


@operation("ListGrants")
def list_grants(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    grant_id = validation.string(params, "GrantId", optional=True, max_len=128)
    grantee = validation.string(params, "GranteePrincipal", optional=True, max_len=256)
    service.authorize(ctx, caller, "kms:ListGrants", key)
    grants = [
        g
        for g in grants_for_key(service, key["Arn"])
        if (grant_id is None or g["GrantId"] == grant_id)
        and (grantee is None or g["GranteePrincipal"] == grantee)
    ]
    chunk, tail = paging.kms_page(params, grants, _grant_order, default_limit=50, max_limit=100)
    return {"Grants": chunk, **tail}


@operation("ListRetirableGrants")
def list_retirable_grants(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    retiring = validation.string(params, "RetiringPrincipal", max_len=256)
    service.authorize(ctx, caller, "kms:ListRetirableGrants", None)
    grants = sorted(
        (
            grant_view(g)
            for g in service.grant_records.values()
            if g.get("RetiringPrincipal") == retiring
            and g["KeyArn"].split(":")[4] == caller.account
        ),
        key=_grant_order,
    )
    chunk, tail = paging.kms_page(params, grants, _grant_order, default_limit=50, max_limit=100)
    return {"Grants": chunk, **tail}


def _grant_order(grant: dict) -> tuple[float, str]:
    """How grants are listed: oldest first."""
    return (grant["CreationDate"], grant["GrantId"])


def _find(service: KmsService, params: dict, caller: Caller) -> dict:
    token = validation.string(params, "GrantToken", optional=True, max_len=8192)
    if token is not None:
        check_grant_tokens([token])
        digest = token_digest(token)
        grant = next(
            (g for g in service.grant_records.values() if digest in g["TokenDigests"]), None
        )
        if grant is None:
            raise InvalidGrantTokenException("The grant token is not valid.")
        return grant
    if params.get("KeyId") is None or params.get("GrantId") is None:
        raise ValidationException("RetireGrant needs a GrantToken, or a KeyId and a GrantId.")
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    grant_id = validation.string(params, "GrantId", max_len=128)
    grant = service.grant_records.get(grant_id)
    if grant is None or grant["KeyArn"] != key["Arn"]:
        raise NotFoundException(f"Grant ID {grant_id} not found")
    return grant


@operation("RetireGrant")
def retire_grant(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """The retiring principal, a grantee whose grant includes RetireGrant, or a
    principal the key policy allows kms:RetireGrant may retire a grant."""
    grant = _find(service, params, caller)
    key = service.key_by_arn(grant["KeyArn"])
    service.authorize(ctx, caller, "kms:RetireGrant", key, extra={"kms:GrantId": grant["GrantId"]})
    service.delete_grant(grant["GrantId"])
    ctx.extra["grantId"] = grant["GrantId"]
    return {}


@operation("RevokeGrant")
def revoke_grant(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key = service.resolve(params.get("KeyId"), caller, allow_alias=False)
    grant_id = validation.string(params, "GrantId", max_len=128)
    service.authorize(ctx, caller, "kms:RevokeGrant", key)
    grant = service.grant_records.get(grant_id)
    if grant is None or grant["KeyArn"] != key["Arn"]:
        raise NotFoundException(f"Grant ID {grant_id} not found")
    service.delete_grant(grant_id)
    ctx.extra["grantId"] = grant_id
    return {}


def remove_key_grants(service: KmsService, key: dict) -> None:
    for grant in list(grants_for_key(service, key["Arn"])):
        service.delete_grant(grant["GrantId"])
