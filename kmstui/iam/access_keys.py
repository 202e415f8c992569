"""IAM access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey.

A key belongs to a user, or to the account's root user when the request names no user
and the root calls. The secret is returned once, by CreateAccessKey, and stored only
wrapped by the root key.
"""

from __future__ import annotations

from kmstui import paging
from kmstui.caller import Caller
from kmstui.errors import AwsError, iam_error
from kmstui.iam import names
from kmstui.iam.service import CallContext, IamService, operation, secret_purpose
from kmstui.iam.users import require_user, target_user, user_resource

MAX_ACCESS_KEYS = 2


def no_such_key(access_key_id: str) -> AwsError:
    return iam_error(
        "NoSuchEntity", f"The Access Key with id {access_key_id} cannot be found.", 404
    )


def _key_owner(
    svc: IamService, params: dict, caller: Caller, ctx: CallContext, action: str
) -> str | None:
    """Authorize on the key's user and return the user's stored name (``None``: root)."""
    account = caller.account
    name = target_user(params, caller)
    svc.authorize(ctx, caller, action, user_resource(svc, account, name))
    if name is None:
        return None
    return require_user(svc, account, name)["UserName"]


def _key_metadata(record: dict) -> dict:
    out = {
        "AccessKeyId": record["AccessKeyId"],
        "Status": record["Status"],
        "CreateDate": record["CreateDate"],
    }
    if record["UserName"] is not None:
        out = {"UserName": record["UserName"], **out}
    return out


def _folded(name: str | None) -> str | None:
    return None if name is None else name.lower()


def _owned_key(
    svc: IamService, params: dict, caller: Caller, ctx: CallContext, action: str
) -> dict:
    access_key_id = names.access_key_id(params)
    owner = _key_owner(svc, params, caller, ctx, action)
    record = svc.access_key(access_key_id)
    if (
        record is None
        or record["Account"] != caller.account
        or _folded(record["UserName"]) != _folded(owner)
    ):
        raise no_such_key(access_key_id)
    return record


@operation("CreateAccessKey")
def create_access_key(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    owner = _key_owner(svc, params, caller, ctx, "CreateAccessKey")
    if len(svc.keys_of(caller.account, owner)) >= MAX_ACCESS_KEYS:
        raise iam_error(
            "LimitExceeded", f"Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS}", 409
        )
    access_key_id = svc.new_id(names.ACCESS_KEY_PREFIX, 16, svc.id_taken)
    secret = names.secret_access_key(svc.entropy)
    record = {
        "AccessKeyId": access_key_id,
        "Account": caller.account,
        "UserName": owner,
        "Status": "Active",
        "CreateDate": svc.clock.now(),
        "WrappedSecret": svc.store.root_key.wrap(
            secret.encode("ascii"), secret_purpose(access_key_id)
        ),
    }
    with svc.store.transaction():
        svc.save_key(record)
    metadata = _key_metadata(record)
    return {"AccessKey": {**metadata, "SecretAccessKey": secret}}


@operation("ListAccessKeys")
def list_access_keys(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    owner = _key_owner(svc, params, caller, ctx, "ListAccessKeys")
    keys = svc.keys_of(caller.account, owner)
    chunk, tail = paging.iam_page(params, keys, lambda k: (k["CreateDate"], k["AccessKeyId"]))
    return {"AccessKeyMetadata": [_key_metadata(k) for k in chunk], **tail}


@operation("UpdateAccessKey")
def update_access_key(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    status = names.status(params)
    record = _owned_key(svc, params, caller, ctx, "UpdateAccessKey")
    if record["Status"] != status:
        with svc.store.transaction():
            svc.save_key({**record, "Status": status})
    return {}


@operation("DeleteAccessKey")
def delete_access_key(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    record = _owned_key(svc, params, caller, ctx, "DeleteAccessKey")
    with svc.store.transaction():
        svc.remove_key(record)
    return {}
