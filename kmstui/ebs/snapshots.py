"""CreateSnapshot, CopySnapshot, DescribeSnapshots, DeleteSnapshot.

A snapshot is a copy of its volume's ciphertext (``<data_dir>/snapshots/<snap-id>.img``,
holes kept) with the volume's wrapped DEK: no KMS call, no re-encryption. A copy
under the same KMS key keeps the DEK, re-wrapped for the copy (ReEncrypt); a copy
under another key gets a new DEK and every unit re-encrypted."""

from __future__ import annotations

from kmstui import paging
from kmstui.caller import Caller
from kmstui.ebs import backing, resources
from kmstui.ebs.datakeys import WrappedDataKey
from kmstui.ebs.operations import CallContext, operation
from kmstui.ebs.volumes import GIB, prepare_encrypted_copy
from kmstui.errors import ec2_error

SNAPSHOT_FILTERS = (
    "description",
    "encrypted",
    "owner-id",
    "progress",
    "snapshot-id",
    "start-time",
    "status",
    "volume-id",
    "volume-size",
)


def snapshot_view(record: dict) -> dict:
    view = {
        "Description": record.get("Description") or "",
        "Encrypted": record["Encrypted"],
    }
    if record["Encrypted"]:
        view["KmsKeyId"] = record["KmsKeyId"]
    view.update(
        {
            "OwnerId": record["OwnerId"],
            "Progress": record["Progress"],
            "SnapshotId": record["SnapshotId"],
            "StartTime": record["StartTime"],
            "State": record["State"],
            "VolumeId": record["VolumeId"],
            "VolumeSize": record["VolumeSize"],
            "StorageTier": "standard",
        }
    )
    if record.get("Tags"):
        view["Tags"] = [dict(t) for t in record["Tags"]]
    return view


def _record(
    service,
    caller: Caller,
    snapshot_id: str,
    volume_id: str,
    size: int,
    description: str,
    dek: WrappedDataKey | None,
    tags: list,
    lineage: dict,
) -> dict:
    return {
        "SnapshotId": snapshot_id,
        "OwnerId": caller.account,
        "Region": caller.region,
        "VolumeId": volume_id,
        "VolumeSize": size,
        "Description": description,
        "Encrypted": dek is not None,
        "KmsKeyId": dek.key_arn if dek else None,
        "DataKey": dek.to_record() if dek else None,
        "State": "completed",
        "Progress": "100%",
        "StartTime": service.clock.now(),
        "Tags": tags,
        "Lineage": lineage,
    }


