"""RunInstances, DescribeInstances, TerminateInstances: just enough of an instance
to attach volumes to. Instances start running at once; terminating one detaches
its volumes (wiping their DEKs and retiring their grants)."""

from __future__ import annotations

from kmstui.caller import Caller
from kmstui.ebs import resources
from kmstui.ebs.operations import CallContext, operation
from kmstui.errors import ec2_error

STATES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}
MAX_INSTANCES_PER_CALL = 20
INSTANCE_FILTERS = (
    "availability-zone",
    "image-id",
    "instance-id",
    "instance-state-name",
    "instance-state-code",
    "instance-type",
    "reservation-id",
    "block-device-mapping.volume-id",
    "block-device-mapping.device-name",
)


def state(name: str) -> dict:
    return {"Code": STATES[name], "Name": name}


def instance_view(service, record: dict) -> dict:
    mappings = [
        {
            "DeviceName": a["Device"],
            "Ebs": {
                "AttachTime": a["AttachTime"],
                "DeleteOnTermination": a.get("DeleteOnTermination", False),
                "Status": a["State"],
                "VolumeId": a["VolumeId"],
            },
        }
        for a in service.attachment_records(instance_id=record["InstanceId"])
    ]
    view = {
        "AmiLaunchIndex": record["AmiLaunchIndex"],
        "ImageId": record["ImageId"],
        "InstanceId": record["InstanceId"],
        "InstanceType": record["InstanceType"],
        "LaunchTime": record["LaunchTime"],
        "Placement": {"AvailabilityZone": record["AvailabilityZone"], "Tenancy": "default"},
        "PrivateDnsName": record["PrivateDnsName"],
        "PrivateIpAddress": record["PrivateIpAddress"],
        "State": dict(record["State"]),
        "Architecture": "x86_64",
        "BlockDeviceMappings": mappings,
        "EbsOptimized": False,
        "Hypervisor": "xen",
        "RootDeviceName": "/dev/xvda",
        "RootDeviceType": "ebs",
        "VirtualizationType": "hvm",
        "Monitoring": {"State": "disabled"},
    }
    if record.get("Tags"):
        view["Tags"] = [dict(t) for t in record["Tags"]]
    return view


