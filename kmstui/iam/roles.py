"""IAM roles: CreateRole, GetRole, DeleteRole, ListRoles, and how the other
operations find a role by name.

Each handler checks its members, authorizes the caller for ``iam:<Operation>`` on the
role's ARN, then acts; writes happen inside a store transaction.
"""

from __future__ import annotations

from kmstui import paging
from kmstui.caller import Caller
from kmstui.errors import AwsError, iam_error
from kmstui.iam import names
from kmstui.iam.documents import check_policy, policy_document, policy_size
from kmstui.iam.service import CallContext, IamService, operation, role_shape, sorted_roles

TRUST_POLICY_QUOTA = 2048
ROLE_SESSION_MIN, ROLE_SESSION_MAX = 3600, 43200


def no_such_role(name: str) -> AwsError:
    return iam_error("NoSuchEntity", f"The role with name {name} cannot be found.", 404)


def role_resource(svc: IamService, account: str, name: str, path: str = "/") -> str:
    role = svc.role(account, name)
    return role["Arn"] if role is not None else names.role_arn(account, path, name)


def require_role(svc: IamService, account: str, name: str) -> dict:
    role = svc.role(account, name)
    if role is None:
        raise no_such_role(name)
    return role


@operation("CreateRole")
def create_role(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    account = caller.account
    name = names.entity_name(params, "RoleName")
    path = names.path(params)
    trust = policy_document(params, "AssumeRolePolicyDocument")
    description = names.string(params, "Description", optional=True, min_len=0, max_len=1000)
    duration = (
        names.integer(params, "MaxSessionDuration", low=ROLE_SESSION_MIN, high=ROLE_SESSION_MAX)
        or ROLE_SESSION_MIN
    )
    tags = names.tags(params)
    assert name is not None
    svc.authorize(ctx, caller, "CreateRole", names.role_arn(account, path, name))
    if svc.role(account, name) is not None:
        raise iam_error("EntityAlreadyExists", f"Role with name {name} already exists.", 409)
    check_policy(trust, trust=True, svc=svc)
    if policy_size(trust) > TRUST_POLICY_QUOTA:
        raise iam_error(
            "LimitExceeded", f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_QUOTA}", 409
        )
    record = {
        "Account": account,
        "RoleName": name,
        "Path": path,
        "RoleId": svc.new_id(names.ROLE_ID_PREFIX, 17, svc.id_taken),
        "Arn": names.role_arn(account, path, name),
        "CreateDate": svc.clock.now(),
        "AssumeRolePolicyDocument": trust,
        "Description": description or "",
        "MaxSessionDuration": duration,
        "Tags": tags,
        "Policies": {},
    }
    with svc.store.transaction():
        svc.save_role(record)
    shape = role_shape(record)
    if tags:
        shape["Tags"] = tags
    return {"Role": shape}


@operation("GetRole")
def get_role(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    account = caller.account
    name = names.entity_name(params, "RoleName")
    assert name is not None
    svc.authorize(ctx, caller, "GetRole", role_resource(svc, account, name))
    return {"Role": role_shape(require_role(svc, account, name), detail=True)}


@operation("DeleteRole")
def delete_role(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    account = caller.account
    name = names.entity_name(params, "RoleName")
    assert name is not None
    svc.authorize(ctx, caller, "DeleteRole", role_resource(svc, account, name))
    role = require_role(svc, account, name)
    if role["Policies"]:
        raise iam_error("DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
    with svc.store.transaction():
        svc.remove_role(role)
    return {}


@operation("ListRoles")
def list_roles(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    account = caller.account
    prefix = names.path_prefix(params)
    svc.authorize(ctx, caller, "ListRoles", f"arn:aws:iam::{account}:role/")
    roles = sorted_roles(svc, account, prefix)
    chunk, tail = paging.iam_page(params, roles, lambda r: r["RoleName"].lower())
    return {"Roles": [role_shape(r) for r in chunk], **tail}