@operation("CreateSnapshot")
def create_snapshot(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """CreateSnapshot of an available or in-use volume (I/O pauses while its
    ciphertext is copied). The snapshot keeps the volume's DEK."""
    volume_id = resources.check_id(resources.required(params, "VolumeId"), "volume")
    volume = service.volume(caller, volume_id)
    ctx.touch(resources.volume_arn(volume["Region"], volume["OwnerId"], volume_id))
    if volume["State"] not in ("available", "in-use"):
        raise ec2_error(
            "IncorrectState", f"The volume '{volume_id}' is in the '{volume['State']}' state."
        )
    description = resources.string(params, "Description") or ""
    tags = resources.tags_from_specifications(params, "snapshot")
    snapshot_id = resources.new_id(service.entropy, "snapshot")
    ctx.touch(resources.snapshot_arn(caller.region, snapshot_id))
    path = service.snapshot_path(snapshot_id)
    with service.paused_io(volume_id):
        backing.copy_file(service.volume_path(volume_id), path, volume["Size"] * GIB)
    dek = WrappedDataKey.from_record(volume["DataKey"]) if volume["Encrypted"] else None
    record = _record(
        service,
        caller,
        snapshot_id,
        volume_id,
        volume["Size"],
        description,
        dek,
        tags,
        {"SourceVolumeId": volume_id},
    )
    try:
        with service.store.transaction():
            service.save_snapshot(record)
    except BaseException:
        backing.remove(path)
        raise
    return {**snapshot_view(record), "State": "pending", "Progress": ""}


@operation("CopySnapshot")
def copy_snapshot(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """CopySnapshot (within this engine: SourceRegion may be any region it holds).
    Encrypted / KmsKeyId choose the copy's key; a new key means a new DEK (the old
    one is decrypted through KMS) and re-encrypted data."""
    source_id = resources.check_id(resources.required(params, "SourceSnapshotId"), "snapshot")
    source_region = resources.string(params, "SourceRegion", optional=False)
    source = service.snapshot(caller.in_region(source_region), source_id)
    ctx.touch(resources.snapshot_arn(source_region, source_id))
    key_param = resources.string(params, "KmsKeyId")
    encrypted = (
        bool(resources.boolean(params, "Encrypted"))
        or source["Encrypted"]
        or service.settings.encryption_by_default(caller.account, caller.region)
    )
    if key_param and not encrypted:
        raise ec2_error(
            "InvalidParameterDependency",
            "The parameter KmsKeyId requires the parameter Encrypted to be set.",
        )
    description = resources.string(params, "Description")
    if description is None:
        description = f"[Copied {source_id} from {source_region}] {source.get('Description', '')}"
    tags = resources.tags_from_specifications(params, "snapshot")
    snapshot_id = resources.new_id(service.entropy, "snapshot")
    ctx.touch(resources.snapshot_arn(caller.region, snapshot_id))
    path = service.snapshot_path(snapshot_id)
    size_bytes = source["VolumeSize"] * GIB
    source_path = service.snapshot_path(source_id)
    dek = None
    if encrypted:
        source_dek = WrappedDataKey.from_record(source["DataKey"]) if source["Encrypted"] else None
        key_ref = (
            key_param
            or (source_dek.key_arn if source_dek else None)
            or service.settings.default_kms_key(caller.account, caller.region)
        )
        dek = prepare_encrypted_copy(
            service,
            caller,
            key_ref,
            snapshot_id,
            "snapshot",
            source_path,
            source_dek,
            path,
            size_bytes,
        )
        ctx.touch(dek.key_arn)
    else:
        backing.copy_file(source_path, path, size_bytes)
    record = _record(
        service,
        caller,
        snapshot_id,
        source["VolumeId"],
        source["VolumeSize"],
        description,
        dek,
        tags,
        {
            "SourceSnapshotId": source_id,
            "SourceRegion": source_region,
            "SourceVolumeId": source.get("Lineage", {}).get("SourceVolumeId"),
        },
    )
    try:
        with service.store.transaction():
            service.save_snapshot(record)
    except BaseException:
        backing.remove(path)
        raise
    return {"SnapshotId": snapshot_id, "Tags": tags} if tags else {"SnapshotId": snapshot_id}


@operation("DescribeSnapshots")
def describe_snapshots(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    resources.check_paging(params, "SnapshotIds", low=5, high=1000)
    wanted = resources.string_list(params, "SnapshotIds")
    for snapshot_id in wanted:
        resources.check_id(snapshot_id, "snapshot")
    owners = resources.string_list(params, "OwnerIds")
    filters = resources.parse_filters(params, SNAPSHOT_FILTERS)
    records = service.snapshots_of(caller)
    if owners and not {"self", caller.account} & set(owners):
        records = []
    if wanted:
        known = {r["SnapshotId"] for r in records}
        missing = [s for s in wanted if s not in known]
        if missing:
            raise ec2_error(
                "InvalidSnapshot.NotFound", f"The snapshot '{', '.join(missing)}' does not exist."
            )
        records = [r for r in records if r["SnapshotId"] in set(wanted)]
    views = []
    for record in records:
        view = snapshot_view(record)
        fields = {
            "snapshot-id": [view["SnapshotId"]],
            "volume-id": [view["VolumeId"]],
            "status": [view["State"]],
            "encrypted": [str(view["Encrypted"]).lower()],
            "owner-id": [view["OwnerId"]],
            "description": [view["Description"]],
            "volume-size": [str(view["VolumeSize"])],
            "progress": [view["Progress"]],
            "start-time": [str(view["StartTime"])],
        }
        if resources.matches(fields, record.get("Tags") or [], filters):
            views.append(view)
    order = service.listing_order("snapshots", "SnapshotId")
    chunk, following = paging.ec2_page(params, views, order, "SnapshotIds", low=5, high=1000)
    out: dict = {"Snapshots": chunk}
    if following:
        out["NextToken"] = following
    return out


@operation("DeleteSnapshot")
def delete_snapshot(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    snapshot_id = resources.check_id(resources.required(params, "SnapshotId"), "snapshot")
    service.snapshot(caller, snapshot_id)
    ctx.touch(resources.snapshot_arn(caller.region, snapshot_id))
    with service.store.transaction():
        service.remove_snapshot(snapshot_id)
    backing.remove(service.snapshot_path(snapshot_id))
    return {}
