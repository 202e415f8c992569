"""Volumes: the account's EBS volumes, which CMK protects each, where it is attached
and how fast it is moving data, and the EBS caller model (who decrypts a volume's
data key); create and delete volumes here, and everything
:class:`~kmstui.ui.live.volume_actions.VolumeActions` does to one of them.

The list is read (DescribeVolumes, on a worker) when the section is shown, after the
console's own changes (``DataChanged``) and when EC2 events made elsewhere arrive
(another client over the endpoint, the demo): never on a blind timer. The MiB/s column
is redrawn at a few hertz from the metrics, which makes no request.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from kmstui.errors import AwsError
from kmstui.ui.actions import Action, bindings
from kmstui.ui.dialogs.confirm import ConfirmScreen
from kmstui.ui.format import plain
from kmstui.ui.live.ebs_defaults import (
    ENCRYPTION_DEFAULT,
    EbsDefaultsLine,
    VolumeChoices,
    change_defaults,
    create_volume_choices,
    create_volume_screen,
)
from kmstui.ui.live.feed import BackendFeed, EventWatch, LiveFeed
from kmstui.ui.live.graphs import rate
from kmstui.ui.live.records import EC2_SOURCE, changed_elsewhere
from kmstui.ui.live.tables import fill
from kmstui.ui.live.volume_actions import (
    ATTACH,
    COPY_SNAPSHOT,
    DETACH,
    SNAPSHOT,
    STOP_WORKLOAD,
    WORKLOAD,
    VolumeActions,
)
from kmstui.ui.live.volume_table import volume_columns, volume_rows, volume_text

Call = Callable[[str, dict], dict]
REFRESH_HZ = 4

# What each EBS caller model means: one line for the pane, and the whole of it for
# the question before switching (kmstui.ebs.datakeys has the detail).
CALLER_MODEL_TEXT = {
    "aws": "data keys decrypted by each instance's EC2 session",
    "seed": "data keys decrypted by ec2.amazonaws.com (seed policy)",
}
CALLER_MODEL_DETAIL = {
    "aws": "on attach, EC2 grants the instance's infrastructure principal Decrypt on the "
    "volume's context and decrypts the data key as its session (what CloudTrail shows "
    "for EBS)",
    "seed": "EC2 calls KMS as the service principal ec2.amazonaws.com with kms:ViaService "
    "ec2.amazonaws.com and the context aws:ec2:arn, with no grant: the key policy alone "
    "decides, as the seed key policy's second statement expects",
}

VOLUME_ACTIONS = [
    Action("volume.create", "new", "create", "Create", "Create a volume (encrypted under a CMK)"),
    ATTACH,
    DETACH,
    SNAPSHOT,
    COPY_SNAPSHOT,
    Action("volume.delete", "delete", "delete", "Delete", "Delete the volume and its data"),
    WORKLOAD,
    STOP_WORKLOAD,
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
    Action(
        "volume.instances",
        "instances",
        "instances",
        "Instances",
        "The instances: run, stop, start, terminate, and each one's volumes",
    ),
    Action(
        "volume.caller-model",
        "caller-model",
        "caller_model",
        "Caller model",
        "Switch who decrypts new volumes' data keys: EC2's infrastructure session or "
        "its service principal",
        show=False,
    ),
]


class VolumesRead(Message):
    def __init__(
        self, volumes: list[dict] | None, problem: str | None = None, caller_model: str = ""
    ):
        super().__init__()
        self.volumes, self.problem, self.caller_model = volumes, problem, caller_model


class VolumesPane(VolumeActions, Vertical):
    """``VolumesPane(backend, call)``: ``call(operation, params)`` reads as the console's
    acting-as principal. ``instance_id``: only the volumes attached to that instance."""

    DEFAULT_CSS = """
    VolumesPane { height: 1fr; }
    VolumesPane #volumes-note { height: 1; padding: 0 1; color: $text-muted; }
    VolumesPane #caller-model { height: auto; padding: 0 1; color: $text-muted; }
    VolumesPane DataTable { height: 1fr; }
    VolumesPane #volumes-filter { display: none; height: 1; border: none; padding: 0 1; }
    VolumesPane #volumes-filter.-shown { display: block; }
    """
    BINDINGS = bindings(*VOLUME_ACTIONS, ENCRYPTION_DEFAULT)

    def __init__(
        self,
        backend=None,
        call: Call | None = None,
        *,
        feed: LiveFeed | None = None,
        instance_id: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.backend = backend
        self.call = call
        self.feed: LiveFeed | None = (
            feed if feed is not None else (BackendFeed(backend) if backend is not None else None)
        )
        self.instance_id = instance_id
        self.volumes: list[dict] = []
        self.caller_model = ""
        self.filter_text = ""
        self._layout: tuple[str, ...] = ()
        self._watch: EventWatch | None = self.feed.watch() if self.feed is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # An instance's volumes: what is made or switched for the account is not here.
        if self.instance_id is not None and action in ("create", "instances", "caller_model"):
            return False
        if self.instance_id is not None and action == "encryption_default":
            return False
        return True

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
        self._fill(self.selected_id)

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
        if self.instance_id is None:
            yield Static("", id="caller-model")
            yield EbsDefaultsLine()
        yield Input(placeholder="filter: volume id, state, key, instance…", id="volumes-filter")
        yield DataTable(id="volumes", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self._lay_out()
        self._fill(None)
        table.focus()
        self.reload()
        self._tick()

    def attach_backend(self, backend, call: Call) -> None:
        if self.backend is None and backend is not None:
            self.backend, self.call = backend, call
            if self.feed is None:
                self.feed = BackendFeed(backend)
                self._watch = self.feed.watch()

    # -- reading ----------------------------------------------------------------------
    def reload(self) -> None:
        if self.backend is None and self.feed is None:
            self.query_one("#volumes-note", Static).update("Opening the data directory…")
            return
        self._read()
        if self.call is not None:  # encryption by default, read with the volumes
            for line in self.query(EbsDefaultsLine):
                line.read(self.call)

    def action_reload(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="volumes-read", exit_on_error=False)
    def _read(self) -> None:
        params = {}
        if self.instance_id is not None:
            params = {"Filters": [{"Name": "attachment.instance-id", "Values": [self.instance_id]}]}
        backend, call = self.backend, self.call
        if call is None:  # nothing to read with until the console is open
            return
        try:
            volumes = call("DescribeVolumes", params).get("Volumes", [])
        except AwsError as exc:
            self.post_message(VolumesRead(None, f"{exc.code}: {exc.message}"))
            return
        model = ""
        if backend is not None and backend.capabilities.caller_model and not self.instance_id:
            model = backend.caller_model()
        self.post_message(VolumesRead(volumes, caller_model=model))

    @on(VolumesRead)
    def _show(self, message: VolumesRead) -> None:
        note = self.query_one("#volumes-note", Static)
        if message.volumes is None:
            note.update(plain(f"✕ {message.problem}"))
            return
        selected = self.selected_id
        self.volumes = message.volumes
        self._fill(selected)
        # "m caller model" only where the backend has one (the engine; not AWS)
        model_hint = " · m caller model" if message.caller_model else ""
        hints = (
            f" attached to {self.instance_id}"
            if self.instance_id
            else f" · n create · i instances{model_hint}"
        )
        note.update(plain(f"{len(message.volumes)} volume(s){hints} · Enter details"))
        for model_line in self.query("#caller-model").results(Static):
            model_line.display = bool(message.caller_model)  # no empty line for none
        if message.caller_model:
            self.caller_model = message.caller_model
            self.query_one("#caller-model", Static).update(
                plain(
                    f"EBS caller model {message.caller_model}: "
                    f"{CALLER_MODEL_TEXT.get(message.caller_model, '')}"
                )
            )

    def _width(self) -> int:
        return self.size.width or self.app.size.width

    def _lay_out(self) -> bool:
        """Columns for the pane's width; True when they changed (the rows are then
        filled again, which sets the columns' widths)."""
        columns = volume_columns(self._width())
        if columns == self._layout:
            return False
        self._layout = columns
        return True

    def _fill(self, selected: str | None) -> None:
        alias = self.feed.key_alias if self.feed is not None else (lambda k: k)
        columns, rows = volume_rows(self.shown, self._layout, alias)
        fill(self.query_one(DataTable), columns, rows, selected)
        self._rates()

    def on_resize(self) -> None:
        selected = self.selected_id
        if self._lay_out():
            self._fill(selected)

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

    # -- live column and changes made elsewhere ---------------------------------------
    def _tick(self) -> None:
        try:
            self._rates()
            self._changes()
        finally:
            if self.is_attached:
                self.set_timer(1 / REFRESH_HZ, self._tick)

    def _changes(self) -> None:
        if self._watch is None:
            return
        if any(changed_elsewhere(r, EC2_SOURCE) for r in self._watch.new()):
            self.reload()

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

    # -- the list's own actions -------------------------------------------------------
    def action_create(self) -> None:
        def ask(found: VolumeChoices) -> None:
            self.app.push_screen(create_volume_screen(found, f"{self.aws_region}a"), create)

        def create(params: dict | None) -> None:
            if params:
                self.app.submit("CreateVolume", params, success="Volume created")

        self.app.perform("ListAliases", create_volume_choices, then=ask)

    def action_delete(self) -> None:
        volume = self._need(attached=False)
        if volume is None:
            return
        volume_id = volume["VolumeId"]

        def delete(yes: bool | None) -> None:
            if yes:
                self.app.submit(
                    "DeleteVolume", {"VolumeId": volume_id}, success=f"{volume_id} deleted"
                )

        self.app.push_screen(
            ConfirmScreen(
                "Delete volume",
                f"Delete {volume_id} and all of its data? Snapshots stay.",
                confirm="Delete",
            ),
            delete,
        )

    def action_open(self) -> None:
        volume = self.selected
        if volume is not None and self.feed is not None and self.call is not None:
            from kmstui.ui.live.volume_detail import VolumeDetailScreen

            self.app.push_screen(VolumeDetailScreen(volume, self.feed, self.call))

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_instances(self) -> None:
        if self.feed is not None:
            from kmstui.ui.live.instances import InstancesScreen

            self.app.push_screen(InstancesScreen(self.feed))

    def action_caller_model(self) -> None:
        backend = self.backend
        if backend is None:
            return
        if not backend.capabilities.caller_model:
            why = backend.capabilities.caller_model.why_not
            self.notify(f"Caller model: {why}", severity="warning", markup=False)
            return
        if not self.caller_model:
            return  # not read yet
        new = "seed" if self.caller_model == "aws" else "aws"

        def switch(yes: bool | None) -> None:
            if yes:
                self.app.perform(
                    "settings: EBS caller model",
                    lambda _call: backend.set_caller_model(new),
                    success=f"EBS caller model: {new}",
                )

        self.app.push_screen(
            ConfirmScreen(
                "EBS caller model",
                f"Switch to {new}: {CALLER_MODEL_DETAIL[new]}. Volumes created from now on "
                "use it; existing volumes keep the model their data key was made with.",
                confirm=f"Use {new}",
                destructive=False,
            ),
            switch,
        )

    def action_encryption_default(self) -> None:
        change_defaults(self, self.aws_region)