@operation("RunInstances")
def run_instances(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    image_id = resources.string(params, "ImageId", optional=False)
    if not image_id.startswith("ami-"):
        raise ec2_error("InvalidAMIID.Malformed", f'Invalid id: "{image_id}" (expecting "ami-...")')
    resources.required(params, "MinCount")
    resources.required(params, "MaxCount")
    low = resources.integer(params, "MinCount", low=1)
    high = resources.integer(params, "MaxCount", low=1)
    if low > high:
        raise ec2_error("InvalidParameterValue", "MinCount must be less than or equal to MaxCount")
    if low > MAX_INSTANCES_PER_CALL:
        raise ec2_error(
            "InstanceLimitExceeded",
            f"You have requested more instances ({low}) than your current instance "
            f"limit of {MAX_INSTANCES_PER_CALL} allows.",
        )
    count = min(high, MAX_INSTANCES_PER_CALL)
    instance_type = resources.string(params, "InstanceType") or "m1.small"
    placement = params.get("Placement") or {}
    zone = placement.get("AvailabilityZone") if isinstance(placement, dict) else None
    zone = zone or f"{caller.region}a"
    if zone not in resources.zones(caller.region):
        raise ec2_error("InvalidParameterValue", f"Invalid availability zone: [{zone}]")
    tags = resources.tags_from_specifications(
        params, "instance", ("instance", "volume", "network-interface")
    )
    entropy = service.engine.entropy
    reservation_id = resources.new_id(entropy, "reservation")
    now = service.engine.clock.now()
    records = []
    for index in range(count):
        instance_id = resources.new_id(entropy, "instance")
        octets = entropy.token_bytes(2)
        address = f"172.31.{octets[0]}.{max(4, octets[1])}"
        records.append(
            {
                "InstanceId": instance_id,
                "ReservationId": reservation_id,
                "OwnerId": caller.account,
                "Region": caller.region,
                "ImageId": image_id,
                "InstanceType": instance_type,
                "State": state("running"),
                "LaunchTime": now,
                "AvailabilityZone": zone,
                "Tags": tags,
                "AmiLaunchIndex": index,
                "PrivateIpAddress": address,
                "PrivateDnsName": f"ip-{address.replace('.', '-')}.ec2.internal",
            }
        )
        ctx.touch(resources.instance_arn(caller.region, caller.account, instance_id))
    with service.store.transaction():
        for record in records:
            service.save_instance(record)
    instances = [{**instance_view(service, r), "State": state("pending")} for r in records]
    return {
        "Groups": [],
        "Instances": instances,
        "OwnerId": caller.account,
        "ReservationId": reservation_id,
    }


def _instances_not_found(missing: list[str]):
    plural = len(missing) > 1
    return ec2_error(
        "InvalidInstanceID.NotFound",
        f"The instance ID{'s' if plural else ''} '{', '.join(missing)}' "
        f"do{'' if plural else 'es'} not exist",
    )


@operation("DescribeInstances")
def describe_instances(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    resources.check_paging(params, "InstanceIds", low=5, high=1000)
    wanted = resources.wanted_ids(params, "InstanceIds", "instance")
    filters = resources.parse_filters(params, INSTANCE_FILTERS)
    records = resources.only(service.instances_of(caller), wanted, "InstanceId",
                             _instances_not_found)
    matching = []
    for record in records:
        view = instance_view(service, record)
        ebs = [m["Ebs"]["VolumeId"] for m in view["BlockDeviceMappings"]]
        fields = {
            "instance-id": [record["InstanceId"]],
            "image-id": [record["ImageId"]],
            "instance-type": [record["InstanceType"]],
            "instance-state-name": [record["State"]["Name"]],
            "instance-state-code": [str(record["State"]["Code"])],
            "availability-zone": [record["AvailabilityZone"]],
            "reservation-id": [record["ReservationId"]],
            "block-device-mapping.volume-id": ebs,
            "block-device-mapping.device-name": [
                m["DeviceName"] for m in view["BlockDeviceMappings"]
            ],
        }
        if resources.matches(fields, record.get("Tags") or [], filters):
            matching.append((record, view))
    chunk, following = resources.page(params, matching, "InstanceIds", low=5, high=1000)
    reservations: dict[str, dict] = {}
    for record, view in chunk:
        reservation = reservations.setdefault(
            record["ReservationId"],
            {
                "Groups": [],
                "Instances": [],
                "OwnerId": record["OwnerId"],
                "ReservationId": record["ReservationId"],
            },
        )
        reservation["Instances"].append(view)
    out: dict = {"Reservations": list(reservations.values())}
    if following:
        out["NextToken"] = following
    return out


@operation("TerminateInstances")
def terminate_instances(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """TerminateInstances: each instance's volumes are detached (their DEKs wiped,
    grants retired); those marked DeleteOnTermination are deleted."""
    from kmstui.ebs import backing
    from kmstui.ebs.attachments import detach

    wanted = resources.string_list(params, "InstanceIds")
    if not wanted:
        raise ec2_error("MissingParameter", "The request must contain the parameter InstanceId")
    records = [service.instance(caller, resources.check_id(i, "instance")) for i in wanted]
    out = []
    for record in records:
        instance_id = record["InstanceId"]
        ctx.touch(resources.instance_arn(record["Region"], record["OwnerId"], instance_id))
        previous = dict(record["State"])
        for attachment in service.attachment_records(instance_id=instance_id):
            volume = service.volume_record(attachment["VolumeId"])
            detach(service, caller, ctx, volume, attachment)
            if attachment.get("DeleteOnTermination"):
                with service.store.transaction():
                    service.remove_volume(volume["VolumeId"])
                backing.remove(service.volume_path(volume["VolumeId"]))
        if previous["Name"] != "terminated":
            with service.store.transaction():
                service.save_instance({**record, "State": state("terminated")})
        current = (
            state("terminated") if previous["Name"] == "terminated" else state("shutting-down")
        )
        out.append({"CurrentState": current, "InstanceId": instance_id, "PreviousState": previous})
    return {"TerminatingInstances": out}
