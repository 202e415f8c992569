"""Volumes: the account's EBS volumes and which key protects each (read-only here)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static

from kmstui.errors import AwsError
from kmstui.ui.actions import Action, bindings
from kmstui.ui.format import plain
from kmstui.ui.screens.base import ConsoleScreen


class VolumesLoaded(Message):
    def __init__(self, volumes: list[dict] | None, problem: str | None = None):
        super().__init__()
        self.volumes, self.problem = volumes, problem


class VolumesScreen(ConsoleScreen):
    SECTION = "volumes"
    BINDINGS = bindings(
        Action("volumes.refresh", "ctrl+r", "refresh", "Refresh", "Read the volumes again"),
    )

    def compose_body(self) -> ComposeResult:
        yield Static("", id="volumes-note", classes="status")
        yield DataTable(id="volumes", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Volume", "Size", "Type", "State", "Encrypted",
                                              "KMS key", "Attached to")

    def reload(self) -> None:
        if "DescribeVolumes" not in set(self.app.engine.operations):
            self.query_one("#volumes-note", Static).update(
                "Volumes need the EBS service, which this engine does not have yet.")
            return
        self._load()

    def action_refresh(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="volumes", exit_on_error=False)
    def _load(self) -> None:
        try:
            volumes = self.app.call("DescribeVolumes", {}).get("Volumes", [])
        except AwsError as exc:
            self.post_message(VolumesLoaded(None, f"{exc.code}: {exc.message}"))
            return
        self.post_message(VolumesLoaded(volumes))

    def on_volumes_loaded(self, message: VolumesLoaded) -> None:
        note = self.query_one("#volumes-note", Static)
        table = self.query_one(DataTable)
        table.clear()
        if message.volumes is None:
            note.update(plain(f"✕ {message.problem}"))
            return
        note.update(plain(f"{len(message.volumes)} volume(s)"))
        for volume in message.volumes:
            attached = ", ".join(a.get("InstanceId", "") for a in volume.get("Attachments", []))
            table.add_row(plain(volume.get("VolumeId", "")), plain(f"{volume.get('Size', '')} GiB"),
                          plain(volume.get("VolumeType", "")), plain(volume.get("State", "")),
                          "yes" if volume.get("Encrypted") else "no",
                          plain((volume.get("KmsKeyId") or "—").rsplit("/", 1)[-1][:8]),
                          plain(attached or "—"))
