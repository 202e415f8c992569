"""A real AWS account, or any endpoint that speaks its API, as a console backend.

Requests go through :class:`kmstui.aws.account.Connection` (boto3, the standard
credential chain and retry mode) in the acting-as caller's Region, so switching the
Region is switching that caller's Region, as on the embedded engine. Nothing that
changes the account is sent unless writes were allowed, and then only once the user
confirmed the exact call (:class:`WriteGate`). What only the embedded engine can do
(its clock, block I/O, acting as any principal, the EBS caller model, the NBD export and
the endpoint) is unavailable, each with the reason.

This module imports :mod:`kmstui.aws` (boto3): only the console's ``--aws`` and
``--endpoint-url`` path imports it."""

from __future__ import annotations

import threading
from collections.abc import Collection
from functools import partial
from pathlib import Path
from typing import Any

from kmstui.aws.account import AccountError, Connection, Where
from kmstui.aws.cloudtrail import CloudTrailEvents
from kmstui.aws.cloudwatch import CloudWatchVolumes
from kmstui.backends.aws_policy import AwsPolicy
from kmstui.backends.base import (
    CannotConnect,
    Capabilities,
    Capability,
    Confirm,
    Location,
    Unavailable,
)
from kmstui.backends.gate import WriteGate
from kmstui.caller import Caller

NOT_ON_AWS = {
    "workloads": "block I/O runs on the embedded engine's volumes; on AWS it runs on the instance",
    "clock": "AWS keeps its own time; deletions and rotations fall due on AWS's schedule",
    "act_as_any": "requests are signed with your credentials: acting as another principal "
    "needs that principal's credentials (a profile that assumes its role)",
    "caller_model": "how EC2 calls KMS for a volume is AWS's to choose",
    "nbd_export": "an AWS volume is read through its instance, not over NBD",
    "endpoint": "the console serves its endpoint for the embedded engine only",
}
# Requests whose key policy KMS checks (grammar, principals, the lockout check): run
# here first, with the account's real principals, before the write is put to the user.
KEY_POLICY_CHECKED = frozenset({"PutKeyPolicy", "CreateKey"})


def open_aws(
    where: Where,
    *,
    allow_writes: bool = False,
    data_dir: Path | None = None,
    kind: str | None = None,
) -> AwsBackend:
    """The backend on ``where``, once STS says whose credentials these are;
    CannotConnect says why not and how to fix it."""
    from kmstui.errors import AwsError

    try:
        connection = Connection(where)
        identity = connection.identity()
    except AccountError as exc:
        raise CannotConnect(str(exc)) from None
    except AwsError as exc:
        raise CannotConnect(f"GetCallerIdentity: {exc}") from None
    kind = kind or ("endpoint" if where.endpoint_url else "aws")
    return AwsBackend(connection, identity, allow_writes=allow_writes, data_dir=data_dir, kind=kind)


