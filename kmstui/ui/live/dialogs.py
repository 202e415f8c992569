"""Dialogs of the Volumes section: create a volume, attach it, copy a snapshot to
another key, start an I/O workload (fio-like settings with presets), and run an
instance.

Each dismisses with the request's parameters (or None); the pane makes the request.
Values are checked before the dialog closes and problems are said in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from kmstui.ui.actions import Action, bindings
from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import plain

VOLUME_TYPES = ("gp3", "gp2", "io1", "io2", "st1", "sc1", "standard")
DEFAULT_KEY = ""  # the account's default EBS key (alias/aws/ebs unless changed)
NEW_INSTANCE = "__new__"


class _Form(Dialog[dict]):
    BINDINGS = bindings(
        Action(
            "dialog.cancel",
            "cancel",
            "cancel",
            "Cancel",
            "Close without doing anything",
            dialog=True,
        )
    )
    DEFAULT_CSS = """
    _Form .box { overflow-y: auto; }
    _Form .field { height: auto; }
    _Form .field Vertical { height: auto; }
    _Form Label.caption { color: $text-muted; }
    _Form Select { width: 100%; }
    """
    TITLE_TEXT = ""
    CONFIRM = "OK"

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide"):
            yield Label(plain(self.TITLE_TEXT), classes="dialog-title")
            yield from self.fields()
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.CONFIRM, id="ok", variant="primary")

    def fields(self) -> ComposeResult:
        yield from ()

    def result(self) -> dict:
        raise NotImplementedError

    @on(Button.Pressed, "#ok")
    @on(Input.Submitted)
    def _submit(self) -> None:
        try:
            result = self.result()
        except ValueError as exc:
            self.query_one("#problem", Static).update(plain(f"✕ {exc}"))
            return
        self.dismiss(result)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


def _int(text: str, name: str, low: int | None = None) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number") from None
    if low is not None and value < low:
        raise ValueError(f"{name} must be at least {low}")
    return value


class CreateVolumeScreen(_Form):
    """Size, type, encrypted, and the CMK: one of the account's keys or the default.
    ``default_key``: the Region's default EBS key (alias/aws/ebs unless changed),
    preselected; ``by_default``: encryption by default is on (the volume is encrypted
    even without a key chosen, as in AWS)."""

    TITLE_TEXT = "Create volume"
    CONFIRM = "Create"

    def __init__(
        self,
        keys: list[tuple[str, str]],
        zone: str,
        default_key: str | None = None,
        by_default: bool = False,
    ):
        super().__init__()
        self.keys, self.zone = keys, zone
        self.default_key, self.by_default = default_key or "alias/aws/ebs", by_default

    def fields(self) -> ComposeResult:
        yield Label("Size (GiB)", classes="caption")
        yield Input("8", id="size")
        yield Label("Volume type", classes="caption")
        yield Select([(t, t) for t in VOLUME_TYPES], value="gp3", allow_blank=False, id="type")
        yield Checkbox("Encrypted", True, id="encrypted")
        if self.by_default:
            yield Static(
                plain(
                    "Encryption by default is on in this Region: the volume is encrypted "
                    f"even if no key is chosen, under {self.default_key}"
                ),
                classes="hint",
                id="by-default",
            )
        yield Label("KMS key", classes="caption")
        chosen = {value for _, value in self.keys}
        yield Select(
            [(f"default EBS key ({self.default_key})", DEFAULT_KEY), *self.keys],
            value=self.default_key if self.default_key in chosen else DEFAULT_KEY,
            allow_blank=False,
            id="key",
        )
        yield Static(plain(f"Availability zone {self.zone}"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#size", Input).focus()

    def result(self) -> dict:
        size = _int(self.query_one("#size", Input).value, "Size", 1)
        volume_type = self.query_one("#type", Select).value
        params = {"Size": size, "VolumeType": volume_type, "AvailabilityZone": self.zone}
        if volume_type in ("io1", "io2"):
            params["Iops"] = 3000
        if self.query_one("#encrypted", Checkbox).value:
            params["Encrypted"] = True
            key = self.query_one("#key", Select).value
            if key:
                params["KmsKeyId"] = key
        return params


class AttachScreen(_Form):
    """Which instance (or a new one) and the device name."""

    TITLE_TEXT = "Attach volume"
    CONFIRM = "Attach"

    def __init__(
        self,
        volume_id: str,
        instances: list[tuple[str, str]],
        used: dict[str, set[str]] | None = None,
    ):
        super().__init__()
        self.volume_id, self.instances = volume_id, instances
        self.used = used or {}

    def free_device(self, instance_id: str) -> str:
        taken = self.used.get(instance_id, set())
        return next(
            (f"/dev/sd{letter}" for letter in "fghijklmnop" if f"/dev/sd{letter}" not in taken),
            "/dev/sdf",
        )

    @on(Select.Changed, "#instance")
    def _instance(self, event: Select.Changed) -> None:
        self.query_one("#device", Input).value = self.free_device(str(event.value))

    def fields(self) -> ComposeResult:
        yield Static(plain(f"Volume {self.volume_id}"), classes="hint")
        yield Label("Instance", classes="caption")
        choices = [*self.instances, ("a new instance (RunInstances, t3.micro)", NEW_INSTANCE)]
        yield Select(choices, value=choices[0][1], allow_blank=False, id="instance")
        yield Label("Device", classes="caption")
        yield Input(self.free_device(choices[0][1]), id="device")

    def result(self) -> dict:
        device = self.query_one("#device", Input).value.strip()
        if not device:
            raise ValueError("Device is required, e.g. /dev/sdf")
        return {"InstanceId": self.query_one("#instance", Select).value, "Device": device}


class CopySnapshotScreen(_Form):
    """Copy one of the volume's snapshots under another key (a new DEK, data
    re-encrypted)."""

    TITLE_TEXT = "Copy snapshot to another key"
    CONFIRM = "Copy"

    def __init__(self, snapshots: list[tuple[str, str]], keys: list[tuple[str, str]], region: str):
        super().__init__()
        self.snapshots, self.keys, self.source_region = snapshots, keys, region

    def fields(self) -> ComposeResult:
        yield Label("Snapshot", classes="caption")
        yield Select(self.snapshots, value=self.snapshots[0][1], allow_blank=False, id="snapshot")
        yield Label("Encrypt the copy with", classes="caption")
        yield Select(
            [("default EBS key (alias/aws/ebs)", DEFAULT_KEY), *self.keys],
            value=self.keys[0][1] if self.keys else DEFAULT_KEY,
            allow_blank=False,
            id="key",
        )

    def result(self) -> dict:
        params = {
            "SourceSnapshotId": self.query_one("#snapshot", Select).value,
            "SourceRegion": self.source_region,
            "Encrypted": True,
        }
        key = self.query_one("#key", Select).value
        if key:
            params["KmsKeyId"] = key
        return params


class RunInstanceScreen(_Form):
    """RunInstances: a Name tag, the instance type and the availability zone."""

    TITLE_TEXT = "Run instance"
    CONFIRM = "Run"

    def __init__(self, zone: str, instance_type: str):
        super().__init__()
        self.zone, self.instance_type = zone, instance_type

    def fields(self) -> ComposeResult:
        yield Label("Name (a tag; may be blank)", classes="caption")
        yield Input("", id="name")
        yield Label("Instance type", classes="caption")
        yield Input(self.instance_type, id="instance-type")
        yield Label("Availability zone", classes="caption")
        yield Input(self.zone, id="zone")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def result(self) -> dict:
        """``{"Zone", "InstanceType", "Name"}`` (the Name may be blank)."""
        instance_type = self.query_one("#instance-type", Input).value.strip()
        zone = self.query_one("#zone", Input).value.strip()
        if not instance_type or not zone:
            raise ValueError("Instance type and zone are required, e.g. t3.micro, us-east-1a")
        return {
            "Zone": zone,
            "InstanceType": instance_type,
            "Name": self.query_one("#name", Input).value.strip(),
        }


@dataclass(frozen=True)
class Preset:
    name: str
    rw: str
    bs: str
    iodepth: int
    rate_iops: str = ""
    rate_mib: str = ""
    runtime: str = "60"
    size: str = ""


PRESETS = [
    Preset("database 4k random", "randrw", "4k", 32, rate_iops="1000"),
    Preset("backup 1M sequential", "read", "1m", 4, rate_mib="40"),
    Preset("log writer 64k sequential", "write", "64k", 8, rate_mib="20"),
    Preset("cache 4k random read", "randread", "4k", 16, rate_iops="2000"),
]
RW_MODES = ("randrw", "randread", "randwrite", "read", "write")


class WorkloadScreen(_Form):
    """fio-like settings; a preset fills them in. Dismisses with a workload spec."""

    TITLE_TEXT = "Start I/O workload"
    CONFIRM = "Start"

    def __init__(self, volume_id: str):
        super().__init__()
        self.volume_id = volume_id

    def fields(self) -> ComposeResult:
        first = PRESETS[0]
        yield Static(plain(f"Volume {self.volume_id}"), classes="hint")
        yield Label("Preset", classes="caption")
        yield Select(
            [(p.name, p.name) for p in PRESETS], value=first.name, allow_blank=False, id="preset"
        )
        with Horizontal(classes="field"):
            with Vertical():
                yield Label("rw", classes="caption")
                yield Select([(m, m) for m in RW_MODES], value=first.rw, allow_blank=False, id="rw")
            with Vertical():
                yield Label("bs", classes="caption")
                yield Input(first.bs, id="bs")
            with Vertical():
                yield Label("iodepth", classes="caption")
                yield Input(str(first.iodepth), id="iodepth")
        with Horizontal(classes="field"):
            with Vertical():
                yield Label("runtime (s)", classes="caption")
                yield Input(first.runtime, id="runtime")
            with Vertical():
                yield Label("rate IOPS", classes="caption")
                yield Input(first.rate_iops, placeholder="no limit", id="rate_iops")
            with Vertical():
                yield Label("rate MiB/s", classes="caption")
                yield Input(first.rate_mib, placeholder="no limit", id="rate_mib")
        yield Label("size (blank: whole volume)", classes="caption")
        yield Input(first.size, placeholder="e.g. 256m", id="size")

    @on(Select.Changed, "#preset")
    def _preset(self, event: Select.Changed) -> None:
        preset = next((p for p in PRESETS if p.name == event.value), None)
        if preset is None:
            return
        self.query_one("#rw", Select).value = preset.rw
        for name in ("bs", "runtime", "rate_iops", "rate_mib", "size"):
            self.query_one(f"#{name}", Input).value = str(getattr(preset, name))
        self.query_one("#iodepth", Input).value = str(preset.iodepth)

    def result(self) -> dict:
        def text(name: str) -> str:
            return self.query_one(f"#{name}", Input).value.strip()

        spec: dict = {
            "rw": self.query_one("#rw", Select).value,
            "bs": text("bs") or "4k",
            "iodepth": _int(text("iodepth") or "1", "iodepth", 1),
        }
        if text("runtime"):
            spec["runtime"] = float(_int(text("runtime"), "runtime", 1))
        if text("rate_iops"):
            spec["rate_iops"] = _int(text("rate_iops"), "rate IOPS", 1)
        if text("rate_mib"):
            try:
                spec["rate_mib"] = float(text("rate_mib"))
            except ValueError:
                raise ValueError("rate MiB/s must be a number") from None
        if text("size"):
            spec["size"] = text("size")
        from kmstui.ui.seam import backend_if_open

        backend = backend_if_open(self)
        if backend is not None and backend.workloads is not None:
            backend.workloads.check(spec)  # sizes and names checked here, in its words
        return spec
