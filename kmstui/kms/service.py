"""The KMS service: key records, and what every operation shares.

``KmsService.call("Decrypt", {...}, caller)`` validates, authorizes, acts and returns
the members the AWS API returns; it raises :class:`kmstui.errors.AwsError` named as
AWS names it. Every call, successful or not, emits one CloudTrail-shaped event.
Operations live in small modules named for what they act on (``keys``, ``crypto``,
``aliases``, ``tags``, ``rotation``, ``keypolicy``, ``grants`` ...) and register
themselves in ``OPERATIONS`` here. The work that comes due on the engine clock
(deletions, automatic rotations, expiries of imported material) is ``scheduled``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tinydb import Query

from kmstui.caller import Caller
from kmstui.dispatch import CallContext, Operations, ServiceErrors
from kmstui.errors import (
    AccessDeniedException,
    DisabledException,
    InvalidKeyUsageException,
    KMSInternalException,
    KMSInvalidStateException,
    NotFoundException,
    ValidationException,
)
from kmstui.kms import validation
from kmstui.kms.arns import KeyReference, is_key_id, key_arn, parse_key_reference
from kmstui.kms.authorization import PolicyAuthorizer, Verdict
from kmstui.kms.encryption_context import EncryptionContext, EncryptionContexts
from kmstui.kms.policies import MANAGED_KEY_SERVICES, managed_key_policy, managed_key_to_be
from kmstui.kms.rsapool import RsaPool
from kmstui.service import Collaborators, Service

if TYPE_CHECKING:
    from kmstui.iam import IamService

OPERATIONS = Operations()
operation = OPERATIONS.operation

# Key states of the AWS key-state table (each operation checks the ones it accepts).
ENABLED, DISABLED, PENDING_DELETION = "Enabled", "Disabled", "PendingDeletion"
PENDING_IMPORT = "PendingImport"
PENDING_REPLICA_DELETION = "PendingReplicaDeletion"
# how error messages name the states that refuse an operation
STATE_WORDS = {
    PENDING_DELETION: "pending deletion",
    PENDING_IMPORT: "pending import",
    PENDING_REPLICA_DELETION: "pending replica deletion",
    "Creating": "creating",
    "Updating": "updating",
    "Unavailable": "unavailable",
}

# the cryptographic operations GetKeyLastUsage reports (AWS's list)
TRACKED_OPERATIONS = frozenset(
    (
        "Decrypt",
        "DeriveSharedSecret",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateMac",
        "ReEncrypt",
        "Sign",
        "Verify",
        "VerifyMac",
        "Encapsulate",
        "Decapsulate",
    )
)

ERRORS = ServiceErrors(
    bad_request=lambda: ValidationException("The request body must be a JSON object"),
    internal=lambda exc: KMSInternalException(
        f"An internal error occurred ({type(exc).__name__}); the request was not completed."
    ),
)


class KmsService(Service):
    """KMS: keys, aliases, grants and key material of every account and Region. It asks
    ``iam`` who exists and what identity policies allow (key policies, authorization)."""

    name = "kms"
    operations = OPERATIONS
    errors = ERRORS

    def __init__(
        self, collaborators: Collaborators, *, iam: IamService, on_demand_rotation_limit: int = 25
    ):
        super().__init__(collaborators)
        self.iam = iam
        self.on_demand_rotation_limit = on_demand_rotation_limit
        self.authorizer = PolicyAuthorizer(self)
        self.encryption_contexts = EncryptionContexts()  # the contexts requests sent
        # key records by key ARN: the replicas of a multi-Region key share a KeyId
        self._keys: dict[str, dict] = {}
        self._arns_by_id: dict[str, list[str]] = {}
        self._aliases: dict[tuple[str, str, str], dict] = {}
        self._aead: dict[tuple[str, str], AESGCM] = {}
        # unwrapped private keys and HMAC secrets, by (KeyId, KeyMaterialId)
        self._secrets: dict[tuple[str, str], Any] = {}
        # the last successful cryptographic use of each key, by key ARN: (operation, time,
        # event id), kept in memory since tracking_since (GetKeyLastUsage)
        self.last_usage: dict[str, tuple[str, float, str]] = {}
        # RSA keys generated ahead of need (memory only; stopped by close())
        self.rsa_pool = RsaPool()
        self.tracking_since = self.clock.now()
        self.reload()
        self.store.on_rollback(self.reload)
        from kmstui.kms.scheduled import ScheduledWork

        self.scheduled = ScheduledWork(self)  # deletions, rotations, expiries on the clock
        self.due.add(self.scheduled)

    def succeeded(self, ctx: CallContext, event_id: str) -> None:
        """Record the last use of the keys a cryptographic call used (GetKeyLastUsage)."""
        if ctx.operation in TRACKED_OPERATIONS:
            use = (ctx.operation, ctx.now, event_id)
            for arn in ctx.resources:  # the keys the call used (both for ReEncrypt)
                self.last_usage[arn] = use

    # -- state ------------------------------------------------------------------------
    def reload(self) -> None:
        self._keys = {doc["Arn"]: dict(doc) for doc in self.store.table("keys").all()}
        self._arns_by_id = {}
        for arn, key in self._keys.items():
            self._arns_by_id.setdefault(key["KeyId"], []).append(arn)
        self._aliases = {
            (doc["AccountId"], doc["Region"], doc["AliasName"]): dict(doc)
            for doc in self.store.table("aliases").all()
        }
        self.grant_records = {doc["GrantId"]: dict(doc) for doc in self.store.table("grants").all()}
        self._index_grants()

    def forget_memory(self) -> None:
        """Drop what is held only in memory (unwrapped key material, last uses): the
        engine was reset and every key is gone."""
        self._aead.clear()
        self._secrets.clear()
        self.last_usage.clear()
        self.tracking_since = self.clock.now()

    def _index_grants(self) -> None:
        from kmstui.kms.grants import grant_view

        by_key: dict[str, list[dict]] = {}
        for grant in sorted(
            self.grant_records.values(), key=lambda g: (g["CreationDate"], g["GrantId"])
        ):
            by_key.setdefault(grant["KeyArn"], []).append(grant_view(grant))
        self.grants_by_key = by_key

    def save_grant(self, grant: dict) -> None:
        self.store.table("grants").upsert(grant, Query().GrantId == grant["GrantId"])
        self.grant_records[grant["GrantId"]] = grant
        self._index_grants()

    def delete_grant(self, grant_id: str) -> None:
        self.store.table("grants").remove(Query().GrantId == grant_id)
        self.grant_records.pop(grant_id, None)
        self._index_grants()

    def save_key(self, key: dict) -> None:
        """Save a key record; the properties a multi-Region key shares with its related
        keys (see ``multiregion``) are saved to each of them too."""
        if key.get("MultiRegionKeyType") and key["KeyState"] != "Deleted":
            from kmstui.kms.multiregion import share

            with self.store.transaction():
                self._save_one(key)
                for related in share(self, key):
                    self._save_one(related)
            return
        self._save_one(key)

    def _save_one(self, key: dict) -> None:
        self.store.table("keys").upsert(key, Query().Arn == key["Arn"])
        arn = key["Arn"]
        if self._keys.setdefault(arn, key) is not key:
            self._keys[arn] = key
        else:  # a new record
            self._arns_by_id.setdefault(key["KeyId"], []).append(arn)

    def save_alias(self, alias: dict) -> None:
        q = Query()
        self.store.table("aliases").upsert(
            alias,
            (q.AccountId == alias["AccountId"])
            & (q.Region == alias["Region"])
            & (q.AliasName == alias["AliasName"]),
        )
        self._aliases[(alias["AccountId"], alias["Region"], alias["AliasName"])] = alias

    def delete_alias_record(self, alias: dict) -> None:
        q = Query()
        self.store.table("aliases").remove(
            (q.AccountId == alias["AccountId"])
            & (q.Region == alias["Region"])
            & (q.AliasName == alias["AliasName"])
        )
        self._aliases.pop((alias["AccountId"], alias["Region"], alias["AliasName"]), None)

    def keys_in(self, account: str, region: str) -> list[dict]:
        return sorted(
            (
                k
                for k in self._keys.values()
                if k["AWSAccountId"] == account
                and k["Region"] == region
                and k["KeyState"] != "Deleted"
            ),
            key=lambda k: (k["CreationDate"], k["KeyId"]),
        )

    def aliases_in(self, account: str, region: str) -> list[dict]:
        return sorted(
            (a for (acct, reg, _), a in self._aliases.items() if acct == account and reg == region),
            key=lambda a: a["AliasName"],
        )

    def aliases_of(
        self, key_id: str, account: str | None = None, region: str | None = None
    ) -> list[dict]:
        """The aliases pointing at a key (of one account and Region when given: the
        replicas of a multi-Region key share their KeyId)."""
        return sorted(
            (
                a
                for a in self._aliases.values()
                if a.get("TargetKeyId") == key_id
                and (account is None or a["AccountId"] == account)
                and (region is None or a["Region"] == region)
            ),
            key=lambda a: a["AliasName"],
        )

    def aliases_of_key(self, key: dict) -> list[dict]:
        return self.aliases_of(key["KeyId"], key["AWSAccountId"], key["Region"])

    def all_keys(self) -> list[dict]:
        return [k for k in self._keys.values() if k["KeyState"] != "Deleted"]

    def key_by_id(self, key_id: str) -> dict | None:
        """A key with this KeyId in any account and Region (the first created: a
        multi-Region key has one record per Region; see ``key_in``)."""
        arns = self._arns_by_id.get(key_id)
        return self._keys[arns[0]] if arns else None

    def keys_with_id(self, key_id: str) -> list[dict]:
        return [self._keys[arn] for arn in self._arns_by_id.get(key_id, ())]

    def key_in(self, account: str, region: str, key_id: str) -> dict | None:
        return self._keys.get(key_arn(region, account, key_id))

    def key_by_arn(self, arn: str) -> dict | None:
        return self._keys.get(arn)

    def related_keys(self, key: dict) -> list[dict]:
        """A multi-Region key's records in every Region (itself included), by Region;
        just the key for a single-Region key."""
        if not key.get("MultiRegionKeyType"):
            return [key]
        return sorted(
            (
                k
                for k in self.keys_with_id(key["KeyId"])
                if k["AWSAccountId"] == key["AWSAccountId"] and k["KeyState"] != "Deleted"
            ),
            key=lambda k: k["Region"],
        )

    def create_managed_key(self, alias_name: str, caller: Caller) -> dict:
        """AWS managed keys (``alias/aws/ebs``) appear on first use: the key and its
        alias, saved; the alias."""
        from kmstui.kms.keys import new_key

        _service, description = MANAGED_KEY_SERVICES[alias_name]
        owner = Caller.root(caller.account, caller.region)
        key = new_key(
            self,
            owner,
            description=description,
            manager="AWS",
            policy=managed_key_policy(alias_name, caller.account, caller.region),
        )
        now = self.clock.now()
        alias = {
            "AccountId": caller.account,
            "Region": caller.region,
            "AliasName": alias_name,
            "AliasArn": f"arn:aws:kms:{caller.region}:{caller.account}:{alias_name}",
            "TargetKeyId": key["KeyId"],
            "CreationDate": now,
            "LastUpdatedDate": now,
        }
        with self.store.transaction():
            self.save_key(key)
            self.save_alias(alias)
        self.due.reschedule()
        return alias

    # -- key material -----------------------------------------------------------------
    def aead(self, key: dict, material_id: str) -> AESGCM | None:
        cache_key = (key["KeyId"], material_id)
        cipher = self._aead.get(cache_key)
        if cipher is None:
            material = next(
                (m for m in key["Materials"] if m["KeyMaterialId"] == material_id), None
            )
            if material is None or "Wrapped" not in material:
                return None  # unknown, or imported material deleted or expired
            secret = self.store.root_key.unwrap(
                material["Wrapped"], material_purpose(key, material_id)
            )
            cipher = AESGCM(secret)
            self._aead[cache_key] = cipher
        return cipher

    def key_secret(self, key: dict, material_id: str | None = None) -> Any:
        """The unwrapped secret of an asymmetric or HMAC key's material (the current
        one unless named): a private key object, or the HMAC key's bytes."""
        from kmstui.kms.keypairs import load_private
        from kmstui.model.keyspecs import HMAC_SPECS

        material_id = material_id or key["CurrentKeyMaterialId"]
        cache_key = (key["KeyId"], material_id)
        secret = self._secrets.get(cache_key)
        if secret is None:
            material = next(m for m in key["Materials"] if m["KeyMaterialId"] == material_id)
            raw = self.store.root_key.unwrap(
                material["Wrapped"], material_purpose(key, material_id)
            )
            secret = raw if key["KeySpec"] in HMAC_SPECS else load_private(raw)
            self._secrets[cache_key] = secret
        return secret

    def forget_key_material(self, key_id: str) -> None:
        for cache_key in [c for c in self._aead if c[0] == key_id]:
            del self._aead[cache_key]
        for cache_key in [c for c in self._secrets if c[0] == key_id]:
            del self._secrets[cache_key]

    # -- resolving KeyId --------------------------------------------------------------
    def resolve(
        self,
        key_id_text: Any,
        caller: Caller,
        *,
        member: str = "KeyId",
        allow_alias: bool = True,
        create_managed: bool = True,
    ) -> dict:
        """The key named by ``KeyId`` (id, key ARN, alias name, alias ARN). An AWS
        managed key's alias creates its key on first use; with ``create_managed`` false
        it answers the key to be instead (:func:`managed_key_to_be`), and saves nothing.

        Raises NotFoundException as AWS does for unknown keys, unknown aliases and
        malformed identifiers."""
        if key_id_text.__class__ is str and 0 < len(key_id_text) <= 2048:
            text = key_id_text  # what validation.string would accept and return
        else:
            text = validation.string({member: key_id_text}, member, max_len=2048)
        ref = parse_key_reference(text, caller.account, caller.region)
        if ref is None:
            raise NotFoundException(f"Invalid arn {text}")
        if ref.region != caller.region:
            # an ARN of another Region: KMS answers only for keys of its own Region
            raise NotFoundException(f"Invalid arn {ref.region}")
        if ref.kind == "alias":
            if not allow_alias:
                raise NotFoundException(f"Invalid keyId '{text}'")
            alias = self._aliases.get((ref.account, ref.region, ref.value))
            if (
                alias is None
                and ref.value in MANAGED_KEY_SERVICES
                and ref.account == caller.account
            ):
                if not create_managed:
                    return managed_key_to_be(ref.value, ref.account, ref.region)
                alias = self.create_managed_key(ref.value, caller)
            if alias is None or not alias.get("TargetKeyId"):
                raise NotFoundException(f"Alias {ref.arn} is not found.")
            key = self._keys.get(key_arn(ref.region, ref.account, alias["TargetKeyId"]))
        else:
            if not is_key_id(ref.value):
                raise NotFoundException(f"Invalid keyId '{text}'")
            key = self._keys.get(key_arn(ref.region, ref.account, ref.value))
        if key is None or key["KeyState"] == "Deleted":
            raise NotFoundException(f"Key '{_key_arn_of(ref)}' does not exist")
        return key

    # -- checks shared by operations --------------------------------------------------
    def authorize(
        self,
        ctx: CallContext,
        caller: Caller,
        action: str,
        key: dict | None,
        encryption_context: Mapping[str, str] | EncryptionContext | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Verdict:
        verdict = self.authorizer.check(caller, action, key, encryption_context, extra, ctx.now)
        ctx.verdicts.append(verdict)
        if key is not None:
            arn = key["Arn"]
            if arn not in ctx.resources:
                ctx.resources.append(arn)
        if not verdict.allowed:
            resource = key["Arn"] if key is not None else "*"
            reason = verdict.reason or f"because no policy allows the {action} action"
            raise AccessDeniedException(
                f"User: {caller.principal} is not authorized to perform: {action} on resource: "
                f"{resource} {reason}"
            )
        return verdict

    @staticmethod
    def require_usable(key: dict) -> None:
        """Cryptographic operations need an Enabled key."""
        state = key["KeyState"]
        if state == ENABLED:
            return
        if state == DISABLED:
            raise DisabledException(f"{key['Arn']} is disabled.")
        raise KMSInvalidStateException(f"{key['Arn']} is {STATE_WORDS.get(state, state)}.")

    @staticmethod
    def require_usage(key: dict, usage: str, operation_name: str) -> None:
        """InvalidKeyUsageException, as AWS words it, when the key's KeyUsage is not
        the one the operation needs."""
        if key["KeyUsage"] != usage:
            raise InvalidKeyUsageException(
                f"{key['Arn']} key usage is {key['KeyUsage']} which is not valid for "
                f"{operation_name}."
            )

    @staticmethod
    def require_symmetric(key: dict, operation_name: str) -> None:
        """Operations only a symmetric encryption key performs (data keys, data key
        pairs, rotation)."""
        if key["KeySpec"] != "SYMMETRIC_DEFAULT":
            if key["KeyUsage"] != "ENCRYPT_DECRYPT":
                KmsService.require_usage(key, "ENCRYPT_DECRYPT", operation_name)
            raise InvalidKeyUsageException(
                f"{key['Arn']} key spec {key['KeySpec']} is not valid for {operation_name}: "
                "it needs a symmetric encryption KMS key."
            )

    @staticmethod
    def require_not_pending_deletion(key: dict) -> None:
        if key["KeyState"] in (PENDING_DELETION, PENDING_REPLICA_DELETION):
            raise KMSInvalidStateException(f"{key['Arn']} is {STATE_WORDS[key['KeyState']]}.")

    @staticmethod
    def require_customer_managed(key: dict, what: str) -> None:
        if key.get("KeyManager") == "AWS":
            from kmstui.errors import UnsupportedOperationException

            raise UnsupportedOperationException(
                f"{key['Arn']} is an AWS managed key; {what} is not supported for it."
            )

    @staticmethod
    def require_same_account(key: dict, caller: Caller, operation_name: str) -> None:
        """Operations AWS does not allow across accounts."""
        if key["AWSAccountId"] != caller.account:
            raise NotFoundException(f"Key '{key['Arn']}' does not exist")

    def close(self) -> None:
        """Stop the service's background work (the RSA pool) and drop what it kept."""
        self.rsa_pool.close()


def material_purpose(key: dict, material_id: str) -> str:
    return f"kms:key-material:{key['KeyId']}:{material_id}"


def _key_arn_of(ref: KeyReference) -> str:
    return key_arn(ref.region, ref.account, ref.value) if ref.kind == "key" else ref.arn
