"""Instances, reached from Volumes with ``i``: every instance with its state and the
volumes attached to it; run, stop, start and terminate (stop and terminate ask
first), and Enter for an instance's volumes, where every volume action works.

Stopping an instance wipes its volumes' data keys from memory; starting it asks KMS
to decrypt them again, so a key disabled meanwhile keeps it stopped, and the State
reason column says so (``Client.InternalError``), as EC2 does.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static

from kmstui.errors import AwsError
from kmstui.ui.actions import Action, bindings
from kmstui.ui.dialogs.confirm import ConfirmScreen
from kmstui.ui.format import plain, shorten
from kmstui.ui.live.dialogs import RunInstanceScreen
from kmstui.ui.live.feed import LiveFeed
from kmstui.ui.live.records import EC2_SOURCE, changed_elsewhere
from kmstui.ui.live.tables import Row, fill
from kmstui.ui.live.volume_actions import (
    DEFAULT_INSTANCE_TYPE,
    describe_instances,
    instance_name,
    run_instance,
)
from kmstui.ui.live.volumes import VolumesPane
from kmstui.ui.screens.base import ConsoleScreen
from kmstui.ui.seam import backend_of

CHANGES_HZ = 4

INSTANCE_COLUMNS = [
    ("id", "Instance"),
    ("name", "Name"),
    ("state", "State"),
    ("type", "Type"),
    ("zone", "Zone"),
    ("volumes", "Volumes"),
    ("reason", "State reason"),
]
NARROW_INSTANCES = ("id", "state", "volumes", "reason")
WIDE_INSTANCES_FROM = 112


def instance_columns(width: int) -> tuple[str, ...]:
    if width >= WIDE_INSTANCES_FROM:
        return tuple(key for key, _title in INSTANCE_COLUMNS)
    return NARROW_INSTANCES


def volumes_text(instance: dict) -> str:
    """The attached volumes, by device: ``sdf vol-0123…``."""
    return ", ".join(
        f"{m['DeviceName'].removeprefix('/dev/')} {m['Ebs']['VolumeId']}"
        for m in instance.get("BlockDeviceMappings", [])
    )


def instance_rows(
    instances: list[dict], layout: tuple[str, ...]
) -> tuple[list[tuple[str, str]], list[Row]]:
    narrow = layout == NARROW_INSTANCES
    rows: list[Row] = []
    for instance in instances:
        state = instance.get("State", {}).get("Name", "")
        reason = (instance.get("StateReason") or {}).get("Code", "")
        attached = volumes_text(instance) or "—"
        cells = {
            "id": plain(instance["InstanceId"]),
            "name": plain(instance_name(instance) or "—"),
            "state": Text(state, style="bold" if state == "running" else ""),
            "type": plain(instance.get("InstanceType", "")),
            "zone": plain(instance.get("Placement", {}).get("AvailabilityZone", "")),
            "volumes": plain(shorten(attached, 26) if narrow else attached),
            "reason": plain(reason or "—"),
        }
        rows.append((instance["InstanceId"], [cells[c] for c in layout]))
    return [(k, t) for k, t in INSTANCE_COLUMNS if k in layout], rows


class InstancesRead(Message):
    def __init__(self, instances: list[dict] | None, problem: str | None = None):
        super().__init__()
        self.instances, self.problem = instances, problem


INSTANCE_ACTIONS = [
    Action("instance.back", "back", "close", "Back", "Back to the volumes"),
    Action("instance.run", "new", "run", "Run", "Run an instance (RunInstances)"),
    Action(
        "instance.stop",
        "stop",
        "stop",
        "Stop",
        "Stop the instance: its volumes' data keys are wiped from memory",
    ),
    Action(
        "instance.start",
        "start",
        "start",
        "Start",
        "Start the instance: KMS decrypts its volumes' data keys again",
    ),
    Action(
        "instance.terminate",
        "delete",
        "terminate",
        "Terminate",
        "Terminate the instance: its volumes are detached",
    ),
    Action("instance.open", "open", "open", "Volumes", "The instance's volumes", show=False),
    Action(
        "instance.refresh", "refresh", "reload", "Refresh", "Read the instances again", show=False
    ),
]


class InstancesScreen(ConsoleScreen):
    SECTION = "volumes"
    HELP_TITLE = "Instances"
    BINDINGS = bindings(*INSTANCE_ACTIONS)
    DEFAULT_CSS = """
    InstancesScreen #instances-note { height: 1; padding: 0 1; color: $text-muted; }
    InstancesScreen DataTable { height: 1fr; }
    """

    def __init__(self, feed: LiveFeed):
        super().__init__()
        self.feed = feed
        self.instances: list[dict] = []
        self._layout: tuple[str, ...] = ()
        self._watch = feed.watch()

    def compose_body(self) -> ComposeResult:
        yield Static("Reading the instances…", id="instances-note")
        yield DataTable(id="instances", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.set_interval(1 / CHANGES_HZ, self._changes)

    def reload(self) -> None:
        self._read()

    def action_reload(self) -> None:
        self.reload()

    def action_close(self) -> None:
        self.app.pop_screen()

    def _changes(self) -> None:
        if any(changed_elsewhere(r, EC2_SOURCE) for r in self._watch.new()):
            self.reload()

    @work(thread=True, exclusive=True, group="instances-read", exit_on_error=False)
    def _read(self) -> None:
        try:
            instances = describe_instances(self.app.call)
        except AwsError as exc:
            self.post_message(InstancesRead(None, f"{exc.code}: {exc.message}"))
            return
        self.post_message(InstancesRead(instances))

    @on(InstancesRead)
    def _show(self, message: InstancesRead) -> None:
        note = self.query_one("#instances-note", Static)
        if message.instances is None:
            note.update(plain(f"✕ {message.problem}"))
            return
        self.instances = message.instances
        self._fill()
        running = sum(1 for i in self.instances if i["State"]["Name"] == "running")
        note.update(
            plain(f"{len(self.instances)} instance(s), {running} running · Enter: its volumes")
        )

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        selected = self.selected_id
        self._layout = instance_columns(self.size.width or self.app.size.width)
        columns, rows = instance_rows(self.instances, self._layout)
        fill(table, columns, rows, selected)

    def on_resize(self) -> None:
        if self.instances and instance_columns(self.size.width) != self._layout:
            self._fill()

    @property
    def selected(self) -> dict | None:
        table = self.query_one(DataTable)
        if not self.instances or table.cursor_row >= len(self.instances):
            return None
        return self.instances[table.cursor_row]

    @property
    def selected_id(self) -> str | None:
        instance = self.selected
        return instance["InstanceId"] if instance else None

    def _need(self, *states: str) -> str | None:
        instance = self.selected
        if instance is None:
            self.notify("Select an instance first", markup=False)
            return None
        state = instance["State"]["Name"]
        if states and state not in states:
            self.notify(f"{instance['InstanceId']} is {state}", markup=False)
            return None
        return instance["InstanceId"]

    # -- actions ----------------------------------------------------------------------
    def action_run(self) -> None:
        def run(choice: dict | None) -> None:
            if choice:
                self.app.perform(
                    "RunInstances",
                    lambda call: run_instance(
                        call, choice["Zone"], choice["InstanceType"], choice["Name"]
                    ),
                    success="Instance running",
                )

        from kmstui.ui.region import console_region

        zone = f"{console_region(self)}a"
        self.app.push_screen(RunInstanceScreen(zone, DEFAULT_INSTANCE_TYPE), run)

    def action_stop(self) -> None:
        instance_id = self._need("pending", "running")
        if instance_id is None:
            return

        def stop(yes: bool | None) -> None:
            if yes:
                self.app.submit(
                    "StopInstances",
                    {"InstanceIds": [instance_id]},
                    success=f"{instance_id} stopped; its volumes' data keys were wiped",
                )

        self.app.push_screen(
            ConfirmScreen(
                "Stop instance",
                f"Stop {instance_id}? Its volumes' I/O stops and their plaintext data keys "
                "are wiped from memory; the volumes stay attached, and starting it asks "
                "KMS to decrypt them again.",
                confirm="Stop",
                destructive=False,
            ),
            stop,
        )

    def action_start(self) -> None:
        instance_id = self._need("stopped")
        if instance_id is not None:
            self.app.submit(
                "StartInstances",
                {"InstanceIds": [instance_id]},
                success=f"{instance_id} starting",
            )

    def action_terminate(self) -> None:
        instance_id = self._need("pending", "running", "stopping", "stopped")
        if instance_id is None:
            return

        def terminate(yes: bool | None) -> None:
            if yes:
                self.app.submit(
                    "TerminateInstances",
                    {"InstanceIds": [instance_id]},
                    success=f"{instance_id} terminated; its volumes were detached",
                )

        self.app.push_screen(
            ConfirmScreen(
                "Terminate instance",
                f"Terminate {instance_id}? Its volumes are detached (their data keys "
                "wiped, EC2's grants retired); a terminated instance cannot start again.",
                confirm="Terminate",
            ),
            terminate,
        )

    def action_open(self) -> None:
        instance_id = self.selected_id
        if instance_id is not None:
            self.app.push_screen(InstanceVolumesScreen(instance_id, self.feed))

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()


class InstanceVolumesScreen(ConsoleScreen):
    """The volumes attached to one instance, with every volume action."""

    SECTION = "volumes"
    HELP_TITLE = "Instance volumes"
    BINDINGS = bindings(
        Action("instance-volumes.back", "back", "close", "Back", "Back to the instances")
    )

    def __init__(self, instance_id: str, feed: LiveFeed):
        super().__init__()
        self.instance_id, self.feed = instance_id, feed

    def compose_body(self) -> ComposeResult:
        yield VolumesPane(
            backend_of(self), self.app.call, feed=self.feed, instance_id=self.instance_id
        )

    def reload(self) -> None:
        self.query_one(VolumesPane).reload()

    def action_close(self) -> None:
        self.app.pop_screen()
