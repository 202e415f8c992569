"""The volumes table's layout: which columns a width allows, what each cell says,
and what the filter searches. No widget here: the Volumes pane and an instance's
volumes draw with it."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from kmstui.ui.format import plain, shorten
from kmstui.ui.live.tables import Row

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
WIDE_VOLUMES = tuple(key for key, _title in VOLUME_COLUMNS)


def volume_columns(width: int) -> tuple[str, ...]:
    if width >= WIDE_VOLUMES_FROM:
        return WIDE_VOLUMES
    return MEDIUM_VOLUMES if width >= MEDIUM_VOLUMES_FROM else NARROW_VOLUMES


def volume_text(volume: dict) -> str:
    """What the filter searches: the id, state, type, key and instances."""
    instances = " ".join(a.get("InstanceId", "") for a in volume.get("Attachments", []))
    parts = [volume.get("VolumeId", ""), volume.get("State", ""), volume.get("VolumeType", "")]
    return " ".join([*parts, str(volume.get("KmsKeyId") or ""), instances]).lower()


def attached_to(volume: dict) -> list[str]:
    """The instances a volume is attached to (DescribeVolumes' Attachments)."""
    return [a.get("InstanceId", "") for a in volume.get("Attachments", [])]


def volume_rows(
    volumes: list[dict], layout: tuple[str, ...], alias: Callable[[str], str]
) -> tuple[list[tuple[str, str]], list[Row]]:
    """The columns of ``layout`` and a row per volume (the MiB/s cell a dash: the pane
    draws it from the metrics)."""
    short = layout != WIDE_VOLUMES
    narrow = layout == NARROW_VOLUMES
    rows: list[Row] = []
    for volume in volumes:
        instances = attached_to(volume)
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
        rows.append((volume["VolumeId"], [cells[c] for c in layout]))
    columns = [(key, title) for key, title in VOLUME_COLUMNS if key in layout]
    return columns, rows
