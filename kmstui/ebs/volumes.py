"""CreateVolume, DescribeVolumes, DeleteVolume, and the volume shape EC2 returns.

An encrypted volume's record holds its wrapped data key (CiphertextBlob, the KMS
key ARN, the key material id, the encryption context and the caller model that
made it), its sector size and where its data came from. Its backing file
``<data_dir>/volumes/<vol-id>.img`` is created only after the KMS calls succeeded,
and removed again if anything after that fails.
"""

from __future__ import annotations

from kmstui import paging
from kmstui.caller import Caller
from kmstui.ebs import backing, resources
from kmstui.ebs.datakeys import WrappedDataKey
from kmstui.ebs.operations import CallContext, operation
from kmstui.ebs.xts import XtsCipher
from kmstui.errors import AwsError, ec2_error

GIB = 1024**3
VOLUME_TYPES = ("standard", "io1", "io2", "gp2", "sc1", "st1", "gp3")
SIZE_LIMITS = {
    "gp2": (1, 16384),
    "gp3": (1, 16384),
    "io1": (4, 16384),
    "io2": (4, 65536),
    "st1": (125, 16384),
    "sc1": (125, 16384),
    "standard": (1, 1024),
}
IOPS_LIMITS = {"gp3": (3000, 16000), "io1": (100, 64000), "io2": (100, 256000)}
IOPS_PER_GIB = {"gp3": 500, "io1": 50, "io2": 1000}
THROUGHPUT_LIMITS = {"gp3": (125, 1000)}
VOLUME_FILTERS = (
    "attachment.attach-time",
    "attachment.delete-on-termination",
    "attachment.device",
    "attachment.instance-id",
    "attachment.status",
    "availability-zone",
    "create-time",
    "encrypted",
    "multi-attach-enabled",
    "size",
    "snapshot-id",
    "status",
    "volume-id",
    "volume-type",
)


def volume_view(record: dict, attachments: list[dict], *, with_attachments: bool = True) -> dict:
    """A volume as DescribeVolumes returns it."""
    view: dict = {}
    if with_attachments:
        view["Attachments"] = [attachment_view(a) for a in attachments]
    view.update(
        {
            "AvailabilityZone": record["AvailabilityZone"],
            "CreateTime": record["CreateTime"],
            "Encrypted": record["Encrypted"],
        }
    )
    if record["Encrypted"]:
        view["KmsKeyId"] = record["KmsKeyId"]
    view.update(
        {
            "Size": record["Size"],
            "SnapshotId": record.get("SnapshotId") or "",
            "State": record["State"],
            "VolumeId": record["VolumeId"],
        }
    )
    if record.get("Iops") is not None:
        view["Iops"] = record["Iops"]
    if record.get("Tags"):
        view["Tags"] = [dict(t) for t in record["Tags"]]
    view["VolumeType"] = record["VolumeType"]
    view["MultiAttachEnabled"] = False
    if record.get("Throughput") is not None:
        view["Throughput"] = record["Throughput"]
    return view


def attachment_view(attachment: dict) -> dict:
    return {
        "AttachTime": attachment["AttachTime"],
        "Device": attachment["Device"],
        "InstanceId": attachment["InstanceId"],
        "State": attachment["State"],
        "VolumeId": attachment["VolumeId"],
        "DeleteOnTermination": attachment.get("DeleteOnTermination", False),
    }


def _performance(params: dict, volume_type: str, size: int) -> tuple[int | None, int | None]:
    iops = resources.integer(params, "Iops")
    throughput = resources.integer(params, "Throughput")
    if iops is not None and volume_type not in IOPS_LIMITS:
        raise ec2_error(
            "InvalidParameterCombination",
            f"The parameter iops is not supported for {volume_type} volumes.",
        )
    if throughput is not None and volume_type not in THROUGHPUT_LIMITS:
        raise ec2_error(
            "InvalidParameterCombination",
            f"The parameter throughput is not supported for {volume_type} volumes.",
        )
    if volume_type in ("io1", "io2") and iops is None:
        raise ec2_error("MissingParameter", "The request must contain the parameter iops")
    if iops is not None:
        low, high = IOPS_LIMITS[volume_type]
        if not low <= iops <= high:
            raise ec2_error(
                "InvalidParameterValue",
                f"Volume iops of {iops} is {'too low' if iops < low else 'too high'};"
                f" {'minimum' if iops < low else 'maximum'} is "
                f"{low if iops < low else high}.",
            )
        if iops > IOPS_PER_GIB[volume_type] * size and iops > low:
            raise ec2_error(
                "InvalidParameterValue",
                f"Iops to volume size ratio of {iops / size:g} is too high; maximum "
                f"is {IOPS_PER_GIB[volume_type]}.",
            )
    if throughput is not None:
        low, high = THROUGHPUT_LIMITS[volume_type]
        if not low <= throughput <= high:
            raise ec2_error(
                "InvalidParameterValue",
                f"Volume throughput of {throughput} MiB/s is out of range ({low}-{high}).",
            )
    if volume_type == "gp3":
        return iops or 3000, throughput or 125
    if volume_type == "gp2":
        return min(16000, max(100, 3 * size)), None
    return iops, None