class AwsBackend:
    """``AwsBackend(connection, identity)``: ``identity`` is GetCallerIdentity's answer
    (Account, Arn), the principal every request is made as."""

    def __init__(
        self,
        connection: Connection,
        identity: dict,
        *,
        allow_writes: bool = False,
        data_dir: Path | None = None,
        kind: str = "aws",
    ):
        self.connection = connection
        self.account: str = identity["Account"]
        self.identity_arn: str = identity["Arn"]
        self.region: str = connection.region
        self.allow_writes = allow_writes
        self.location = Location(
            kind,
            self.account,
            self.region,
            profile=connection.where.profile,
            endpoint_url=connection.where.endpoint_url,
        )
        self.data_dir = data_dir / kind / self.account if data_dir is not None else None
        client = connection.client
        self.events = CloudTrailEvents(lambda region: client("cloudtrail", region), self.region)
        self.volumes = CloudWatchVolumes(
            lambda region: client("ec2", region),
            lambda region: client("cloudwatch", region),
            self.region,
        )
        self._gate = WriteGate(allow_writes, self.alias_names)
        self._lock = threading.Lock()
        self._aliases: dict[str, dict[str, list[str]]] = {}  # Region -> key id -> names
        self._policies: dict[str, AwsPolicy] = {}  # Region -> the policy editor's checks
        self._working_region = self.region  # where a key id alone is simulated

    # -- what it can do ---------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        missing = {name: Capability(False, why) for name, why in NOT_ON_AWS.items()}
        return Capabilities(**missing, writes=self._gate.capability)

    workloads = None
    clock = None

    def set_confirm(self, confirm: Confirm | None) -> None:
        self._gate.set_confirm(confirm)

    # -- requests ---------------------------------------------------------------------
    def call(self, operation: str, params: dict | None = None, *, caller: Caller) -> dict:
        params = params or {}
        try:
            service = self.connection.service_of(operation)
        except KeyError:
            raise Unavailable(f"{operation} is not an operation the console sends") from None
        if self.allow_writes and operation in KEY_POLICY_CHECKED:
            policy = params.get("Policy")
            if isinstance(policy, str):  # KMS's checks first, with the account's principals
                bypass = bool(params.get("BypassPolicyLockoutSafetyCheck"))
                self._policy(caller.region).check_key_policy(policy, caller, bypass=bypass)
        self._gate.check(service, operation, params)  # WriteRefused unless it may be sent
        answer = self.connection.call(service, operation, params, caller.region)
        if operation == "ListAliases":
            self._remember_aliases(caller.region, answer.get("Aliases", []), params)
        return answer

    def _remember_aliases(self, region: str, aliases: list[dict], params: dict) -> None:
        """Keep what ListAliases said: a first page starts the Region's picture afresh,
        a later page (Marker) adds to it, a listing for one key (KeyId) replaces that
        key's names."""
        found: dict[str, list[str]] = {}
        for alias in aliases:
            if alias.get("TargetKeyId"):
                found.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
        with self._lock:
            if params.get("KeyId"):
                key_id = str(params["KeyId"]).rsplit("/", 1)[-1]  # an id or a key ARN
                self._aliases.setdefault(region, {})[key_id] = found.get(key_id, [])
            elif params.get("Marker"):
                known = self._aliases.setdefault(region, {})
                for key_id, names in found.items():
                    known.setdefault(key_id, []).extend(names)
            else:
                self._aliases[region] = found

    def root_caller(self) -> Caller:
        """The principal the credentials belong to (not the account root): every
        request is made as it."""
        return Caller(self.identity_arn, account=self.account, region=self.region)

    def caller_for(self, arn: str) -> Caller:
        return Caller.for_arn(arn, self.region)

    def operations(self) -> frozenset[str]:
        return self.connection.operations()

    def principals(self) -> list[str] | None:
        """The account's IAM users and roles once they have been read; the first ask
        reads them in the background (IAM is global: one reading for every Region), and
        until then the console offers the principals it knows (the root, the acting
        principal), never another account's sample ones."""
        principals = self._policy(self.region).principals
        known = principals.known()
        if known is None:
            threading.Thread(target=principals.arns, name="iam-principals", daemon=True).start()
        return known or []

    def alias_names(self, key_id: str) -> list[str]:
        with self._lock:
            return [n for known in self._aliases.values() for n in known.get(key_id, [])]

    def caller_model(self) -> str:
        raise Unavailable(NOT_ON_AWS["caller_model"])

    def set_caller_model(self, model: str) -> str:
        raise Unavailable(NOT_ON_AWS["caller_model"])

    # -- key policies (aws_policy.py) -------------------------------------------------
    def _policy(self, region: str) -> AwsPolicy:
        """The policy checks in ``region``; the account's principals are read once for
        every Region (IAM is global)."""
        with self._lock:
            made = self._policies.get(region)
            if made is None:
                shared = next(iter(self._policies.values()), None)
                made = self._policies[region] = AwsPolicy(
                    partial(self._policy_call, region),
                    self.account,
                    principals=shared.principals if shared is not None else None,
                )
            return made

    def _policy_call(self, region: str, service: str, operation: str, params: dict) -> dict:
        return self.connection.call(service, operation, params, region)

    def validate_key_policy(self, text: str, caller: Caller, *, bypass: bool = False) -> list:
        return self._policy(caller.region).validate_key_policy(text, caller, bypass=bypass)

    def simulate(
        self,
        *,
        policy_text: str | None,
        principal: str,
        action: str,
        key_id: str,
        encryption_context: dict | None = None,
        via_service: str | None = None,
        region: str | None = None,
    ) -> Any:
        """In the key ARN's Region, else ``region`` (default: the one the console works
        in)."""
        if key_id.startswith("arn:"):
            region = key_id.split(":")[3]
        region = region or self._working_region
        return self._policy(region).simulate(
            policy_text=policy_text,
            principal=principal,
            action=action,
            key_id=key_id,
            encryption_context=encryption_context,
            via_service=via_service,
        )

    def endpoint_server(self, host: str, port: int, *, allow_any_credentials: bool) -> Any:
        raise Unavailable(NOT_ON_AWS["endpoint"])

    def nbd_server(
        self, volume_id: str, port: int | None = None, taken: Collection[int] = ()
    ) -> Any:
        raise Unavailable(NOT_ON_AWS["nbd_export"])

    def follow_region(self, region: str) -> None:
        """The Monitor's events and the volumes' figures are read in ``region`` now."""
        self._working_region = region
        self.events.set_region(region)
        self.volumes.set_region(region)

    def close(self) -> None:
        self.events.close()
        self.volumes.close()
