"""The IAM operations: users, roles, inline policies and access keys.

Each handler checks its members, authorizes the caller for ``iam:<Operation>`` on the
entity's ARN, then acts. Writes happen inside a store transaction so a failure leaves
nothing half done.
"""

from __future__ import annotations

from kmstui.caller import Caller
from kmstui.errors import AwsError, iam_error
from kmstui.iam import names, paging
from kmstui.iam.service import (
    CallContext,
    IamService,
    operation,
    role_shape,
    secret_purpose,
    sorted_roles,
    sorted_users,
    user_shape,
)
from kmstui.policy import IDENTITY_POLICY, KEY_POLICY, validate_policy

MAX_ACCESS_KEYS = 2
USER_POLICY_QUOTA = 2048  # characters of all a user's inline policies, whitespace aside
ROLE_POLICY_QUOTA = 10240
TRUST_POLICY_QUOTA = 2048
POLICY_DOCUMENT_MAX = 131072
ROLE_SESSION_MIN, ROLE_SESSION_MAX = 3600, 43200

# Findings IAM rejects in addition to the validator's errors.
_IDENTITY_REJECTS = frozenset({"MISSING_ACTION", "MISSING_RESOURCE"})
_TRUST_REJECTS = frozenset({"MISSING_ACTION"})


# -- shared checks ------------------------------------------------------------------------
def no_such_user(name: str) -> AwsError:
    return iam_error("NoSuchEntity", f"The user with name {name} cannot be found.", 404)


def no_such_role(name: str) -> AwsError:
    return iam_error("NoSuchEntity", f"The role with name {name} cannot be found.", 404)


def no_such_key(access_key_id: str) -> AwsError:
    return iam_error(
        "NoSuchEntity", f"The Access Key with id {access_key_id} cannot be found.", 404
    )


def user_resource(svc: IamService, account: str, name: str | None, path: str = "/") -> str:
    """The ARN a user operation is authorized on (the root's, for its own keys)."""
    if name is None:
        return names.root_arn(account)
    user = svc.user(account, name)
    return user["Arn"] if user is not None else names.user_arn(account, path, name)


def role_resource(svc: IamService, account: str, name: str, path: str = "/") -> str:
    role = svc.role(account, name)
    return role["Arn"] if role is not None else names.role_arn(account, path, name)


def require_user(svc: IamService, account: str, name: str) -> dict:
    user = svc.user(account, name)
    if user is None:
        raise no_such_user(name)
    return user


def require_role(svc: IamService, account: str, name: str) -> dict:
    role = svc.role(account, name)
    if role is None:
        raise no_such_role(name)
    return role


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


def check_policy(text: str, *, trust: bool = False, svc: IamService | None = None) -> None:
    """Raise MalformedPolicyDocument for the first error, with where it is."""
    if trust:
        findings = validate_policy(
            text, policy_type=KEY_POLICY, principal_exists=svc.principal_exists if svc else None
        )
        rejects = _TRUST_REJECTS
    else:
        findings = validate_policy(text, policy_type=IDENTITY_POLICY)
        rejects = _IDENTITY_REJECTS
    for finding in findings:
        if finding.severity == "ERROR" or finding.code in rejects:
            start = finding.span.start
            raise iam_error(
                "MalformedPolicyDocument",
                f"{finding.message} (line {start.line}, column {start.column})",
                400,
            )


def policy_size(text: str) -> int:
    """Characters IAM counts against inline-policy quotas (whitespace is free)."""
    return sum(1 for ch in text if not ch.isspace())


def policy_document(params: dict, member: str = "PolicyDocument") -> str:
    text = names.string(params, member, max_len=POLICY_DOCUMENT_MAX)
    assert text is not None
    return text


# -- users --------------------------------------------------------------------------------
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
    chunk, tail = paging.page(params, users, lambda u: u["UserName"].lower())
    return {"Users": [user_shape(u) for u in chunk], **tail}


