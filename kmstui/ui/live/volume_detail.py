"""One volume's detail: its data key's life, its snapshots and its throughput, and
what can be done to it (the same actions as in the Volumes list)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from kmstui.errors import AwsError
from kmstui.ui.actions import Action, bindings
from kmstui.ui.format import plain
from kmstui.ui.live.feed import LiveFeed, optional_text
from kmstui.ui.live.graphs import ThroughputPanel, VolumeLine
from kmstui.ui.live.records import changed_elsewhere, volume_lifecycle
from kmstui.ui.live.volume_actions import VolumeActions, snapshots_of
from kmstui.ui.live.volume_table import attached_to
from kmstui.ui.messages import DataChanged
from kmstui.ui.widgets.footer import ConsoleFooter

Call = Callable[[str, dict], dict]
REFRESH_HZ = 4
LIFECYCLE_SCAN = 200_000  # how far back the detail view looks for a volume's events


class DetailRead(Message):
    def __init__(
        self,
        volume: dict | None,
        steps: list,
        snapshots: list[dict] | None,
        problem: str | None,
    ):
        super().__init__()
        self.volume, self.steps, self.snapshots, self.problem = volume, steps, snapshots, problem


class VolumeDetailScreen(VolumeActions, Screen):
    """One volume: its data key's life (generated, granted, decrypted on each attach,
    wiped), its snapshots, and its throughput now; attach, detach, snapshot and
    workloads from here as from the list."""

    BINDINGS = bindings(
        Action("detail.close", "back", "close", "Back", "Back to the volumes"),
        *VolumeActions.ONE_VOLUME_ACTIONS,
        Action("detail.refresh", "refresh", "reload", "Refresh", "Read the volume again"),
        Action(
            "detail.export-nbd",
            "export-nbd",
            "export_nbd",
            "NBD export",
            "Serve the volume to qemu-img, nbdcopy or fio over NBD on loopback",
        ),
    )
    DEFAULT_CSS = """
    VolumeDetailScreen .heading { text-style: bold; padding: 0 1; color: $accent; }
    VolumeDetailScreen #detail-summary { padding: 0 1; height: auto; }
    VolumeDetailScreen #lifecycle { height: 1fr; }
    VolumeDetailScreen #snapshots { height: auto; max-height: 6; }
    """

    def __init__(self, volume: dict, feed: LiveFeed, call: Call):
        super().__init__()
        self.volume, self.call = volume, call
        self.feed: LiveFeed = feed
        self._watch = feed.watch()

    @property
    def selected(self) -> dict | None:
        return self.volume

    def compose(self) -> ComposeResult:
        yield Label("", id="detail-title", classes="heading")
        yield Static("", id="detail-summary")
        yield Label("Data-key lifecycle", classes="heading")
        yield DataTable(id="lifecycle", cursor_type="row", zebra_stripes=True)
        yield Label("Snapshots", classes="heading")
        yield DataTable(id="snapshots", cursor_type="row")
        yield ThroughputPanel(id="detail-graphs")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        lifecycle = self.query_one("#lifecycle", DataTable)
        lifecycle.add_columns("Time", "Step", "Principal", "Detail")
        self.query_one("#snapshots", DataTable).add_columns(
            "Snapshot", "State", "Encrypted", "CMK", "Description"
        )
        self._show_volume()
        lifecycle.focus()
        self._tick()  # the first read comes with ScreenResume, as after each dialog

    def _show_volume(self, problem: str | None = None) -> None:
        volume = self.volume
        key = volume.get("KmsKeyId")
        attached = ", ".join(attached_to(volume)) or "—"
        self.query_one("#detail-title", Label).update(
            plain(
                f"{volume['VolumeId']} · {volume.get('Size')} GiB "
                f"{volume.get('VolumeType')} · {volume.get('State')}"
            )
        )
        summary = (
            f"Encrypted: {'yes, under ' + self.feed.key_alias(key) if key else 'no'} · "
            f"attached to {attached} · context aws:ebs:id={volume['VolumeId']}"
        )
        self.query_one("#detail-summary", Static).update(
            plain(f"✕ {problem}\n{summary}" if problem else summary)
        )

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self._read()

    def on_data_changed(self, _message: DataChanged) -> None:
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_export_nbd(self) -> None:
        export = getattr(self.app, "export_volume", None)
        if export is not None:
            self.run_worker(export(self.volume["VolumeId"]), group="nbd", exit_on_error=False)

    @work(thread=True, exclusive=True, group="volume-detail", exit_on_error=False)
    def _read(self) -> None:
        volume_id = self.volume["VolumeId"]
        history = self.feed.history
        total = len(history)
        records = history.page(total, min(total, LIFECYCLE_SCAN))
        steps = volume_lifecycle(records, volume_id, self.feed.key_alias)
        try:
            found = self.call("DescribeVolumes", {"VolumeIds": [volume_id]}).get("Volumes", [])
            snapshots = snapshots_of(self.call, volume_id)
        except AwsError as exc:
            self.post_message(DetailRead(None, steps, None, f"{exc.code}: {exc.message}"))
            return
        self.post_message(DetailRead(found[0] if found else None, steps, snapshots, None))

    @on(DetailRead)
    def _show(self, message: DetailRead) -> None:
        if message.volume is not None:
            self.volume = message.volume
        self._show_volume(message.problem)
        lifecycle = self.query_one("#lifecycle", DataTable)
        lifecycle.clear()
        for step in message.steps:
            style = "red" if step.failed else ""
            lifecycle.add_row(
                step.time,
                Text(step.step, style=style),
                plain(step.principal),
                Text(step.detail, style=style),
            )
        snapshots = self.query_one("#snapshots", DataTable)
        snapshots.clear()
        for snap in message.snapshots or []:
            key = snap.get("KmsKeyId")
            snapshots.add_row(
                plain(snap["SnapshotId"]),
                plain(snap.get("State", "")),
                "yes" if snap.get("Encrypted") else "no",
                plain(self.feed.key_alias(key) if key else "—"),
                plain(snap.get("Description", "")),
            )

    def _tick(self) -> None:
        volume_id = self.volume["VolumeId"]
        attached = self.feed.attached()
        lines = []
        if volume_id in attached:
            lines = [
                VolumeLine(
                    volume_id,
                    attached[volume_id],
                    self.feed.throughput(volume_id),
                    self.feed.series(volume_id),
                )
            ]
        self.query_one(ThroughputPanel).show(
            lines,
            self.feed.kms_rate(),
            optional_text(self.feed, "resolution"),
            kms_read=optional_text(self.feed, "freshness") is not None,
        )
        if any(changed_elsewhere(r) for r in self._watch.new()):
            self.action_reload()
        if self.is_attached:
            self.set_timer(1 / REFRESH_HZ, self._tick)
