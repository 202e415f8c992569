"""The IAM service: users, roles, their inline (identity) policies and access keys.

``IamService.call("CreateUser", {...}, caller)`` validates, authorizes, acts and returns
the members the IAM API returns (timestamps as epoch seconds, policy documents as
plain text); it raises :class:`kmstui.errors.AwsError` with IAM's error names. Every
call, successful or not, emits one CloudTrail-shaped event.

The rest of the engine asks this service who exists and what they may do:
:meth:`identity_policies` for the authorizer, :meth:`lookup_access_key` for the API
server's signature check, :meth:`principals` for the console's "acting as" switcher.
An in-memory index answers those without touching the database; it is rebuilt when a
store transaction rolls back.

Access-key secrets are stored only wrapped by the root key, and never reach an event.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tinydb import Query

from kmstui.caller import Caller
from kmstui.clock import iso8601
from kmstui.dispatch import CallContext, Operations, ServiceErrors
from kmstui.errors import iam_error
from kmstui.iam import names
from kmstui.policy import Request, compile_policy, evaluate
from kmstui.service import Collaborators, Service

OPERATIONS = Operations()
operation = OPERATIONS.operation
ERRORS = ServiceErrors(
    bad_request=lambda: names.validation_error("The request parameters must be an object"),
    internal=lambda exc: iam_error(
        "ServiceFailure", f"The request processing has failed ({type(exc).__name__}).", 500
    ),
)

USERS, ROLES, ACCESS_KEYS = "iam_users", "iam_roles", "iam_access_keys"


@dataclass(frozen=True)
class AccessKeyIdentity:
    """What a request signed with an access key is made as."""

    access_key_id: str
    secret: str = field(repr=False)
    user_arn: str
    account: str
    status: str

    @property
    def active(self) -> bool:
        return self.status == "Active"


def secret_purpose(access_key_id: str) -> str:
    return f"iam:access-key:{access_key_id}"


class IamService(Service):
    """IAM: users, roles, their inline policies and access keys, of every account."""

    name = "iam"
    operations = OPERATIONS
    errors = ERRORS

    def __init__(self, collaborators: Collaborators):
        super().__init__(collaborators)
        self._users: dict[tuple[str, str], dict] = {}
        self._roles: dict[tuple[str, str], dict] = {}
        self._keys: dict[str, dict] = {}
        self._secrets: dict[str, str] = {}
        self.reload()
        self.store.on_rollback(self.reload)

    @staticmethod
    def public(value: Any) -> Any:
        """A copy without secret access keys (the event scrubber drops them too)."""
        if isinstance(value, dict):
            return {k: IamService.public(v) for k, v in value.items() if k != "SecretAccessKey"}
        if isinstance(value, list):
            return [IamService.public(v) for v in value]
        return value

    # -- state ------------------------------------------------------------------------
    def reload(self) -> None:
        users = {
            (d["Account"], d["UserName"].lower()): copy.deepcopy(dict(d))
            for d in self.store.table(USERS).all()
        }
        roles = {
            (d["Account"], d["RoleName"].lower()): copy.deepcopy(dict(d))
            for d in self.store.table(ROLES).all()
        }
        keys = {
            d["AccessKeyId"]: copy.deepcopy(dict(d)) for d in self.store.table(ACCESS_KEYS).all()
        }
        self._users, self._roles, self._keys = users, roles, keys
        self._secrets = {}
        self.changed()

    def changed(self) -> None:
        """Users or roles (so identity policies) changed: memoised decisions are stale."""
        self.generation = getattr(self, "generation", 0) + 1

    def user(self, account: str, name: str) -> dict | None:
        return self._users.get((account, name.lower()))

    def role(self, account: str, name: str) -> dict | None:
        return self._roles.get((account, name.lower()))

    def access_key(self, access_key_id: str) -> dict | None:
        return self._keys.get(access_key_id)

    def keys_of(self, account: str, user_name: str | None) -> list[dict]:
        """Access keys of a user (``None``: of the account's root user), oldest first."""
        lower = user_name.lower() if user_name is not None else None
        return sorted(
            (
                k
                for k in self._keys.values()
                if k["Account"] == account
                and (k["UserName"].lower() if k["UserName"] is not None else None) == lower
            ),
            key=lambda k: (k["CreateDate"], k["AccessKeyId"]),
        )

    def save_user(self, record: dict) -> None:
        self.store.table(USERS).upsert(copy.deepcopy(record), Query().UserId == record["UserId"])
        self._users[(record["Account"], record["UserName"].lower())] = copy.deepcopy(record)
        self.changed()

    def remove_user(self, record: dict) -> None:
        self.store.table(USERS).remove(Query().UserId == record["UserId"])
        self._users.pop((record["Account"], record["UserName"].lower()), None)
        self.changed()

    def save_role(self, record: dict) -> None:
        self.store.table(ROLES).upsert(copy.deepcopy(record), Query().RoleId == record["RoleId"])
        self._roles[(record["Account"], record["RoleName"].lower())] = copy.deepcopy(record)
        self.changed()

    def remove_role(self, record: dict) -> None:
        self.store.table(ROLES).remove(Query().RoleId == record["RoleId"])
        self._roles.pop((record["Account"], record["RoleName"].lower()), None)
        self.changed()

    def save_key(self, record: dict) -> None:
        self.store.table(ACCESS_KEYS).upsert(
            copy.deepcopy(record), Query().AccessKeyId == record["AccessKeyId"]
        )
        self._keys[record["AccessKeyId"]] = copy.deepcopy(record)

    def remove_key(self, record: dict) -> None:
        self.store.table(ACCESS_KEYS).remove(Query().AccessKeyId == record["AccessKeyId"])
        self._keys.pop(record["AccessKeyId"], None)
        self._secrets.pop(record["AccessKeyId"], None)

    def new_id(self, prefix: str, length: int, taken: Callable[[str], bool]) -> str:
        """A fresh id (a seeded random source may replay ids after a restart)."""
        while True:
            candidate = prefix + names.random_id(self.entropy, length)
            if not taken(candidate):
                return candidate

    def id_taken(self, candidate: str) -> bool:
        return (
            candidate in self._keys
            or any(u["UserId"] == candidate for u in self._users.values())
            or any(r["RoleId"] == candidate for r in self._roles.values())
        )

    # -- the public view --------------------------------------------------------------
    def _user_for(self, principal: names.PrincipalArn) -> dict | None:
        record = self._users.get((principal.account, (principal.name or "").lower()))
        return record if record is not None and record["Arn"] == principal.arn else None

    def _role_for(self, principal: names.PrincipalArn) -> dict | None:
        record = self._roles.get((principal.account, (principal.name or "").lower()))
        if record is None:
            return None
        if principal.kind == names.SESSION:
            return record
        return record if record["Arn"] == principal.arn else None

    def identity_policies(self, principal_arn: str) -> list[tuple[str, str]]:
        """``(policy name, document)`` of the inline policies of a user, a role, or a role
        session's role; ``[]`` for the account root, service principals and unknowns."""
        principal = names.parse_principal(principal_arn)
        if principal is None:
            return []
        record = None
        if principal.kind == names.USER:
            record = self._user_for(principal)
        elif principal.kind in (names.ROLE, names.SESSION):
            record = self._role_for(principal)
        if record is None:
            return []
        return sorted(record["Policies"].items())

    def known_accounts(self) -> set[str]:
        """The engine's account and every account holding users, roles or access keys."""
        known = {self.account}
        known.update(account for account, _ in self._users)
        known.update(account for account, _ in self._roles)
        known.update(k["Account"] for k in self._keys.values())
        return known

    def principal_exists(self, arn: str) -> bool | None:
        """Whether a principal exists: ``None`` when that cannot be known here (an
        account the engine does not hold, a service principal, a non-IAM ARN)."""
        if names.is_account_id(arn):
            return True if arn in self.known_accounts() else None
        principal = names.parse_principal(arn)
        if principal is None or principal.account not in self.known_accounts():
            return None
        if principal.kind == names.ROOT:
            return True
        if principal.kind == names.USER:
            return self._user_for(principal) is not None
        if principal.kind in (names.ROLE, names.SESSION):
            return self._role_for(principal) is not None
        if arn.split(":", 5)[2] == "sts":
            return None  # federated users and other session kinds: not tracked here
        return False

    def lookup_access_key(self, access_key_id: str) -> AccessKeyIdentity | None:
        """The identity an access key signs as (with its secret), or ``None``."""
        record = self._keys.get(access_key_id)
        if record is None:
            return None
        secret = self._secrets.get(access_key_id)
        if secret is None:
            secret = self.store.root_key.unwrap(
                record["WrappedSecret"], secret_purpose(access_key_id)
            ).decode("ascii")
            self._secrets[access_key_id] = secret
        return AccessKeyIdentity(
            access_key_id=access_key_id,
            secret=secret,
            user_arn=self.key_owner_arn(record),
            account=record["Account"],
            status=record["Status"],
        )

    def key_owner_arn(self, record: dict) -> str:
        if record["UserName"] is None:
            return names.root_arn(record["Account"])
        user = self.user(record["Account"], record["UserName"])
        if user is not None:
            return user["Arn"]
        return names.user_arn(record["Account"], "/", record["UserName"])

    def users(self, account: str) -> list[dict]:
        """The account's users as GetUser shows them, by name."""
        return [user_shape(u, tags=True) for u in sorted_users(self, account, "/")]

    def roles(self, account: str) -> list[dict]:
        """The account's roles as GetRole shows them, by name."""
        return [role_shape(r, detail=True) for r in sorted_roles(self, account, "/")]

    def accounts(self) -> list[str]:
        """The engine's account and every account that holds users, roles or keys."""
        return sorted(self.known_accounts())

    def principals(self) -> list[str]:
        """Every account's root, then its users and roles (ARNs)."""
        out: list[str] = []
        for account in self.accounts():
            out.append(names.root_arn(account))
            out.extend(u["Arn"] for u in sorted_users(self, account, "/"))
            out.extend(r["Arn"] for r in sorted_roles(self, account, "/"))
        return out

    # -- authorization ----------------------------------------------------------------
    def authorize(self, ctx: CallContext, caller: Caller, action: str, resource: str) -> None:
        """Allow the account root, and callers of the same account whose identity
        policies allow ``iam:<action>`` on ``resource`` (and none denies it)."""
        if resource not in ctx.resources:
            ctx.resources.append(resource)
        iam_action = f"iam:{action}"
        effect, decided_by, reason = self._decide(caller, iam_action, resource)
        ctx.decision = {"action": iam_action, "effect": effect, "decidedBy": decided_by}
        if reason:
            ctx.decision["reason"] = reason
        if effect != "Allow":
            raise iam_error(
                "AccessDenied",
                f"User: {caller.principal} is not authorized to perform: {iam_action} on "
                f"resource: {resource} {reason}",
                403,
            )

    def _decide(
        self, caller: Caller, action: str, resource: str
    ) -> tuple[str, list[str], str | None]:
        principal = names.parse_principal(caller.principal)
        if principal is None or caller.is_service:
            return "ImplicitDeny", [], "because IAM accepts calls only from IAM principals"
        if principal.account != caller.account or names.account_of(resource) != caller.account:
            return "ImplicitDeny", [], "because IAM does not accept calls from another account"
        if principal.kind == names.ROOT:
            return "Allow", ["account root"], None
        policies = [
            compile_policy(text, name) for name, text in self.identity_policies(caller.principal)
        ]
        decision = evaluate(
            Request(
                principal=caller.principal,
                action=action,
                resource=resource,
                context=self.request_context(caller),
                principal_account=principal.account,
                resource_account=caller.account,
            ),
            key_policy=None,
            identity_policies=policies,
        )
        if decision.allowed:
            return "Allow", decision.decided_by, None
        reason = decision.reason or f"no identity-based policy allows the {action} action"
        if not reason.startswith("with "):
            reason = f"because {reason}"
        return decision.effect, decision.decided_by, reason

    def request_context(self, caller: Caller) -> dict[str, Any]:
        now = self.clock.now()
        context: dict[str, Any] = {
            "aws:CurrentTime": iso8601(now),
            "aws:EpochTime": int(now),
            "aws:RequestedRegion": caller.region,
            "aws:SourceIp": caller.source_ip,
            "aws:UserAgent": caller.user_agent,
            "aws:SecureTransport": False,
            "aws:PrincipalArn": caller.role_arn or caller.principal,
            "aws:PrincipalAccount": caller.account,
            "aws:PrincipalType": caller.principal_type,
            "aws:ViaAWSService": bool(caller.via_service),
        }
        if caller.username:
            context["aws:username"] = caller.username
            user = self.user(caller.account, caller.username)
            if user is not None:
                context["aws:userid"] = user["UserId"]
        return context


# -- shapes -----------------------------------------------------------------------------
def user_shape(record: dict, *, tags: bool = False) -> dict:
    out = {
        "Path": record["Path"],
        "UserName": record["UserName"],
        "UserId": record["UserId"],
        "Arn": record["Arn"],
        "CreateDate": record["CreateDate"],
    }
    if tags and record.get("Tags"):
        out["Tags"] = copy.deepcopy(record["Tags"])
    return out


def role_shape(record: dict, *, detail: bool = False) -> dict:
    out = {
        "Path": record["Path"],
        "RoleName": record["RoleName"],
        "RoleId": record["RoleId"],
        "Arn": record["Arn"],
        "CreateDate": record["CreateDate"],
        "AssumeRolePolicyDocument": record["AssumeRolePolicyDocument"],
    }
    if record.get("Description"):
        out["Description"] = record["Description"]
    out["MaxSessionDuration"] = record["MaxSessionDuration"]
    if detail:
        if record.get("Tags"):
            out["Tags"] = copy.deepcopy(record["Tags"])
        out["RoleLastUsed"] = {}
    return out


def sorted_users(service: IamService, account: str, prefix: str) -> list[dict]:
    return sorted(
        (
            u
            for (acct, _), u in service._users.items()
            if acct == account and u["Path"].startswith(prefix)
        ),
        key=lambda u: u["UserName"].lower(),
    )


def sorted_roles(service: IamService, account: str, prefix: str) -> list[dict]:
    return sorted(
        (
            r
            for (acct, _), r in service._roles.items()
            if acct == account and r["Path"].startswith(prefix)
        ),
        key=lambda r: r["RoleName"].lower(),
    )
