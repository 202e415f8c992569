"""What a person does to one volume, from the Volumes list, an instance's volumes or
the volume's detail alike: attach, detach, snapshot, copy a snapshot to another key,
start and stop I/O workloads.

:class:`VolumeActions` is mixed into a widget or screen that knows its volume
(``selected``: a DescribeVolumes item, or None) and its ``feed``; every request goes
through the console's ``app.perform`` (a worker, AWS errors as the error dialog, the
screen read again afterwards).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kmstui.errors import AwsError
from kmstui.ui.actions import Action
from kmstui.ui.dialogs.confirm import ConfirmScreen
from kmstui.ui.live.dialogs import NEW_INSTANCE, AttachScreen, CopySnapshotScreen, WorkloadScreen
from kmstui.ui.seam import backend_of

if TYPE_CHECKING:
    from textual.widget import Widget

    from kmstui.ui.host import InConsole
    from kmstui.ui.live.feed import LiveFeed

    class _VolumeHost(InConsole, Widget):
        """What the mixin uses of the widget or screen it is mixed into."""

        @property
        def feed(self) -> LiveFeed | None: ...

else:
    _VolumeHost = object

Call = Callable[[str, dict], dict]

DEFAULT_IMAGE = "ami-0kmstui00000000"
DEFAULT_INSTANCE_TYPE = "t3.micro"

ATTACH = Action(
    "volume.attach",
    "attach",
    "attach",
    "Attach",
    "Attach the volume to an instance: EC2 grants and decrypts its data key",
)
DETACH = Action(
    "volume.detach",
    "detach",
    "detach",
    "Detach",
    "Detach the volume: its data key is wiped from memory",
)
SNAPSHOT = Action(
    "volume.snapshot", "snapshot", "snapshot", "Snapshot", "Snapshot the volume (same DEK)"
)
COPY_SNAPSHOT = Action(
    "volume.copy-snapshot",
    "copy-snapshot",
    "copy_snapshot",
    "Copy snapshot",
    "Copy a snapshot of the volume under another key (new DEK)",
    show=False,
)
WORKLOAD = Action(
    "volume.workload",
    "workload",
    "workload",
    "Workload",
    "Start an fio-like I/O workload on the attached volume",
)
STOP_WORKLOAD = Action(
    "volume.stop-workload",
    "stop",
    "stop_workload",
    "Stop I/O",
    "Stop the volume's workloads",
    show=False,
)


def key_choices(call: Call) -> list[tuple[str, str]]:
    """Customer keys by alias (ListAliases), for the key pickers."""
    out = []
    marker = None
    while True:
        page = call("ListAliases", {**({"Marker": marker} if marker else {})})
        for entry in page.get("Aliases", []):
            if entry.get("TargetKeyId") and not entry["AliasName"].startswith("alias/aws/"):
                out.append((entry["AliasName"], entry["AliasName"]))
        if not page.get("Truncated"):
            return sorted(out)
        marker = page.get("NextMarker")


def instance_name(instance: dict) -> str:
    """The instance's Name tag, or ''."""
    return next((t["Value"] for t in instance.get("Tags", []) if t.get("Key") == "Name"), "")


def describe_instances(call: Call) -> list[dict]:
    """Every instance (DescribeInstances, all pages), in the order EC2 lists them."""
    out: list[dict] = []
    token = None
    while True:
        page = call("DescribeInstances", {**({"NextToken": token} if token else {})})
        for reservation in page.get("Reservations", []):
            out.extend(reservation.get("Instances", []))
        token = page.get("NextToken")
        if not token:
            return out


def attach_choices(call: Call) -> tuple[list[tuple[str, str]], dict[str, set[str]]]:
    """The instances a volume may be attached to (running or stopped), and the devices
    each already uses."""
    choices, used = [], {}
    for instance in describe_instances(call):
        state = instance.get("State", {}).get("Name")
        if state not in ("running", "stopped"):
            continue
        label = f"{instance['InstanceId']} {instance_name(instance)}".strip()
        if state == "stopped":
            label += " (stopped: keys load when it starts)"
        choices.append((label, instance["InstanceId"]))
        used[instance["InstanceId"]] = {
            m["DeviceName"] for m in instance.get("BlockDeviceMappings", [])
        }
    return choices, used


def run_instance(
    call: Call, zone: str, instance_type: str = DEFAULT_INSTANCE_TYPE, name: str = ""
) -> str:
    """RunInstances: one instance in ``zone`` (with a Name tag if ``name``); its id."""
    params: dict = {
        "ImageId": DEFAULT_IMAGE,
        "InstanceType": instance_type,
        "MinCount": 1,
        "MaxCount": 1,
        "Placement": {"AvailabilityZone": zone},
    }
    if name:
        params["TagSpecifications"] = [
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}
        ]
    return call("RunInstances", params)["Instances"][0]["InstanceId"]


def snapshots_of(call: Call, volume_id: str) -> list[dict]:
    return call(
        "DescribeSnapshots",
        {"OwnerIds": ["self"], "Filters": [{"Name": "volume-id", "Values": [volume_id]}]},
    ).get("Snapshots", [])


