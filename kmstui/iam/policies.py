"""Inline (identity) policies of users and roles: PutUserPolicy, GetUserPolicy,
DeleteUserPolicy, ListUserPolicies, and the same four for roles (PutRolePolicy ...);
and their attached managed policies (ListAttachedUserPolicies,
ListAttachedRolePolicies), of which the account has none: no operation that makes or
attaches one is served, so each answers an empty list, once the user or role is found
and the caller may ask.

A user's and a role's inline policies follow the same rules with their own member
(``UserName``, ``RoleName``), words in IAM's messages and size quota: each operation
is one small handler over the shared steps below.
"""

from __future__ import annotations

from dataclasses import dataclass

from kmstui import paging
from kmstui.caller import Caller
from kmstui.errors import iam_error
from kmstui.iam import names
from kmstui.iam.documents import check_policy, policy_document, policy_size
from kmstui.iam.roles import require_role, role_resource
from kmstui.iam.service import CallContext, IamService, operation
from kmstui.iam.users import require_user, user_resource


@dataclass(frozen=True)
class _Holder:
    """Who holds inline policies: a user or a role."""

    member: str  # the request member naming it
    word: str  # what IAM's messages call it
    quota: int  # characters of all its inline policies, whitespace aside
    max_name: int


USER = _Holder("UserName", "user", 2048, 128)
ROLE = _Holder("RoleName", "role", 10240, 64)


def _holder_record(
    svc: IamService, holder: _Holder, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    """The user or role the request names, once the caller is authorized on it."""
    name = names.entity_name(params, holder.member, max_len=holder.max_name)
    assert name is not None
    account = caller.account
    if holder is USER:
        svc.authorize(ctx, caller, ctx.operation, user_resource(svc, account, name))
        return require_user(svc, account, name)
    svc.authorize(ctx, caller, ctx.operation, role_resource(svc, account, name))
    return require_role(svc, account, name)


def _save(svc: IamService, holder: _Holder, record: dict) -> None:
    with svc.store.transaction():
        (svc.save_user if holder is USER else svc.save_role)(record)


def _policy_name(params: dict) -> str:
    policy_name = names.entity_name(params, "PolicyName", max_len=128)
    assert policy_name is not None
    return policy_name


def _put(svc: IamService, holder: _Holder, params: dict, caller: Caller, ctx: CallContext) -> dict:
    policy_name = _policy_name(params)
    document = policy_document(params)
    record = _holder_record(svc, holder, params, caller, ctx)
    check_policy(document)
    policies = {**record["Policies"], policy_name: document}
    if sum(policy_size(text) for text in policies.values()) > holder.quota:
        raise iam_error(
            "LimitExceeded",
            f"Maximum policy size of {holder.quota} bytes exceeded for {holder.word} "
            f"{record[holder.member]}",
            409,
        )
    _save(svc, holder, {**record, "Policies": policies})
    return {}


def _get(svc: IamService, holder: _Holder, params: dict, caller: Caller, ctx: CallContext) -> dict:
    policy_name = _policy_name(params)
    record = _holder_record(svc, holder, params, caller, ctx)
    document = record["Policies"].get(policy_name)
    if document is None:
        raise _no_such_policy(holder, policy_name)
    return {
        holder.member: record[holder.member],
        "PolicyName": policy_name,
        "PolicyDocument": document,
    }


def _delete(
    svc: IamService, holder: _Holder, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    policy_name = _policy_name(params)
    record = _holder_record(svc, holder, params, caller, ctx)
    if policy_name not in record["Policies"]:
        raise _no_such_policy(holder, policy_name)
    policies = {k: v for k, v in record["Policies"].items() if k != policy_name}
    _save(svc, holder, {**record, "Policies": policies})
    return {}


def _list(svc: IamService, holder: _Holder, params: dict, caller: Caller, ctx: CallContext) -> dict:
    record = _holder_record(svc, holder, params, caller, ctx)
    chunk, tail = paging.iam_page(params, sorted(record["Policies"]), lambda n: n)
    return {"PolicyNames": chunk, **tail}


def _no_such_policy(holder: _Holder, policy_name: str):
    return iam_error(
        "NoSuchEntity", f"The {holder.word} policy with name {policy_name} cannot be found.", 404
    )


# -- users ---------------------------------------------------------------------------------
@operation("PutUserPolicy")
def put_user_policy(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return _put(svc, USER, params, caller, ctx)


@operation("GetUserPolicy")
def get_user_policy(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return _get(svc, USER, params, caller, ctx)


@operation("DeleteUserPolicy")
def delete_user_policy(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return _delete(svc, USER, params, caller, ctx)


@operation("ListUserPolicies")
def list_user_policies(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return _list(svc, USER, params, caller, ctx)


# -- roles ---------------------------------------------------------------------------------
@operation("PutRolePolicy")
def put_role_policy(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return _put(svc, ROLE, params, caller, ctx)


@operation("GetRolePolicy")
def get_role_policy(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return _get(svc, ROLE, params, caller, ctx)


@operation("DeleteRolePolicy")
def delete_role_policy(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return _delete(svc, ROLE, params, caller, ctx)


@operation("ListRolePolicies")
def list_role_policies(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    return _list(svc, ROLE, params, caller, ctx)


# -- attached managed policies ------------------------------------------------------------
def _attached(
    svc: IamService, holder: _Holder, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    _holder_record(svc, holder, params, caller, ctx)
    names.string(params, "PathPrefix", optional=True, max_len=512)
    chunk, tail = paging.iam_page(params, list[dict](), lambda attached: attached["PolicyArn"])
    return {"AttachedPolicies": chunk, **tail}


@operation("ListAttachedUserPolicies")
def list_attached_user_policies(
    svc: IamService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    return _attached(svc, USER, params, caller, ctx)


@operation("ListAttachedRolePolicies")
def list_attached_role_policies(
    svc: IamService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    return _attached(svc, ROLE, params, caller, ctx)
