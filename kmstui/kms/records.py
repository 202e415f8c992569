"""What KMS stores: the records of the ``keys``, ``grants`` and ``aliases`` tables.

Member names are AWS's where AWS has one; times are epoch seconds on the engine clock.
Key material is stored only wrapped by the root key (``Wrapped``, base64).
"""

# No postponed annotations: the declarations are read at run time (NotRequired
# marks the members a record has only sometimes).
from typing import NotRequired, TypedDict


class Tag(TypedDict):
    TagKey: str
    TagValue: str


class Rotation(TypedDict):
    """Automatic rotation's settings and the on-demand rotations used so far."""

    Enabled: bool
    PeriodInDays: int
    NextRotationDate: float | None
    OnDemandCount: int


class KeyMaterial(TypedDict):
    """One key material of a key, as ``Materials`` lists them (oldest first)."""

    KeyMaterialId: str
    CreationDate: float
    # Wrapped by the root key; a symmetric key keeps the entry of deleted imported
    # material without it (its ciphertexts then fail to decrypt).
    Wrapped: NotRequired[str]
    PublicKey: NotRequired[str]  # an asymmetric key's, base64 DER (not secret)
    RotationDate: NotRequired[float]
    RotationType: NotRequired[str]  # AUTOMATIC or ON_DEMAND
    # Imported material (Origin EXTERNAL)
    ImportDate: NotRequired[float]
    ExpirationModel: NotRequired[str]
    ValidTo: NotRequired[float | None]
    KeyMaterialDescription: NotRequired[str]
    PendingRotation: NotRequired[bool]  # imported, waiting for RotateKeyOnDemand


class Transition(TypedDict):
    """A multi-Region key's state change that completes on the engine clock."""

    Due: float
    Then: str  # the KeyState it reaches


class KeyRecord(TypedDict):
    """A KMS key; a deleted key leaves a tombstone (KeyState ``Deleted``) without its
    material, policy, rotation or description."""

    KeyId: str
    Arn: str
    AWSAccountId: str
    Region: str
    CreationDate: float
    KeyState: str
    KeyManager: str  # CUSTOMER or AWS
    KeyUsage: str
    KeySpec: str
    Origin: str  # AWS_KMS or EXTERNAL
    Materials: list[KeyMaterial]
    CurrentKeyMaterialId: str | None
    Tags: list[Tag]
    Description: NotRequired[str]
    Policy: NotRequired[str]
    Rotation: NotRequired[Rotation]
    MultiRegionKeyType: NotRequired[str]  # PRIMARY or REPLICA
    Transition: NotRequired[Transition]
    DeletionDate: NotRequired[float]  # while PendingDeletion
    PendingDeletionWindowInDays: NotRequired[int]
    DeletedDate: NotRequired[float | None]  # a tombstone's
    ImportedKeyMaterialIds: NotRequired[list[str]]
    ExpirationModel: NotRequired[str | None]  # of the current imported material
    ValidTo: NotRequired[float | None]


class GrantConstraints(TypedDict, total=False):
    EncryptionContextEquals: dict[str, str]
    EncryptionContextSubset: dict[str, str]


class GrantRecord(TypedDict):
    """A grant. Its tokens are kept only as SHA-256 digests."""

    GrantId: str
    KeyId: str
    KeyArn: str
    Name: str | None
    CreationDate: float
    GranteePrincipal: str
    RetiringPrincipal: str | None
    IssuingAccount: str  # arn:aws:iam::ACCOUNT:root
    Operations: list[str]
    Constraints: GrantConstraints | None
    TokenDigests: list[str]


class AliasRecord(TypedDict):
    AccountId: str
    Region: str
    AliasName: str
    AliasArn: str
    TargetKeyId: str
    CreationDate: float
    LastUpdatedDate: float
