"""Filling the key detail's Rotation and Aliases & Tags tabs from a KeyDetail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import DataTable, Static

from kmstui.ui.format import date, day, markup, plain
from kmstui.ui.models import KeyDetail, on_demand_rotations

if TYPE_CHECKING:
    from rich.text import Text
    from textual.content import Content
    from textual.screen import Screen

    _KeyScreen = Screen
else:
    _KeyScreen = object


class KeyTabsMixin(_KeyScreen):
    """The Rotation and Aliases & Tags tabs of :class:`KeyDetailScreen`."""

    def _rotation(self, detail: KeyDetail) -> None:
        status, meta = detail.rotation, detail.metadata
        summary: Text | Content
        if not status:
            summary = plain(detail.problems.get("rotation", "Rotation status unavailable"))
        else:
            on_off = "[b]on[/b]" if status.get("KeyRotationEnabled") else "[b]off[/b]"
            lines = [f"Automatic rotation: {on_off}"]
            if status.get("KeyRotationEnabled"):
                lines[0] += f", every {status.get('RotationPeriodInDays')} days"
                lines.append(f"Next rotation: {day(status.get('NextRotationDate'))}")
            lines.append(f"On-demand rotations: {on_demand_rotations(status, detail.rotations)}")
            lines.append(f"Current key material: {meta.get('CurrentKeyMaterialId') or '—'}")
            summary = markup("\n".join(lines))
        self.query_one("#rotation-summary", Static).update(summary)
        table = self.query_one("#rotations-table", DataTable)
        table.clear()
        for entry in reversed(detail.rotations):
            table.add_row(
                plain(entry.get("KeyMaterialId", "")[:24] + "…"),
                plain(entry.get("KeyMaterialState", "")),
                plain(entry.get("RotationType", "ORIGINAL")),
                plain(date(entry.get("RotationDate") or entry.get("CreationDate"))),
            )

    def _aliases(self, detail: KeyDetail) -> None:
        description = detail.metadata.get("Description") or "(none)"
        self.query_one("#description", Static).update(
            markup("Description: $text", text=description)
        )
        table = self.query_one("#aliases-table", DataTable)
        table.clear()
        for alias in detail.aliases:
            table.add_row("alias", plain(alias["AliasName"]), "", key=f"alias:{alias['AliasName']}")
        for tag in detail.tags:
            table.add_row(
                "tag", plain(tag["TagKey"]), plain(tag["TagValue"]), key=f"tag:{tag['TagKey']}"
            )
