"""EBS encryption by default and the default KMS key, in the Volumes section.

Both are settings of the account in a Region (EC2's GetEbsEncryptionByDefault and
GetEbsDefaultKmsKeyId). :class:`EbsDefaultsLine` says what they are, read on a worker
with the volumes; :func:`change_defaults` opens :class:`EbsDefaultsScreen` and sends
what the person changed (ModifyEbsDefaultKmsKeyId or ResetEbsDefaultKmsKeyId, then
Enable or DisableEbsEncryptionByDefault). AWS's refusals come back as the error
dialog. Every request goes through the console's acting-as caller, in its Region.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Checkbox, Label, Select, Static

from kmstui.backends import Unavailable
from kmstui.errors import AwsError
from kmstui.ui.actions import Action
from kmstui.ui.format import plain
from kmstui.ui.live.dialogs import CreateVolumeScreen, _Form

if TYPE_CHECKING:
    from kmstui.ui.host import InConsole

Call = Callable[[str, dict], dict]

AWS_EBS_KEY = "alias/aws/ebs"  # the AWS managed key EC2 uses until another is chosen
USABLE_STATES = ("Enabled", "Disabled")  # keys a default may name (a disabled one fails
# every volume created without a key until it is enabled again, as in AWS)

ENCRYPTION_DEFAULT = Action(
    "volume.encryption-default",
    "encryption-default",
    "encryption_default",
    "Encryption by default",
    "Turn EBS encryption by default on or off in this Region, and choose the key new "
    "volumes get by default",
    show=False,
)


@dataclass(frozen=True)
class EbsDefaults:
    """The account's EBS encryption settings in the console's Region."""

    enabled: bool
    key: str  # as GetEbsDefaultKmsKeyId gives it: an alias, an alias ARN or a key ARN
    alias: str | None  # the key's alias, when it has one

    @property
    def name(self) -> str:
        """The key as people know it: its alias, else its key id."""
        return self.alias or self.key.rsplit("/", 1)[-1]

    @property
    def aws_managed(self) -> bool:
        return self.name.startswith("alias/aws/")

    @property
    def key_text(self) -> str:
        return f"{self.name} ({'AWS managed' if self.aws_managed else 'customer managed'})"

    @property
    def line(self) -> str:
        state = "on" if self.enabled else "off"
        return f"EBS encryption by default: {state} · default key: {self.key_text}"


def alias_of(call: Call, key: str) -> str | None:
    """The alias of ``key`` (an alias name, alias ARN, key ARN or key id), or None."""
    if key.startswith("alias/"):
        return key
    if ":alias/" in key:
        return "alias/" + key.split(":alias/", 1)[1]
    try:
        aliases = call("ListAliases", {"KeyId": key.rsplit("/", 1)[-1]}).get("Aliases", [])
    except AwsError:  # a key that is gone, or that the caller may not list: its id
        return None
    names = sorted(a["AliasName"] for a in aliases if a.get("AliasName"))
    return names[0] if names else None


def read_defaults(call: Call) -> EbsDefaults:
    """GetEbsEncryptionByDefault and GetEbsDefaultKmsKeyId (and the key's alias)."""
    enabled = bool(call("GetEbsEncryptionByDefault", {}).get("EbsEncryptionByDefault"))
    key = call("GetEbsDefaultKmsKeyId", {}).get("KmsKeyId") or AWS_EBS_KEY
    return EbsDefaults(enabled, key, alias_of(call, key))


def default_key_choices(call: Call) -> list[tuple[str, str]]:
    """The customer managed symmetric ENCRYPT_DECRYPT keys by alias (ListAliases, then
    DescribeKey once a key), as (label, alias) pairs; a disabled key says so."""
    aliases: list[dict] = []
    marker = None
    while True:
        page = call("ListAliases", {"Marker": marker} if marker else {})
        aliases.extend(page.get("Aliases", []))
        marker = page.get("NextMarker")
        if not page.get("Truncated") or not marker:
            break
    described: dict[str, dict | None] = {}
    out = []
    for alias in aliases:
        key_id, name = alias.get("TargetKeyId"), alias["AliasName"]
        if not key_id or name.startswith("alias/aws/"):
            continue
        if key_id not in described:
            try:
                described[key_id] = call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
            except AwsError:  # a key the caller may not describe is not offered
                described[key_id] = None
        meta = described[key_id]
        if meta is None or not _fits(meta):
            continue
        out.append((f"{name} (disabled)" if meta["KeyState"] == "Disabled" else name, name))
    return sorted(out, key=lambda choice: choice[1])


def _fits(meta: dict) -> bool:
    spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
    return (
        meta.get("KeyManager") == "CUSTOMER"
        and spec == "SYMMETRIC_DEFAULT"
        and meta.get("KeyUsage") == "ENCRYPT_DECRYPT"
        and meta.get("KeyState") in USABLE_STATES
    )


VolumeChoices = tuple[list[tuple[str, str]], EbsDefaults | None]


def create_volume_choices(call: Call) -> VolumeChoices:
    """What the create-volume dialog offers: the keys by alias, and the Region's EBS
    defaults (None when they cannot be read: the dialog then names no default)."""
    from kmstui.ui.live.volume_actions import key_choices

    keys = key_choices(call)
    try:
        defaults = read_defaults(call)
    except (AwsError, Unavailable):
        defaults = None
    return keys, defaults


def create_volume_screen(found: VolumeChoices, zone: str) -> CreateVolumeScreen:
    """The create-volume dialog with the default key preselected, and saying so when
    encryption by default is on."""
    keys, defaults = found
    if defaults is None:
        return CreateVolumeScreen(keys, zone)
    return CreateVolumeScreen(keys, zone, defaults.name, defaults.enabled)


def changes(before: EbsDefaults, enabled: bool, key: str) -> list[tuple[str, dict]]:
    """The requests that take the settings from ``before`` to ``enabled`` and ``key``
    (an alias, or :data:`AWS_EBS_KEY` for the AWS managed key): the key first, so a
    refused key turns nothing on."""
    calls: list[tuple[str, dict]] = []
    if key != before.name:
        if key == AWS_EBS_KEY:
            calls.append(("ResetEbsDefaultKmsKeyId", {}))
        else:
            calls.append(("ModifyEbsDefaultKmsKeyId", {"KmsKeyId": key}))
    if enabled != before.enabled:
        operation = "EnableEbsEncryptionByDefault" if enabled else "DisableEbsEncryptionByDefault"
        calls.append((operation, {}))
    return calls


class EbsDefaultsScreen(_Form):
    """Encryption by default on or off, and the default key: the AWS managed key or
    one of ``keys`` ((label, alias) pairs). Dismisses with ``{"enabled", "key"}``."""

    TITLE_TEXT = "EBS encryption by default"
    CONFIRM = "Save"

    def __init__(self, defaults: EbsDefaults, keys: list[tuple[str, str]], region: str):
        super().__init__()
        self.defaults, self.keys, self.in_region = defaults, keys, region

    def options(self) -> list[tuple[str, str]]:
        options = [(f"{AWS_EBS_KEY} (AWS managed)", AWS_EBS_KEY), *self.keys]
        if self.defaults.name not in {value for _, value in options}:
            options.append((f"{self.defaults.key_text}, now the default", self.defaults.name))
        return options

    def fields(self) -> ComposeResult:
        yield Static(
            plain(f"Account settings in {self.in_region}, for volumes created from now on"),
            classes="hint",
        )
        yield Checkbox("Encrypt new EBS volumes by default", self.defaults.enabled, id="enabled")
        yield Label("Default KMS key for new volumes", classes="caption")
        yield Select(self.options(), value=self.defaults.name, allow_blank=False, id="key")
        yield Static(
            plain("Encrypted volumes created without a key chosen get this key."),
            classes="hint",
        )

    def on_mount(self) -> None:
        self.query_one("#enabled", Checkbox).focus()

    def result(self) -> dict:
        return {
            "enabled": self.query_one("#enabled", Checkbox).value,
            "key": str(self.query_one("#key", Select).value),
        }


class EbsDefaultsRead(Message):
    def __init__(self, defaults: EbsDefaults | None, problem: str = ""):
        super().__init__()
        self.defaults, self.problem = defaults, problem


class EbsDefaultsLine(Static):
    """One line: encryption by default on or off, and the default key. ``read(call)``
    reads it again on a worker."""

    DEFAULT_CSS = """
    EbsDefaultsLine { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__("", id="ebs-defaults")
        self.defaults: EbsDefaults | None = None

    def read(self, call: Call) -> None:
        self._read(call)

    @work(thread=True, exclusive=True, group="ebs-defaults-read", exit_on_error=False)
    def _read(self, call: Call) -> None:
        try:
            defaults = read_defaults(call)
        except AwsError as exc:
            self.post_message(EbsDefaultsRead(None, f"{exc.code}: {exc.message}"))
            return
        except Unavailable as exc:
            self.post_message(EbsDefaultsRead(None, str(exc)))
            return
        self.post_message(EbsDefaultsRead(defaults))

    @on(EbsDefaultsRead)
    def _show(self, message: EbsDefaultsRead) -> None:
        message.stop()
        self.defaults = message.defaults
        if message.defaults is None:
            self.update(plain(f"EBS encryption by default: ✕ {message.problem}"))
        else:
            self.update(plain(message.defaults.line))


def change_defaults(node: InConsole, region: str) -> None:
    """Read the settings and the keys, ask (the dialog), send what changed."""
    app = node.app

    def ask(found: tuple[EbsDefaults, list[tuple[str, str]]]) -> None:
        before, keys = found

        def chosen(choice: dict | None) -> None:
            if choice is not None:
                send(before, choice)

        app.push_screen(EbsDefaultsScreen(before, keys, region), chosen)

    def send(before: EbsDefaults, choice: dict) -> None:
        calls = changes(before, choice["enabled"], choice["key"])
        if not calls:
            app.notify("EBS encryption by default: nothing changed", markup=False)
            return

        def job(call: Call) -> None:
            for operation, params in calls:
                call(operation, params)

        state = "on" if choice["enabled"] else "off"
        app.perform(
            calls[0][0],
            job,
            success=f"EBS encryption by default: {state} · default key: {choice['key']}",
        )

    app.perform(
        "GetEbsEncryptionByDefault",
        lambda call: (read_defaults(call), default_key_choices(call)),
        then=ask,
    )
