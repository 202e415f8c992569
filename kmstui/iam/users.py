"""IAM users: CreateUser, GetUser, DeleteUser, ListUsers, ListGroupsForUser (the
account has no groups: no operation that makes one is served, so a user's are none),
and how the other operations name a user (``UserName``, or the calling user when it
is left out).

Each handler checks its members, authorizes the caller for ``iam:<Operation>`` on the
user's ARN, then acts; writes happen inside a store transaction so a failure leaves
nothing half done.
"""

from __future__ import annotations

from kmstui import paging
from kmstui.caller import Caller
from kmstui.errors import AwsError, iam_error
from kmstui.iam import names
from kmstui.iam.service import CallContext, IamService, operation, sorted_users, user_shape


def no_such_user(name: str) -> AwsError:
    return iam_error("NoSuchEntity", f"The user with name {name} cannot be found.", 404)


def user_resource(svc: IamService, account: str, name: str | None, path: str = "/") -> str:
    """The ARN a user operation is authorized on (the root's, for its own keys)."""
    if name is None:
        return names.root_arn(account)
    user = svc.user(account, name)
    return user["Arn"] if user is not None else names.user_arn(account, path, name)


def require_user(svc: IamService, account: str, name: str) -> dict:
    user = svc.user(account, name)
    if user is None:
        raise no_such_user(name)
    return user


def target_user(params: dict, caller: Caller) -> str | None:
    """``UserName``, or when it is left out the calling user (``None``: the root)."""
    name = names.entity_name(params, "UserName", max_len=128, optional=True)
    if name is not None:
        return name
    if caller.is_root:
        return None
    if caller.username is not None:
        return caller.username
    raise names.validation_error("Must specify userName when calling with non-User credentials")


@operation("CreateUser")
def create_user(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    account = caller.account
    name = names.entity_name(params, "UserName")
    path = names.path(params)
    tags = names.tags(params)
    assert name is not None
    svc.authorize(ctx, caller, "CreateUser", names.user_arn(account, path, name))
    if svc.user(account, name) is not None:
        raise iam_error("EntityAlreadyExists", f"User with name {name} already exists.", 409)
    record = {
        "Account": account,
        "UserName": name,
        "Path": path,
        "UserId": svc.new_id(names.USER_ID_PREFIX, 17, svc.id_taken),
        "Arn": names.user_arn(account, path, name),
        "CreateDate": svc.clock.now(),
        "Tags": tags,
        "Policies": {},
    }
    with svc.store.transaction():
        svc.save_user(record)
    return {"User": user_shape(record, tags=True)}


@operation("GetUser")
def get_user(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    account = caller.account
    name = target_user(params, caller)
    svc.authorize(ctx, caller, "GetUser", user_resource(svc, account, name))
    if name is None:
        return {"User": {"UserId": account, "Arn": names.root_arn(account), "Path": "/"}}
    return {"User": user_shape(require_user(svc, account, name), tags=True)}


@operation("DeleteUser")
def delete_user(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    account = caller.account
    name = names.entity_name(params, "UserName", max_len=128)
    assert name is not None
    svc.authorize(ctx, caller, "DeleteUser", user_resource(svc, account, name))
    user = require_user(svc, account, name)
    if user["Policies"]:
        raise iam_error("DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
    if svc.keys_of(account, user["UserName"]):
        raise iam_error(
            "DeleteConflict", "Cannot delete entity, must delete access keys first.", 409
        )
    with svc.store.transaction():
        svc.remove_user(user)
    return {}


@operation("ListUsers")
def list_users(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    account = caller.account
    prefix = names.path_prefix(params)
    svc.authorize(ctx, caller, "ListUsers", f"arn:aws:iam::{account}:user/")
    users = sorted_users(svc, account, prefix)
    chunk, tail = paging.iam_page(params, users, lambda u: u["UserName"].lower())
    return {"Users": [user_shape(u) for u in chunk], **tail}


@operation("ListGroupsForUser")
def list_groups_for_user(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    name = names.entity_name(params, "UserName", max_len=128)
    assert name is not None
    svc.authorize(ctx, caller, ctx.operation, user_resource(svc, caller.account, name))
    require_user(svc, caller.account, name)
    chunk, tail = paging.iam_page(params, list[dict](), lambda group: group["GroupName"])
    return {"Groups": chunk, **tail}
