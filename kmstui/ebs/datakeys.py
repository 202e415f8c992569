"""The KMS calls behind EBS: how a volume's data key (DEK) is made, granted,
decrypted and retired. Every call goes through the engine's dispatcher, so it is
authorized by the key policy, IAM policies and grants and appears in the event
stream like any other KMS call.

Two caller models
-----------------

``aws`` (the default) reproduces what CloudTrail shows for EBS:

- CreateVolume: EC2 calls GenerateDataKeyWithoutPlaintext (NumberOfBytes 64, since
  AES-256-XTS takes two 256-bit keys) *as the requesting principal*, with
  ``kms:ViaService`` = ``ec2.<region>.amazonaws.com`` and the encryption context
  ``{"aws:ebs:id": "vol-..."}``.
- AttachVolume: EC2, again as the requester via EC2, creates a grant for the
  instance's infrastructure principal ``ACCOUNT:aws:ec2-infrastructure:i-...``
  (Decrypt only, constrained to the volume's context); then that principal, as the
  session ``arn:aws:sts::ACCOUNT:assumed-role/aws:ec2-infrastructure/i-...``, calls
  Decrypt. The grant is what allows it, unless a policy explicitly denies.
- DetachVolume: EC2 retires the grant (as the requester via EC2; if that principal
  may not, as the grant's retiring principal, the account).

``seed`` is the model the sample key policy's second statement was written for:
EC2 calls KMS as the service principal ``ec2.amazonaws.com`` with ``kms:ViaService``
= ``ec2.amazonaws.com`` (no region) and the context
``{"aws:ec2:arn": "arn:aws:ec2:REGION:ACCOUNT:volume/vol-..."}``. There is no grant:
the same service principal decrypts the DEK on attach, so the key policy alone
decides, and the requester's own permissions play no part. A key policy written for
one model generally denies the other.

A volume remembers the model and context its DEK was made with, so changing the
setting affects only volumes created afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kmstui.caller import Caller
from kmstui.ebs.records import DataKeyRecord
from kmstui.ebs.resources import volume_arn
from kmstui.errors import AccessDeniedException, AwsError

DEK_BYTES = 64
EC2_SERVICE = "ec2.amazonaws.com"
INFRASTRUCTURE_ROLE = "aws:ec2-infrastructure"


def via_service(region: str) -> str:
    return f"ec2.{region}.amazonaws.com"


def infrastructure_grantee(account: str, instance_id: str) -> str:
    """The grantee EBS names in its grants, as CloudTrail shows it."""
    return f"{account}:{INFRASTRUCTURE_ROLE}:{instance_id}"


def infrastructure_caller(account: str, region: str, instance_id: str) -> Caller:
    """The instance's infrastructure session that decrypts a volume's DEK on attach."""
    return Caller(
        principal=f"arn:aws:sts::{account}:assumed-role/{INFRASTRUCTURE_ROLE}/{instance_id}",
        account=account,
        region=region,
    )


@dataclass(frozen=True)
class WrappedDataKey:
    """A DEK as a volume or snapshot stores it: never the plaintext."""

    ciphertext_blob: bytes
    key_arn: str
    key_material_id: str | None
    encryption_context: dict[str, str]
    caller_model: str

    def to_record(self) -> DataKeyRecord:
        import base64

        return {
            "CiphertextBlob": base64.b64encode(self.ciphertext_blob).decode("ascii"),
            "KeyArn": self.key_arn,
            "KeyMaterialId": self.key_material_id,
            "EncryptionContext": dict(self.encryption_context),
            "CallerModel": self.caller_model,
        }

    @classmethod
    def from_record(cls, record: DataKeyRecord) -> WrappedDataKey:
        import base64

        return cls(
            base64.b64decode(record["CiphertextBlob"]),
            record["KeyArn"],
            record.get("KeyMaterialId"),
            dict(record["EncryptionContext"]),
            record.get("CallerModel", "aws"),
        )


class DataKeys:
    """EC2's side of the conversation with KMS."""

    def __init__(self, call: Callable[[str, dict, Caller], dict], caller_model: Callable[[], str]):
        self._call = call  # KMS's operations, through the dispatcher
        self._caller_model = caller_model

    # -- who EC2 is when it calls KMS ----------------------------------------------------
    def ec2_caller(self, requester: Caller, model: str) -> Caller:
        if model == "seed":
            return Caller(
                principal=EC2_SERVICE, account=requester.account, region=requester.region
            ).via(EC2_SERVICE)
        return requester.via(via_service(requester.region))

    def context_for(
        self, model: str, region: str, account: str, resource_id: str, resource: str = "volume"
    ) -> dict[str, str]:
        if model == "seed":
            return {
                "aws:ec2:arn": f"arn:aws:ec2:{region}:{account}:{resource}/{resource_id}"
                if resource != "volume"
                else volume_arn(region, account, resource_id)
            }
        return {"aws:ebs:id": resource_id}

    # -- operations ----------------------------------------------------------------------
    def _generate(
        self, operation: str, requester: Caller, key_id: str, resource_id: str, resource: str
    ) -> tuple[WrappedDataKey, dict]:
        model = self._caller_model()
        context = self.context_for(
            model, requester.region, requester.account, resource_id, resource
        )
        response = self._call(
            operation,
            {"KeyId": key_id, "NumberOfBytes": DEK_BYTES, "EncryptionContext": context},
            self.ec2_caller(requester, model),
        )
        wrapped = WrappedDataKey(
            response["CiphertextBlob"],
            response["KeyId"],
            response.get("KeyMaterialId"),
            context,
            model,
        )
        return wrapped, response

    def generate(
        self, requester: Caller, key_id: str, resource_id: str, resource: str = "volume"
    ) -> WrappedDataKey:
        """GenerateDataKeyWithoutPlaintext for a new resource (CreateVolume)."""
        wrapped, _ = self._generate(
            "GenerateDataKeyWithoutPlaintext", requester, key_id, resource_id, resource
        )
        return wrapped

    def generate_with_plaintext(
        self, requester: Caller, key_id: str, resource_id: str, resource: str = "volume"
    ) -> tuple[WrappedDataKey, bytearray]:
        """GenerateDataKey, for data that must be encrypted right away (a copy under a
        new key). The caller wipes the returned plaintext."""
        wrapped, response = self._generate(
            "GenerateDataKey", requester, key_id, resource_id, resource
        )
        return wrapped, bytearray(response.pop("Plaintext"))

    def rewrap(
        self, requester: Caller, dek: WrappedDataKey, resource_id: str, resource: str = "volume"
    ) -> WrappedDataKey:
        """ReEncrypt a DEK under the same key for a new resource's context: the data
        (and its DEK) stay as they are; the new resource gets its own wrapping."""
        model = dek.caller_model
        context = self.context_for(
            model, requester.region, requester.account, resource_id, resource
        )
        response = self._call(
            "ReEncrypt",
            {
                "CiphertextBlob": dek.ciphertext_blob,
                "SourceEncryptionContext": dek.encryption_context,
                "DestinationKeyId": dek.key_arn,
                "DestinationEncryptionContext": context,
            },
            self.ec2_caller(requester, model),
        )
        return WrappedDataKey(
            response["CiphertextBlob"],
            response["KeyId"],
            response.get("DestinationKeyMaterialId"),
            context,
            model,
        )

    def decrypt_for_copy(self, requester: Caller, dek: WrappedDataKey) -> bytearray:
        """Decrypt a DEK so its data can be re-encrypted under another key."""
        response = self._call(
            "Decrypt",
            {
                "CiphertextBlob": dek.ciphertext_blob,
                "EncryptionContext": dek.encryption_context,
            },
            self.ec2_caller(requester, dek.caller_model),
        )
        return bytearray(response.pop("Plaintext"))

    def create_grant(self, requester: Caller, dek: WrappedDataKey, instance_id: str) -> str | None:
        """The grant that lets the instance decrypt this DEK (AWS model only)."""
        if dek.caller_model == "seed":
            return None
        response = self._call(
            "CreateGrant",
            {
                "KeyId": dek.key_arn,
                "GranteePrincipal": infrastructure_grantee(requester.account, instance_id),
                "RetiringPrincipal": f"arn:aws:iam::{requester.account}:root",
                "Operations": ["Decrypt"],
                "Constraints": {"EncryptionContextSubset": dek.encryption_context},
            },
            self.ec2_caller(requester, "aws"),
        )
        return response["GrantId"]

    def decrypt_for_instance(
        self, dek: WrappedDataKey, account: str, region: str, instance_id: str
    ) -> bytearray:
        """Decrypt as the instance's infrastructure session (or EC2, in the seed model)."""
        if dek.caller_model == "seed":
            caller = self.ec2_caller(Caller.root(account, region), "seed")
        else:
            caller = infrastructure_caller(account, region, instance_id)
        response = self._call(
            "Decrypt",
            {
                "CiphertextBlob": dek.ciphertext_blob,
                "EncryptionContext": dek.encryption_context,
            },
            caller,
        )
        return bytearray(response.pop("Plaintext"))

    def retire_grant(self, requester: Caller, key_arn: str, grant_id: str | None) -> bool:
        """RetireGrant as the requester via EC2; when the key policy does not let the
        requester retire, as the grant's retiring principal (the account). False when
        the grant could not be retired (the key is gone, ...)."""
        if not grant_id:
            return True
        params = {"KeyId": key_arn, "GrantId": grant_id}
        try:
            self._call("RetireGrant", params, self.ec2_caller(requester, "aws"))
            return True
        except AccessDeniedException:
            if requester.is_root:
                return False
        except AwsError:
            return False
        try:
            account = Caller.root(requester.account, requester.region)
            self._call("RetireGrant", params, self.ec2_caller(account, "aws"))
            return True
        except AwsError:
            return False
