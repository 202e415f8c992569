"""Volumes: the account's EBS volumes, which CMK protects each, where it is attached
and how fast it is moving data; create, attach, detach, snapshot, copy a snapshot
to another key, delete, and start or stop I/O workloads.

Requests go through ``call`` (the console's acting-as entry point) on a worker
thread; an AWS error comes back as the error dialog. The MiB/s column is redrawn by
a timer at a few hertz from the metrics, never per I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from kmstui.errors import AwsError
from kmstui.ui.actions import Action, bindings
from kmstui.ui.dialogs.confirm import ConfirmScreen
from kmstui.ui.dialogs.error import ErrorScreen
from kmstui.ui.format import plain, shorten
from kmstui.ui.live.dialogs import (
    NEW_INSTANCE,
    AttachScreen,
    CopySnapshotScreen,
    CreateVolumeScreen,
    WorkloadScreen,
)
from kmstui.ui.live.feed import BackendFeed, LiveFeed
from kmstui.ui.live.graphs import rate

Call = Callable[[str, dict], dict]
REFRESH_HZ = 4

VOLUME_COLUMNS = [
    ("id", "Volume"),
    ("size", "Size"),
    ("type", "Type"),
    ("state", "State"),
    ("enc", "Encrypted"),
    ("key", "CMK"),
    ("attached", "Attached to"),
    ("rate", "MiB/s"),
]
# Narrower, the table drops what the detail view shows anyway (a volume without a CMK
# is the unencrypted one) and shortens the CMK and the instance, so it never scrolls
# sideways.
NARROW_VOLUMES = ("id", "size", "state", "key", "attached", "rate")
MEDIUM_VOLUMES = ("id", "size", "type", "state", "key", "attached", "rate")
MEDIUM_VOLUMES_FROM, WIDE_VOLUMES_FROM = 96, 112


def volume_columns(width: int) -> tuple[str, ...]:
    if width >= WIDE_VOLUMES_FROM:
        return tuple(key for key, _title in VOLUME_COLUMNS)
    return MEDIUM_VOLUMES if width >= MEDIUM_VOLUMES_FROM else NARROW_VOLUMES


VOLUME_ACTIONS = [
    Action("volume.create", "new", "create", "Create", "Create a volume (encrypted under a CMK)"),
    Action(
        "volume.attach",
        "attach",
        "attach",
        "Attach",
        "Attach the volume to an instance: EC2 grants and decrypts its data key",
    ),
    Action(
        "volume.detach",
        "detach",
        "detach",
        "Detach",
        "Detach the volume: its data key is wiped from memory",
    ),
    Action("volume.snapshot", "snapshot", "snapshot", "Snapshot", "Snapshot the volume (same DEK)"),
    Action(
        "volume.copy-snapshot",
        "copy-snapshot",
        "copy_snapshot",
        "Copy snapshot",
        "Copy a snapshot of the volume under another key (new DEK)",
        show=False,
    ),
    Action("volume.delete", "delete", "delete", "Delete", "Delete the volume and its data"),
    Action(
        "volume.workload",
        "workload",
        "workload",
        "Workload",
        "Start an fio-like I/O workload on the attached volume",
    ),
    Action(
        "volume.stop-workload",
        "stop",
        "stop_workload",
        "Stop I/O",
        "Stop the volume's workloads",
        show=False,
    ),
    Action(
        "volume.open",
        "open",
        "open",
        "Details",
        "The volume's data-key lifecycle, snapshots and throughput",
        show=False,
    ),
    Action(
        "volume.filter",
        "filter",
        "filter",
        "Filter",
        "Show only matching volumes (id, state, key, instance)",
        key_display="/",
        show=False,
    ),
    Action("volume.refresh", "refresh", "reload", "Refresh", "Read the volumes again", show=False),
]


def volume_text(volume: dict) -> str:
    """What the filter searches: the id, state, type, key and instances."""
    instances = " ".join(a.get("InstanceId", "") for a in volume.get("Attachments", []))
    parts = [volume.get("VolumeId", ""), volume.get("State", ""), volume.get("VolumeType", "")]
    return " ".join([*parts, str(volume.get("KmsKeyId") or ""), instances]).lower()


class VolumesRead(Message):
    def __init__(self, volumes: list[dict] | None, problem: str | None = None):
        super().__init__()
        self.volumes, self.problem = volumes, problem


class RequestDone(Message):
    def __init__(
        self,
        label: str,
        result: Any = None,
        error: AwsError | None = None,
        then: Callable[[Any], None] | None = None,
        success: str | None = None,
    ):
        super().__init__()
        self.label, self.result, self.error = label, result, error
        self.then, self.success = then, success


def key_choices(call: Call, alias: Callable[[str], str]) -> list[tuple[str, str]]:
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


class VolumesPane(Vertical):
    """``VolumesPane(backend, call)``: ``call(operation, params)`` makes a request as the
    console's acting-as principal."""

    DEFAULT_CSS = """
    VolumesPane { height: 1fr; }
    VolumesPane #volumes-note { height: 1; padding: 0 1; color: $text-muted; }
    VolumesPane DataTable { height: 1fr; }
    VolumesPane #volumes-filter { display: none; height: 1; border: none; padding: 0 1; }
    VolumesPane #volumes-filter.-shown { display: block; }
    """
    BINDINGS = bindings(*VOLUME_ACTIONS)

    def __init__(
        self, backend=None, call: Call | None = None, *, feed: LiveFeed | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        self.backend = backend
        self.call = call
        self.feed: LiveFeed | None = (
            feed if feed is not None else (BackendFeed(backend) if backend is not None else None)
        )
        self.volumes: list[dict] = []
        self.filter_text = ""
        self._timer = None
        self._layout: tuple[str, ...] = ()

    @property
    def shown(self) -> list[dict]:
        """The volumes the filter lets through (all of them without a filter)."""
        needle = self.filter_text.lower()
        if not needle:
            return self.volumes
        return [v for v in self.volumes if needle in volume_text(v)]

    def action_filter(self) -> None:
        box = self.query_one("#volumes-filter", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#volumes-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._fill(self.query_one(DataTable), self.selected_id)

    @on(Input.Submitted, "#volumes-filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def on_key(self, event) -> None:
        box = self.query_one("#volumes-filter", Input)
        if event.key == "escape" and box.has_focus:
            box.value = ""
            box.remove_class("-shown")
            self.query_one(DataTable).focus()
            event.stop()

    def compose(self) -> ComposeResult:
        yield Static("", id="volumes-note")
        yield Input(placeholder="filter: volume id, state, key, instance…", id="volumes-filter")
        yield DataTable(id="volumes", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self._lay_out(table)
        self._fill(table, None)
        table.focus()
        self.reload()
        self._tick()

    def attach_backend(self, backend, call: Call) -> None:
        if self.backend is None and backend is not None:
            self.backend, self.call = backend, call
            if self.feed is None:
                self.feed = BackendFeed(backend)

    # -- reading ----------------------------------------------------------------------
    def reload(self) -> None:
        if self.backend is None and self.feed is None:
            self.query_one("#volumes-note", Static).update("Opening the data directory…")
            return
        self._read()

    def action_reload(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="volumes-read", exit_on_error=False)
    def _read(self) -> None:
        try:
            volumes = self.call("DescribeVolumes", {}).get("Volumes", [])
        except AwsError as exc:
            self.post_message(VolumesRead(None, f"{exc.code}: {exc.message}"))
            return
        self.post_message(VolumesRead(volumes))

    @on(VolumesRead)
    def _show(self, message: VolumesRead) -> None:
        note = self.query_one("#volumes-note", Static)
        table = self.query_one(DataTable)
        if message.volumes is None:
            note.update(plain(f"✕ {message.problem}"))
            return
        selected = self.selected_id
        self.volumes = message.volumes
        self._fill(table, selected)
        note.update(
            plain(
                f"{len(message.volumes)} volume(s) · n create · a attach · "
                "w workload · Enter details"
            )
        )

    def _width(self) -> int:
        return self.size.width or self.app.size.width

    def _lay_out(self, table: DataTable) -> bool:
        """Columns for the pane's width; True when they changed (the rows are then
        filled again, which sets the columns' widths)."""
        columns = volume_columns(self._width())
        if columns == self._layout:
            return False
        self._layout = columns
        return True

    def _fill(self, table: DataTable, selected: str | None) -> None:
        """Columns and rows together. Each column is as wide as its widest cell, set
        here: DataTable measures new rows only when it is next idle, and after columns
        are replaced on a resize it kept the old header widths (ids cut to "vol-1…")."""
        alias = self.feed.key_alias if self.feed is not None else (lambda k: k)
        short = self._layout != volume_columns(WIDE_VOLUMES_FROM)
        narrow = self._layout == NARROW_VOLUMES
        rows = []
        for volume in self.shown:
            instances = [a.get("InstanceId", "") for a in volume.get("Attachments", [])]
            if narrow:
                instances = [shorten(i, 11) for i in instances]
            key = volume.get("KmsKeyId")
            key_text = alias(key) if key else "—"
            if short:
                key_text = shorten(key_text.removeprefix("alias/"), 16)
            cells = {
                "id": plain(volume["VolumeId"]),
                "size": plain(f"{volume.get('Size', '')} GiB"),
                "type": plain(volume.get("VolumeType", "")),
                "state": plain(volume.get("State", "")),
                "enc": Text("yes" if volume.get("Encrypted") else "no"),
                "key": plain(key_text),
                "attached": plain(", ".join(instances) or "—"),
                "rate": Text("—", justify="right"),
            }
            rows.append((volume["VolumeId"], [cells[c] for c in self._layout]))
        table.clear(columns=True)
        for index, (key, title) in enumerate(
            (key, title) for key, title in VOLUME_COLUMNS if key in self._layout
        ):
            widest = max((row[index].cell_len for _id, row in rows), default=0)
            width = max(len(title), widest)
            table.add_column(title, key=key, width=width)
        for volume_id, cells in rows:
            table.add_row(*cells, key=volume_id)
        if selected is not None and selected in {v["VolumeId"] for v in self.shown}:
            table.move_cursor(row=table.get_row_index(selected))
        self._rates()

    def on_resize(self) -> None:
        table = self.query_one(DataTable)
        selected = self.selected_id
        if self._lay_out(table):
            self._fill(table, selected)

    @property
    def selected(self) -> dict | None:
        table = self.query_one(DataTable)
        shown = self.shown
        if not shown or table.cursor_row >= len(shown):
            return None
        return shown[table.cursor_row]

    @property
    def selected_id(self) -> str | None:
        volume = self.selected
        return volume["VolumeId"] if volume else None

    # -- live column ------------------------------------------------------------------
    def _tick(self) -> None:
        try:
            self._rates()
        finally:
            if self.is_attached:
                self._timer = self.set_timer(1 / REFRESH_HZ, self._tick)

    def _rates(self) -> None:
        if self.feed is None or not self.volumes:
            return
        table = self.query_one(DataTable)
        attached = self.feed.attached()
        for volume in self.shown:
            volume_id = volume["VolumeId"]
            if volume_id not in attached:
                text = "—"
            else:
                sample = self.feed.throughput(volume_id)
                busy = "● " if self.feed.jobs(volume_id) else ""
                text = f"{busy}{rate(sample.mibps)}"
            try:
                if str(table.get_cell(volume_id, "rate")) != text:
                    table.update_cell(volume_id, "rate", Text(text, justify="right"))
            except Exception:  # noqa: BLE001 - the row went between read and redraw
                continue

    # -- requests ---------------------------------------------------------------------
    def request(
        self,
        label: str,
        job: Callable[[Call], Any],
        *,
        then: Callable[[Any], None] | None = None,
        success: str | None = None,
    ) -> None:
        self._request(label, job, then, success)

    @work(thread=True, group="volumes-request", exit_on_error=False)
    def _request(self, label, job, then, success) -> None:
        try:
            result = job(self.call)
        except AwsError as exc:
            self.post_message(RequestDone(label, error=exc))
            return
        except ValueError as exc:
            self.post_message(
                RequestDone(label, error=AwsError(str(exc), code="ValidationException"))
            )
            return
        self.post_message(RequestDone(label, result, then=then, success=success))

    @on(RequestDone)
    def _done(self, message: RequestDone) -> None:
        if message.error is not None:
            self.app.push_screen(
                ErrorScreen(message.error.code, message.error.message, message.label)
            )
        else:
            if message.success:
                self.notify(message.success, markup=False)
            if message.then is not None:
                message.then(message.result)
        self.reload()

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

    @property
    def aws_region(self) -> str:
        """The Region the console's requests are made in (its Availability Zones)."""
        acting = getattr(self.app, "acting_as", None)
        if acting is not None and not callable(acting):
            return acting.region
        return getattr(self.backend, "region", "us-east-1")

    def action_create(self) -> None:
        def ask(keys: list[tuple[str, str]]) -> None:
            self.app.push_screen(CreateVolumeScreen(keys, f"{self.aws_region}a"), create)

        def create(params: dict | None) -> None:
            if params:
                self.request(
                    "CreateVolume",
                    lambda call: call("CreateVolume", params),
                    success="Volume created",
                )

        self.request("ListAliases", lambda call: key_choices(call, self._alias), then=ask)

    def _alias(self, key: str) -> str:
        return self.feed.key_alias(key) if self.feed is not None else key

    def action_attach(self) -> None:
        volume = self._need(attached=False)
        if volume is None:
            return
        volume_id = volume["VolumeId"]

        def instances(call: Call) -> list[tuple[str, str]]:
            out = []
            for reservation in call("DescribeInstances", {}).get("Reservations", []):
                for instance in reservation.get("Instances", []):
                    if instance.get("State", {}).get("Name") in ("running", "stopped"):
                        name = next(
                            (
                                t["Value"]
                                for t in instance.get("Tags", [])
                                if t.get("Key") == "Name"
                            ),
                            "",
                        )
                        label = f"{instance['InstanceId']} {name}".strip()
                        if instance["State"]["Name"] == "stopped":
                            label += " (stopped: keys load when it starts)"
                        out.append((label, instance["InstanceId"]))
            return out

        def ask(choices: list[tuple[str, str]]) -> None:
            used: dict[str, set[str]] = {}
            for other in self.volumes:
                for attachment in other.get("Attachments", []):
                    used.setdefault(attachment["InstanceId"], set()).add(attachment["Device"])
            self.app.push_screen(AttachScreen(volume_id, choices, used), attach)

        def attach(choice: dict | None) -> None:
            if not choice:
                return

            def job(call: Call) -> dict:
                instance_id = choice["InstanceId"]
                if instance_id == NEW_INSTANCE:
                    instance_id = call(
                        "RunInstances",
                        {
                            "ImageId": "ami-0kmstui00000000",
                            "InstanceType": "t3.micro",
                            "MinCount": 1,
                            "MaxCount": 1,
                            "Placement": {"AvailabilityZone": volume["AvailabilityZone"]},
                        },
                    )["Instances"][0]["InstanceId"]
                return call(
                    "AttachVolume",
                    {"VolumeId": volume_id, "InstanceId": instance_id, "Device": choice["Device"]},
                )

            self.request("AttachVolume", job, success=f"{volume_id} attached")

        self.request("DescribeInstances", instances, then=ask)

    def action_detach(self) -> None:
        volume = self._need(attached=True)
        if volume is None:
            return
        volume_id = volume["VolumeId"]

        def detach(yes: bool | None) -> None:
            if yes:
                self.request(
                    "DetachVolume",
                    lambda call: call("DetachVolume", {"VolumeId": volume_id}),
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
            self.request(
                "CreateSnapshot",
                lambda call: call("CreateSnapshot", {"VolumeId": volume_id}),
                success=f"Snapshot of {volume_id} started",
            )

    def action_copy_snapshot(self) -> None:
        volume = self._need()
        if volume is None:
            return
        volume_id = volume["VolumeId"]

        def choices(call: Call) -> tuple[list, list]:
            snaps = call(
                "DescribeSnapshots",
                {"OwnerIds": ["self"], "Filters": [{"Name": "volume-id", "Values": [volume_id]}]},
            ).get("Snapshots", [])
            return (
                [(s["SnapshotId"], s["SnapshotId"]) for s in snaps],
                key_choices(call, self._alias),
            )

        def ask(found: tuple[list, list]) -> None:
            snaps, keys = found
            if not snaps:
                self.notify(f"{volume_id} has no snapshots yet (s takes one)", markup=False)
                return
            self.app.push_screen(CopySnapshotScreen(snaps, keys, self.aws_region), copy)

        def copy(params: dict | None) -> None:
            if params:
                self.request(
                    "CopySnapshot",
                    lambda call: call("CopySnapshot", params),
                    success="Snapshot copied under the new key",
                )

        self.request("DescribeSnapshots", choices, then=ask)

    def action_delete(self) -> None:
        volume = self._need(attached=False)
        if volume is None:
            return
        volume_id = volume["VolumeId"]

        def delete(yes: bool | None) -> None:
            if yes:
                self.request(
                    "DeleteVolume",
                    lambda call: call("DeleteVolume", {"VolumeId": volume_id}),
                    success=f"{volume_id} deleted",
                )

        self.app.push_screen(
            ConfirmScreen(
                "Delete volume",
                f"Delete {volume_id} and all of its data? Snapshots stay.",
                confirm="Delete",
            ),
            delete,
        )

    def action_workload(self) -> None:
        volume = self._need(attached=True)
        if volume is None or self.backend is None:
            return
        volume_id = volume["VolumeId"]
        workloads = self.backend.workloads
        if workloads is None:
            why = self.backend.capabilities.workloads.why_not
            self.notify(f"Workloads: {why}", severity="warning", markup=False)
            return
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
                self.request(
                    "workload: start",
                    lambda _call: job(spec),
                    success=f"Workload started on {volume_id}",
                )

        self.app.push_screen(WorkloadScreen(volume_id), start)

    def action_stop_workload(self) -> None:
        volume = self.selected
        if volume is None or self.backend is None or self.backend.workloads is None:
            return
        volume_id = volume["VolumeId"]
        workloads = self.backend.workloads
        self.request(
            "workload: stop",
            lambda _call: workloads.stop(volume_id),
            success=f"Workloads on {volume_id} stopped",
        )

    def action_open(self) -> None:
        volume = self.selected
        if volume is not None and self.feed is not None:
            from kmstui.ui.live.volume_detail import VolumeDetailScreen

            self.app.push_screen(VolumeDetailScreen(volume, self.feed, self.call))

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()