@operation("CreateVolume")
def create_volume(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """CreateVolume. Encrypted volumes get a new DEK from KMS (GenerateDataKeyWithout
    Plaintext via EC2); a volume from an encrypted snapshot keeps the snapshot's DEK
    re-wrapped for itself (ReEncrypt), or, under another key, gets a new DEK and
    re-encrypted data. KMS errors are returned as they are."""
    zone = resources.string(params, "AvailabilityZone", optional=False)
    if zone not in resources.zones(caller.region):
        raise ec2_error("InvalidZone.NotFound", f"The zone '{zone}' does not exist.")
    volume_type = resources.string(params, "VolumeType") or "gp2"
    if volume_type not in VOLUME_TYPES:
        raise ec2_error(
            "InvalidParameterValue",
            f"Value ({volume_type}) for parameter volumeType is invalid. Valid volume "
            f"types are: {', '.join(VOLUME_TYPES)}.",
        )
    snapshot = None
    snapshot_id = resources.string(params, "SnapshotId")
    if snapshot_id:
        snapshot = service.snapshot(caller, snapshot_id)
        if snapshot["State"] != "completed":
            raise ec2_error("IncorrectState", f"Snapshot '{snapshot_id}' is not 'completed'.")
    size = resources.integer(params, "Size")
    if size is None:
        if snapshot is None:
            raise ec2_error(
                "MissingParameter", "The request must contain the parameter size or snapshotId"
            )
        size = snapshot["VolumeSize"]
    low, high = SIZE_LIMITS[volume_type]
    if not low <= size <= high:
        raise ec2_error(
            "InvalidParameterValue",
            f"Volume of {size}GiB is too {'small' if size < low else 'large'} for "
            f"volume type {volume_type}; {'minimum' if size < low else 'maximum'} is "
            f"{low if size < low else high}GiB",
        )
    if snapshot is not None and size < snapshot["VolumeSize"]:
        raise ec2_error(
            "InvalidParameterValue",
            f"Volume of size {size}GiB is smaller than snapshot '{snapshot_id}', "
            f"expect size >= {snapshot['VolumeSize']}GiB",
        )
    iops, throughput = _performance(params, volume_type, size)
    tags = resources.tags_from_specifications(params, "volume")
    key_param = resources.string(params, "KmsKeyId")
    encrypted = (
        bool(resources.boolean(params, "Encrypted"))
        or service.settings.encryption_by_default(caller.account, caller.region)
        or bool(snapshot and snapshot["Encrypted"])
    )
    if key_param and not encrypted:
        raise ec2_error(
            "InvalidParameterDependency",
            "The parameter KmsKeyId requires the parameter Encrypted to be set.",
        )

    volume_id = resources.new_id(service.entropy, "volume")
    arn = resources.volume_arn(caller.region, caller.account, volume_id)
    ctx.touch(arn)
    path = service.volume_path(volume_id)
    size_bytes = size * GIB
    source = service.snapshot_path(snapshot["SnapshotId"]) if snapshot else None
    source_dek = (
        WrappedDataKey.from_record(snapshot["DataKey"])
        if snapshot and snapshot["Encrypted"]
        else None
    )

    dek: WrappedDataKey | None = None
    if encrypted:
        key_ref = (
            key_param
            or (source_dek.key_arn if source_dek else None)
            or service.settings.default_kms_key(caller.account, caller.region)
        )
        dek = prepare_encrypted_copy(
            service, caller, key_ref, volume_id, "volume", source, source_dek, path, size_bytes
        )
    elif source is not None:
        backing.copy_file(source, path, size_bytes)
    else:
        backing.create_sparse(path, size_bytes)
    if dek is not None:
        ctx.touch(dek.key_arn)

    record = {
        "VolumeId": volume_id,
        "OwnerId": caller.account,
        "Region": caller.region,
        "AvailabilityZone": zone,
        "Size": size,
        "VolumeType": volume_type,
        "Iops": iops,
        "Throughput": throughput,
        "Encrypted": encrypted,
        "KmsKeyId": dek.key_arn if dek else None,
        "State": "available",
        "CreateTime": service.clock.now(),
        "SnapshotId": snapshot_id or "",
        "Tags": tags,
        "DataKey": dek.to_record() if dek else None,
        "SectorSize": XtsCipher.UNIT,
        "Lineage": {
            "SourceSnapshotId": snapshot_id,
            "SourceVolumeId": snapshot["VolumeId"] if snapshot else None,
        },
    }
    try:
        with service.store.transaction():
            service.save_volume(record)
    except BaseException:
        backing.remove(path)
        raise
    return {**volume_view(record, [], with_attachments=False), "State": "creating"}


def prepare_encrypted_copy(
    service,
    caller: Caller,
    key_ref: str,
    resource_id: str,
    resource: str,
    source,
    source_dek: WrappedDataKey | None,
    path,
    size_bytes: int,
) -> WrappedDataKey:
    """The DEK of a new encrypted volume or snapshot, and its backing file at ``path``.

    No source: a new DEK (GenerateDataKeyWithoutPlaintext) and an empty file. A source
    under the same key: its DEK re-wrapped for the new resource (ReEncrypt) and its
    ciphertext copied. Otherwise the source's DEK is decrypted (Decrypt; none for
    unencrypted data), a new DEK made (GenerateDataKey) and every unit re-encrypted."""
    datakeys = service.datakeys
    if source is None:
        dek = datakeys.generate(caller, key_ref, resource_id, resource)
        backing.create_sparse(path, size_bytes)
        return dek
    if source_dek is not None and _same_key(service, caller, key_ref, source_dek.key_arn):
        dek = datakeys.rewrap(caller, source_dek, resource_id, resource)
        backing.copy_file(source, path, size_bytes)
        return dek
    old_key = datakeys.decrypt_for_copy(caller, source_dek) if source_dek else None
    new_key: bytearray | None = None
    ciphers: list[XtsCipher] = []
    try:
        dek, new_key = datakeys.generate_with_plaintext(caller, key_ref, resource_id, resource)
        old_cipher = XtsCipher(old_key) if old_key is not None else None
        new_cipher = XtsCipher(new_key)  # a bytearray, so that it can be wiped
        ciphers = [c for c in (old_cipher, new_cipher) if c is not None]
        backing.copy_file(source, path, size_bytes, decrypt=old_cipher, encrypt=new_cipher)
        return dek
    finally:
        for cipher in ciphers:
            cipher.wipe()
        for plain in (old_key, new_key):
            if plain is not None:
                plain[:] = bytes(len(plain))


def _same_key(service, caller: Caller, key_ref: str, key_arn: str) -> bool:
    try:
        return service.key_arn(key_ref, caller) == key_arn
    except AwsError:
        return False  # the KMS call that follows reports it


def _volumes_not_found(missing: list[str]):
    return ec2_error(
        "InvalidVolume.NotFound",
        f"The volume{'s' if len(missing) > 1 else ''} '{', '.join(missing)}' does not exist.",
    )


@operation("DescribeVolumes")
def describe_volumes(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    resources.check_paging(params, "VolumeIds", low=5, high=500)
    wanted = resources.wanted_ids(params, "VolumeIds", "volume")
    filters = resources.parse_filters(params, VOLUME_FILTERS)
    records = resources.only(service.volumes_of(caller), wanted, "VolumeId", _volumes_not_found)
    views = []
    for record in records:
        attachments = service.attachment_records(record["VolumeId"])
        view = volume_view(record, attachments)
        if resources.matches(_volume_fields(view), record.get("Tags") or [], filters):
            views.append(view)
    order = service.listing_order("volumes", "VolumeId")
    chunk, following = paging.ec2_page(params, views, order, "VolumeIds", low=5, high=500)
    out: dict = {"Volumes": chunk}
    if following:
        out["NextToken"] = following
    return out


def _volume_fields(view: dict) -> dict[str, list[str]]:
    attached = view.get("Attachments") or []
    return {
        "volume-id": [view["VolumeId"]],
        "status": [view["State"]],
        "size": [str(view["Size"])],
        "volume-type": [view["VolumeType"]],
        "availability-zone": [view["AvailabilityZone"]],
        "encrypted": [str(view["Encrypted"]).lower()],
        "multi-attach-enabled": ["false"],
        "snapshot-id": [view["SnapshotId"]],
        "create-time": [str(view["CreateTime"])],
        "attachment.instance-id": [a["InstanceId"] for a in attached],
        "attachment.device": [a["Device"] for a in attached],
        "attachment.status": [a["State"] for a in attached],
        "attachment.attach-time": [str(a["AttachTime"]) for a in attached],
        "attachment.delete-on-termination": [
            str(a["DeleteOnTermination"]).lower() for a in attached
        ],
    }


@operation("DeleteVolume")
def delete_volume(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """DeleteVolume: VolumeInUse while attached. The backing file and, with it, every
    ciphertext of the volume are removed; its snapshots remain."""
    volume_id = resources.check_id(resources.required(params, "VolumeId"), "volume")
    record = service.volume(caller, volume_id)
    ctx.touch(resources.volume_arn(record["Region"], record["OwnerId"], volume_id))
    attachments = service.attachment_records(volume_id)
    if attachments or record["State"] != "available":
        holder = attachments[0]["InstanceId"] if attachments else None
        raise ec2_error(
            "VolumeInUse",
            f"Volume {volume_id} is currently attached to {holder}"
            if holder
            else f"Volume {volume_id} is in the '{record['State']}' state.",
        )
    with service.store.transaction():
        service.remove_volume(volume_id)
    backing.remove(service.volume_path(volume_id))
    service.metrics.forget(volume_id)
    return {}
