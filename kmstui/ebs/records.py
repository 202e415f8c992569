"""What EC2 stores: the records of the ``volumes``, ``instances``, ``attachments`` and
``snapshots`` tables.

Member names are EC2's where EC2 has one; times are epoch seconds on the engine clock.
A volume's data key is stored only as KMS ciphertext (``DataKey``).
"""

# No postponed annotations: the declarations are read at run time (NotRequired
# marks the members a record has only sometimes).
from typing import NotRequired, TypedDict


class Tag(TypedDict):
    Key: str
    Value: str


class DataKeyRecord(TypedDict):
    """A volume's (or snapshot's) data key, wrapped by its KMS key."""

    CiphertextBlob: str  # base64
    KeyArn: str
    KeyMaterialId: str | None
    EncryptionContext: dict[str, str]
    CallerModel: str  # who decrypts it on attach


class Lineage(TypedDict, total=False):
    """Where a volume or snapshot came from (a copied snapshot names its source's)."""

    SourceSnapshotId: str | None
    SourceVolumeId: str | None
    SourceRegion: str


class VolumeRecord(TypedDict):
    VolumeId: str
    OwnerId: str
    Region: str
    AvailabilityZone: str
    Size: int  # GiB
    VolumeType: str
    Iops: int | None
    Throughput: int | None
    Encrypted: bool
    KmsKeyId: str | None  # the key's ARN
    State: str
    CreateTime: float
    SnapshotId: str
    Tags: list[Tag]
    DataKey: DataKeyRecord | None
    SectorSize: int
    Lineage: Lineage


class InstanceState(TypedDict):
    Code: int
    Name: str


class StateReason(TypedDict):
    Code: str
    Message: str


class InstanceRecord(TypedDict):
    InstanceId: str
    ReservationId: str
    OwnerId: str
    Region: str
    ImageId: str
    InstanceType: str
    State: InstanceState
    LaunchTime: float
    AvailabilityZone: str
    Tags: list[Tag]
    AmiLaunchIndex: int
    PrivateIpAddress: str
    PrivateDnsName: str
    StateTransitionReason: NotRequired[str]
    StateReason: NotRequired[StateReason | None]


class AttachmentRecord(TypedDict):
    VolumeId: str
    InstanceId: str
    Device: str
    State: str
    AttachTime: float
    DeleteOnTermination: bool
    GrantId: str | None  # the grant made for the instance's infrastructure role
    KeyArn: str | None
    OwnerId: str
    Region: str


class SnapshotRecord(TypedDict):
    SnapshotId: str
    VolumeId: str
    OwnerId: str
    Region: str
    VolumeSize: int
    Description: str
    Encrypted: bool
    KmsKeyId: str | None
    State: str
    Progress: str
    StartTime: float
    Tags: list[Tag]
    DataKey: DataKeyRecord | None
    Lineage: Lineage