class VolumeActions(_VolumeHost):
    """Attach, detach, snapshot, copy a snapshot, start and stop workloads on
    ``self.selected``."""

    ONE_VOLUME_ACTIONS = (ATTACH, DETACH, SNAPSHOT, COPY_SNAPSHOT, WORKLOAD, STOP_WORKLOAD)

    @property
    def selected(self) -> dict | None:
        raise NotImplementedError

    @property
    def aws_region(self) -> str:
        """The Region the console's requests are made in (its Availability Zones)."""
        from kmstui.ui.region import console_region

        return console_region(self)

    def _need(self, attached: bool | None = None) -> dict | None:
        volume = self.selected
        if volume is None:
            self.notify("Select a volume first", markup=False)
            return None
        is_attached = bool(volume.get("Attachments"))
        if attached is True and not is_attached:
            self.notify(f"{volume['VolumeId']} is not attached", markup=False)
            return None
        if attached is False and is_attached:
            self.notify(f"{volume['VolumeId']} is attached: detach it first", markup=False)
            return None
        return volume

    def action_attach(self) -> None:
        volume = self._need(attached=False)
        if volume is None:
            return
        volume_id = volume["VolumeId"]

        def ask(found: tuple[list[tuple[str, str]], dict[str, set[str]]]) -> None:
            choices, used = found
            self.app.push_screen(AttachScreen(volume_id, choices, used), attach)

        def attach(choice: dict | None) -> None:
            if not choice:
                return

            def job(call: Call) -> dict:
                instance_id = choice["InstanceId"]
                if instance_id == NEW_INSTANCE:
                    instance_id = run_instance(call, volume["AvailabilityZone"])
                return call(
                    "AttachVolume",
                    {"VolumeId": volume_id, "InstanceId": instance_id, "Device": choice["Device"]},
                )

            self.app.perform("AttachVolume", job, success=f"{volume_id} attached")

        self.app.perform("DescribeInstances", attach_choices, then=ask)

    def action_detach(self) -> None:
        volume = self._need(attached=True)
        if volume is None:
            return
        volume_id = volume["VolumeId"]

        def detach(yes: bool | None) -> None:
            if yes:
                self.app.submit(
                    "DetachVolume",
                    {"VolumeId": volume_id},
                    success=f"{volume_id} detached; its data key was wiped",
                )

        self.app.push_screen(
            ConfirmScreen(
                "Detach volume",
                f"Detach {volume_id}? Its workloads stop and the plaintext data key is wiped "
                "from memory; attaching again asks KMS to decrypt it.",
                confirm="Detach",
                destructive=False,
            ),
            detach,
        )

    def action_snapshot(self) -> None:
        volume = self._need()
        if volume is not None:
            volume_id = volume["VolumeId"]
            self.app.submit(
                "CreateSnapshot",
                {"VolumeId": volume_id},
                success=f"Snapshot of {volume_id} started",
            )

    def action_copy_snapshot(self) -> None:
        volume = self._need()
        if volume is None:
            return
        volume_id = volume["VolumeId"]

        def choices(call: Call) -> tuple[list, list]:
            snaps = snapshots_of(call, volume_id)
            return [(s["SnapshotId"], s["SnapshotId"]) for s in snaps], key_choices(call)

        def ask(found: tuple[list, list]) -> None:
            snaps, keys = found
            if not snaps:
                self.notify(f"{volume_id} has no snapshots yet (S takes one)", markup=False)
                return
            self.app.push_screen(CopySnapshotScreen(snaps, keys, self.aws_region), copy)

        def copy(params: dict | None) -> None:
            if params:
                self.app.submit("CopySnapshot", params, success="Snapshot copied under the new key")

        self.app.perform("DescribeSnapshots", choices, then=ask)

    def action_workload(self) -> None:
        volume = self._need(attached=True)
        if volume is None:
            return
        backend = backend_of(self)
        workloads = backend.workloads
        if workloads is None:
            why = backend.capabilities.workloads.why_not
            self.notify(f"Workloads: {why}", severity="warning", markup=False)
            return
        volume_id = volume["VolumeId"]
        in_memory = self.feed is not None and volume_id in self.feed.attached()

        def job(spec: dict) -> str:
            try:
                return workloads.start(volume_id, spec)
            except AwsError as exc:
                if in_memory:
                    raise
                raise AwsError(
                    f"{exc.message} The volume's data key is not in memory in this "
                    "process (it was attached before), so KMS must decrypt it again and "
                    "refused. Fix the cause (enable the key, say), then detach and "
                    "attach the volume, or stop and start its instance.",
                    code=exc.code,
                ) from exc

        def start(spec: dict | None) -> None:
            if spec:
                self.app.perform(
                    "workload: start",
                    lambda _call: job(spec),
                    success=f"Workload started on {volume_id}",
                )

        self.app.push_screen(WorkloadScreen(volume_id), start)

    def action_stop_workload(self) -> None:
        volume = self.selected
        workloads = backend_of(self).workloads
        if volume is None or workloads is None:
            return
        volume_id = volume["VolumeId"]
        self.app.perform(
            "workload: stop",
            lambda _call: workloads.stop(volume_id),
            success=f"Workloads on {volume_id} stopped",
        )
