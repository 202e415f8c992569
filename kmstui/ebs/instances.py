"""RunInstances, DescribeInstances, StopInstances, StartInstances, TerminateInstances:
just enough of an instance to attach volumes to. Instances start running at once.

Stopping one is a host stop for its volumes: their I/O stops and their DEKs are wiped
from memory, while the attachments and their grants stay. Starting it decrypts each
DEK again through KMS, as the instance's infrastructure principal; if KMS refuses one
(the key was disabled meanwhile) the instance goes back to stopped with AWS's state
reason, and the refusal is in the event stream. Terminating one detaches its volumes
(wiping their DEKs and retiring their grants)."""

from __future__ import annotations

from collections.abc import Mapping

from kmstui import paging
from kmstui.caller import Caller
from kmstui.ebs import resources
from kmstui.ebs.operations import CallContext, operation
from kmstui.ebs.records import InstanceState
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


def state(name: str) -> InstanceState:
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
    if record.get("StateReason"):
        view["StateReason"] = dict(record["StateReason"])
    view["StateTransitionReason"] = record.get("StateTransitionReason", "")
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
    assert low is not None and high is not None  # both required above
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
    entropy = service.entropy
    reservation_id = resources.new_id(entropy, "reservation")
    now = service.clock.now()
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
    records = resources.only(
        service.instances_of(caller), wanted, "InstanceId", _instances_not_found
    )
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
    order = service.listing_order("instances", "InstanceId")
    chunk, following = paging.ec2_page(
        params,
        matching,
        lambda found: order(found[0]),
        "InstanceIds",
        low=5,
        high=1000,
    )
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

    records = _named_instances(service, params, caller, ctx)
    out = []
    for record in records:
        instance_id = record["InstanceId"]
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


def _named_instances(service, params: dict, caller: Caller, ctx: CallContext) -> list[dict]:
    """The instances a Stop/Start/TerminateInstances request names, each of which must
    exist (InvalidInstanceID.NotFound otherwise)."""
    wanted = resources.string_list(params, "InstanceIds")
    if not wanted:
        raise ec2_error("MissingParameter", "The request must contain the parameter InstanceId")
    records = [service.instance(caller, resources.check_id(i, "instance")) for i in wanted]
    for record in records:
        ctx.touch(resources.instance_arn(record["Region"], record["OwnerId"], record["InstanceId"]))
    return records


def _refuse_unless(records: list[dict], allowed: tuple[str, ...], verb: str) -> None:
    for record in records:
        if record["State"]["Name"] not in allowed:
            raise ec2_error(
                "IncorrectInstanceState",
                f"This instance '{record['InstanceId']}' is not in a state from which it "
                f"can be {verb}.",
            )


def _transition(when: float) -> str:
    from kmstui.clock import iso8601

    return f"User initiated ({iso8601(when).replace('T', ' ').replace('Z', ' GMT')})"


@operation("StopInstances")
def stop_instances(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """StopInstances: each running instance's volumes stop their I/O and their DEKs are
    wiped from memory (DataKeyWiped); attachments and grants stay. A stopped instance
    is left as it is; a terminated one is IncorrectInstanceState."""
    resources.boolean(params, "Force")
    resources.boolean(params, "Hibernate")
    records = _named_instances(service, params, caller, ctx)
    _refuse_unless(records, ("pending", "running", "stopping", "stopped"), "stopped")
    out = []
    for record in records:
        previous = dict(record["State"])
        if previous["Name"] in ("pending", "running"):
            for attachment in service.attachment_records(instance_id=record["InstanceId"]):
                volume = service.volume_record(attachment["VolumeId"])
                service.unload_attachment(volume, attachment, "instance stopped")
            with service.store.transaction():
                service.save_instance(
                    {
                        **record,
                        "State": state("stopped"),
                        "StateTransitionReason": _transition(ctx.now or service.clock.now()),
                        "StateReason": {
                            "Code": "Client.UserInitiatedShutdown",
                            "Message": "Client.UserInitiatedShutdown: User initiated shutdown",
                        },
                    }
                )
            current: Mapping[str, object] = state("stopping")
        else:
            current = previous
        out.append(
            {"CurrentState": current, "InstanceId": record["InstanceId"], "PreviousState": previous}
        )
    return {"StoppingInstances": out}


@operation("StartInstances")
def start_instances(service, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """StartInstances: each stopped instance's encrypted volumes have their DEKs
    decrypted again through KMS (DataKeyLoaded). If KMS refuses one, none is kept and
    the instance goes back to stopped with the reason AWS gives
    (Client.InternalError); the refusal is in the event stream. A running instance is
    left as it is; a terminated one is IncorrectInstanceState."""
    from kmstui.errors import AwsError

    records = _named_instances(service, params, caller, ctx)
    _refuse_unless(records, ("pending", "running", "stopping", "stopped"), "started")
    out = []
    for record in records:
        previous = dict(record["State"])
        out.append(
            {
                "CurrentState": state("pending") if previous["Name"] == "stopped" else previous,
                "InstanceId": record["InstanceId"],
                "PreviousState": previous,
            }
        )
        if previous["Name"] != "stopped":
            continue
        loaded = []
        failure = None
        try:
            for attachment in service.attachment_records(instance_id=record["InstanceId"]):
                volume = service.volume_record(attachment["VolumeId"])
                loaded.append((volume, attachment, service.load_attachment(volume, attachment)))
        except BaseException as exc:
            for _volume, _attachment, live in loaded:
                live.wipe()
            if not isinstance(exc, AwsError):
                raise
            failure = exc
        if failure is not None:
            extra = ctx.extra.setdefault("additionalEventData", {})
            extra.setdefault("launchFailures", {})[record["InstanceId"]] = failure.code
            with service.store.transaction():
                service.save_instance(
                    {
                        **record,
                        "State": state("stopped"),
                        "StateReason": {
                            "Code": "Client.InternalError",
                            "Message": "Client.InternalError: Client error on launch",
                        },
                    }
                )
            continue
        with service.store.transaction():
            # stored records are updated in place: the reason is cleared, not left out
            service.save_instance(
                {
                    **record,
                    "State": state("running"),
                    "StateReason": None,
                    "StateTransitionReason": "",
                }
            )
        for volume, attachment, live in loaded:
            service.live[volume["VolumeId"]] = live
            if volume["Encrypted"]:
                service.data_key_event("DataKeyLoaded", volume, attachment, "instance started")
    return {"StartingInstances": out}
