"""AttachVolume and DetachVolume: where a volume's DEK is decrypted and wiped.

Attach (encrypted volume, AWS caller model): CreateGrant for the instance's
infrastructure principal, then Decrypt as its session; the plaintext DEK goes
into the :class:`~kmstui.ebs.attachment.Attachment` in memory (for a stopped
instance, when it starts). If the Decrypt is
refused the grant is retired again and the volume stays available. Detach closes
the device, wipes the DEK and retires the grant. Both record the attachment in
the "attachments" table so it survives a restart (the DEK does not).
"""

from __future__ import annotations

import re

from kmstui.caller import Caller
from kmstui.ebs import resources
from kmstui.ebs.datakeys import WrappedDataKey
from kmstui.ebs.operations import CallContext, operation
from kmstui.ebs.volumes import attachment_view
from kmstui.errors import AwsError, ec2_error

_DEVICE = re.compile(r"^(/dev/)?(sd[a-z]{1,2}|xvd[a-z]{1,2}|hd[a-z])[0-9]{0,2}$")


@operation("AttachVolume")
def attach_volume(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """AttachVolume. VolumeInUse if attached, IncorrectState if not available,
    IncorrectInstanceState for a terminated instance, InvalidVolume.ZoneMismatch,
    InvalidParameterValue for a bad or taken device; a KMS refusal of the grant or
    the Decrypt fails the attach with that KMS error."""
    volume_id = resources.check_id(resources.required(params, "VolumeId"), "volume")
    instance_id = resources.check_id(resources.required(params, "InstanceId"), "instance")
    device = resources.string(params, "Device", optional=False)
    volume = service.volume(caller, volume_id)
    instance = service.instance(caller, instance_id)
    ctx.touch(resources.volume_arn(volume["Region"], volume["OwnerId"], volume_id))
    ctx.touch(resources.instance_arn(instance["Region"], instance["OwnerId"], instance_id))
    if not _DEVICE.match(device):
        raise ec2_error(
            "InvalidParameterValue",
            f"Value ({device}) for parameter device is invalid. {device} is not a "
            "valid EBS device name.",
        )
    if service.attachment_records(volume_id):
        raise ec2_error("VolumeInUse", f"{volume_id} is already attached to an instance")
    if volume["State"] != "available":
        raise ec2_error(
            "IncorrectState", f"The volume '{volume_id}' is in the '{volume['State']}' state."
        )
    if instance["State"]["Name"] not in ("running", "stopped"):
        raise ec2_error(
            "IncorrectInstanceState",
            f"The instance '{instance_id}' is not in a valid state for this operation.",
        )
    if instance["AvailabilityZone"] != volume["AvailabilityZone"]:
        raise ec2_error(
            "InvalidVolume.ZoneMismatch",
            f"The volume '{volume_id}' is not in the same availability zone as "
            f"instance '{instance_id}'",
        )
    if any(a["Device"] == device for a in service.attachment_records(instance_id=instance_id)):
        raise ec2_error(
            "InvalidParameterValue",
            f"Invalid value '{device}' for unixDevice. Attachment point {device} is already in use",
        )

    dek = WrappedDataKey.from_record(volume["DataKey"]) if volume["Encrypted"] else None
    grant_id = None
    plaintext = None
    # a stopped instance's volumes get their DEKs when it starts (StartInstances)
    running = instance["State"]["Name"] == "running"
    if dek is not None:
        ctx.touch(dek.key_arn)
        grant_id = service.datakeys.create_grant(caller, dek, instance_id)
    if dek is not None and running:
        try:
            plaintext = service.datakeys.decrypt_for_instance(
                dek, volume["OwnerId"], volume["Region"], instance_id
            )
        except AwsError:
            ctx.extra["additionalEventData"] = {
                "grantId": grant_id,
                "grantRetired": service.datakeys.retire_grant(caller, dek.key_arn, grant_id),
            }
            raise
    now = service.clock.now()
    record = {
        "VolumeId": volume_id,
        "InstanceId": instance_id,
        "Device": device,
        "State": "attached",
        "AttachTime": now,
        "DeleteOnTermination": False,
        "GrantId": grant_id,
        "KeyArn": dek.key_arn if dek else None,
        "OwnerId": volume["OwnerId"],
        "Region": volume["Region"],
    }
    attachment = None
    try:
        if running:
            attachment = service.open_attachment(volume, record, plaintext)
        with service.store.transaction():
            service.save_attachment(record)
            service.save_volume({**volume, "State": "in-use"})
    except BaseException:
        if attachment is not None:
            attachment.wipe()
        elif plaintext is not None:
            plaintext[:] = bytes(len(plaintext))
        if dek is not None:
            service.datakeys.retire_grant(caller, dek.key_arn, grant_id)
        raise
    if attachment is not None:
        service.live[volume_id] = attachment
    if dek is not None:
        ctx.extra["additionalEventData"] = {
            "grantId": grant_id,
            "dataKey": "decrypted into the attachment's memory"
            if running
            else "decrypted when the instance starts",
        }
        if running:
            service.data_key_event("DataKeyLoaded", volume, record, "attach")
    return {**attachment_view(record), "State": "attaching"}


@operation("DetachVolume")
def detach_volume(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """DetachVolume. IncorrectState if the volume is not attached,
    InvalidAttachment.NotFound if InstanceId / Device name another attachment."""
    volume_id = resources.check_id(resources.required(params, "VolumeId"), "volume")
    instance_id = resources.string(params, "InstanceId")
    device = resources.string(params, "Device")
    resources.boolean(params, "Force")
    volume = service.volume(caller, volume_id)
    ctx.touch(resources.volume_arn(volume["Region"], volume["OwnerId"], volume_id))
    attachments = service.attachment_records(volume_id)
    if not attachments:
        raise ec2_error(
            "IncorrectState", f"Volume '{volume_id}' is in the '{volume['State']}' state."
        )
    record = attachments[0]
    if instance_id is not None:
        resources.check_id(instance_id, "instance")
        if record["InstanceId"] != instance_id:
            raise ec2_error(
                "InvalidAttachment.NotFound",
                f"The volume '{volume_id}' is not attached to instance '{instance_id}'.",
            )
    if device is not None and record["Device"] != device:
        raise ec2_error(
            "InvalidAttachment.NotFound",
            f"The volume '{volume_id}' is not attached at device '{device}'.",
        )
    return detach(service, caller, ctx, volume, record)


def detach(service, caller: Caller, ctx: CallContext, volume: dict, record: dict) -> dict:
    """Stop I/O, wipe the DEK, retire the grant, record the volume as available."""
    volume_id = volume["VolumeId"]
    ctx.touch(resources.instance_arn(record["Region"], record["OwnerId"], record["InstanceId"]))
    service.unload_attachment(volume, record, "detach")
    if record.get("GrantId"):
        ctx.touch(record["KeyArn"])
        retired = service.datakeys.retire_grant(caller, record["KeyArn"], record["GrantId"])
        ctx.extra.setdefault("additionalEventData", {}).update(
            {"grantId": record["GrantId"], "grantRetired": retired}
        )
    with service.store.transaction():
        service.remove_attachment(volume_id)
        service.save_volume({**service.volume_record(volume_id), "State": "available"})
    return {**attachment_view(record), "State": "detaching"}