# -- roles --------------------------------------------------------------------------------
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
    chunk, tail = paging.page(params, roles, lambda r: r["RoleName"].lower())
    return {"Roles": [role_shape(r) for r in chunk], **tail}


# -- inline policies ----------------------------------------------------------------------
_ENTITIES = {
    # kind: (the member naming the entity, what IAM's messages call it, size quota)
    "User": ("UserName", "user", USER_POLICY_QUOTA),
    "Role": ("RoleName", "role", ROLE_POLICY_QUOTA),
}


def _entity(
    svc: IamService, kind: str, params: dict, caller: Caller, ctx: CallContext, action: str
) -> tuple[str, dict]:
    member, _word, _quota = _ENTITIES[kind]
    name = names.entity_name(params, member, max_len=128 if kind == "User" else 64)
    assert name is not None
    account = caller.account
    if kind == "User":
        svc.authorize(ctx, caller, action, user_resource(svc, account, name))
        return name, require_user(svc, account, name)
    svc.authorize(ctx, caller, action, role_resource(svc, account, name))
    return name, require_role(svc, account, name)


def _save(svc: IamService, kind: str, record: dict) -> None:
    with svc.store.transaction():
        (svc.save_user if kind == "User" else svc.save_role)(record)


def _put_policy(kind: str):
    def handler(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
        policy_name = names.entity_name(params, "PolicyName", max_len=128)
        document = policy_document(params)
        assert policy_name is not None
        _name, record = _entity(svc, kind, params, caller, ctx, f"Put{kind}Policy")
        check_policy(document)
        member, word, quota = _ENTITIES[kind]
        policies = dict(record["Policies"])
        policies[policy_name] = document
        if sum(policy_size(text) for text in policies.values()) > quota:
            raise iam_error(
                "LimitExceeded",
                f"Maximum policy size of {quota} bytes exceeded for {word} {record[member]}",
                409,
            )
        _save(svc, kind, {**record, "Policies": policies})
        return {}

    return handler


def _get_policy(kind: str):
    def handler(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
        policy_name = names.entity_name(params, "PolicyName", max_len=128)
        assert policy_name is not None
        _name, record = _entity(svc, kind, params, caller, ctx, f"Get{kind}Policy")
        member, word, _quota = _ENTITIES[kind]
        document = record["Policies"].get(policy_name)
        if document is None:
            raise iam_error(
                "NoSuchEntity", f"The {word} policy with name {policy_name} cannot be found.", 404
            )
        return {member: record[member], "PolicyName": policy_name, "PolicyDocument": document}

    return handler


def _delete_policy(kind: str):
    def handler(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
        policy_name = names.entity_name(params, "PolicyName", max_len=128)
        assert policy_name is not None
        _name, record = _entity(svc, kind, params, caller, ctx, f"Delete{kind}Policy")
        _member, word, _quota = _ENTITIES[kind]
        if policy_name not in record["Policies"]:
            raise iam_error(
                "NoSuchEntity", f"The {word} policy with name {policy_name} cannot be found.", 404
            )
        policies = {k: v for k, v in record["Policies"].items() if k != policy_name}
        _save(svc, kind, {**record, "Policies": policies})
        return {}

    return handler


def _list_policies(kind: str):
    def handler(svc: IamService, params: dict, caller: Caller, ctx: CallContext) -> dict:
        _name, record = _entity(svc, kind, params, caller, ctx, f"List{kind}Policies")
        chunk, tail = paging.page(params, sorted(record["Policies"]), lambda n: n)
        return {"PolicyNames": chunk, **tail}

    return handler


for _kind in _ENTITIES:
    operation(f"Put{_kind}Policy")(_put_policy(_kind))
    operation(f"Get{_kind}Policy")(_get_policy(_kind))
    operation(f"Delete{_kind}Policy")(_delete_policy(_kind))
    operation(f"List{_kind}Policies")(_list_policies(_kind))


# -- access keys --------------------------------------------------------------------------
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
    chunk, tail = paging.page(params, keys, lambda k: f"{k['CreateDate']:020.6f}{k['AccessKeyId']}")
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
