"""The key detail's flows for key types beyond symmetric: importing key material into
a key of origin EXTERNAL, replicating a multi-Region key, moving its primary, and
showing the key in another Region. A key detail belongs to the Region it was opened
in: when the console's Region changes it closes (a related key opens in the new one)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kmstui.ui.actions import Action
from kmstui.ui.region import RegionScreen, region_choices, switch_region
from kmstui.ui.seam import backend_of

if TYPE_CHECKING:
    from kmstui.caller import Caller
    from kmstui.ui.screens.key_actions import _KeyScreen as _KeyActionsScreen

    class _KeyScreen(_KeyActionsScreen):
        """What the mixin uses of the key detail screen it is mixed into."""

        def _done(self, _result: Any = None) -> None: ...

else:
    _KeyScreen = object

FLOW_ACTIONS = ("import_material", "replicate", "update_primary", "related_region")
_CRYPTO_STATES_GONE = ("PendingDeletion", "PendingReplicaDeletion")


def key_flow_actions() -> tuple[Action, ...]:
    return (
        Action(
            "key.import-material",
            "import",
            "import_material",
            "Import",
            "Import key material: download the wrapping key and import token, import the "
            "wrapped material, or delete it (GetParametersForImport, ImportKeyMaterial, "
            "DeleteImportedKeyMaterial)",
        ),
        Action(
            "key.replicate",
            "replicate",
            "replicate",
            "Replicate",
            "Replicate this multi-Region primary key into another Region (ReplicateKey)",
        ),
        Action(
            "key.primary-region",
            "primary-region",
            "update_primary",
            "Primary Region",
            "Make the related key in another Region the primary (UpdatePrimaryRegion)",
            show=False,
        ),
        Action(
            "key.related-region",
            "region",
            "related_region",
            "Show in Region",
            "Show this multi-Region key in another Region, or switch the console's Region",
            show=False,
        ),
    )


def related_regions(metadata: dict) -> dict[str, str]:
    """Region -> "primary" or "replica" for a multi-Region key's related keys."""
    config = metadata.get("MultiRegionConfiguration") or {}
    out = {}
    if config.get("PrimaryKey"):
        out[config["PrimaryKey"]["Region"]] = "primary"
    for replica in config.get("ReplicaKeys", []):
        out[replica["Region"]] = "replica"
    return out


class KeyFlowsMixin(_KeyScreen):
    """Of :class:`KeyDetailScreen` (``self.detail``, ``self._key()``)."""

    key_region = ""  # the Region the key is shown in
    _stale = False  # the console's Region changed while another screen was on top

    def on_mount(self) -> None:
        self.key_region = self.app.acting_as.region
        self.watch(self.app, "acting_as", self._region_maybe_changed, init=False)

    def _region_maybe_changed(self, caller: Caller) -> None:
        if caller.region != self.key_region:
            self._stale = True
            self._close_if_stale()

    def on_screen_resume(self) -> None:
        self._close_if_stale()  # shown again, but of another Region than the console's

    def _close_if_stale(self) -> None:
        # only from the top: a late resume of a screen already gone must not pop another
        if self._stale and self.app.screen is self:
            self.app.pop_screen()

    def flow_allowed(self, action: str) -> bool | None:
        if action == "related_region":
            return True
        if self.detail is None:
            return None
        meta = self.detail.metadata
        if meta.get("KeyManager") == "AWS":
            return False
        kind = meta.get("MultiRegionConfiguration", {}).get("MultiRegionKeyType")
        if action == "import_material":
            return meta.get("Origin") == "EXTERNAL" and meta["KeyState"] not in _CRYPTO_STATES_GONE
        if action == "replicate":
            return kind == "PRIMARY"
        return kind is not None  # update_primary

    def _metadata(self) -> dict:
        return self.detail.metadata if self.detail else {}

    # -- imported key material --------------------------------------------------------
    def action_import_material(self) -> None:
        from kmstui.ui.dialogs.import_material import ImportMaterialScreen

        meta = self._metadata()
        if meta:
            folder = Path.cwd()
            clock = backend_of(self).clock
            now = clock.now() if clock is not None else time.time()
            self.app.push_screen(ImportMaterialScreen(meta, folder, now), self._done)

    # -- multi-Region keys ------------------------------------------------------------
    def action_replicate(self) -> None:
        meta = self._metadata()
        related = related_regions(meta)
        choices = [(r, note) for r, note in region_choices(self.app) if r not in related]
        key = self._key()

        def chosen(region: str | None) -> None:
            if region:
                self.app.submit(
                    "ReplicateKey",
                    {"KeyId": key, "ReplicaRegion": region, "Description": meta["Description"]},
                    success=f"Replica of {key} created in {region} (f5 shows it there)",
                )

        self.app.push_screen(
            RegionScreen(
                "Replicate into Region",
                choices,
                hint="ReplicateKey: the replica shares this key's id and key material; its "
                "policy, grants, aliases and tags are its own.",
            ),
            chosen,
        )

    def action_update_primary(self) -> None:
        meta = self._metadata()
        related = related_regions(meta)
        key = self._key()
        primary = next((r for r, kind in related.items() if kind == "primary"), self.key_region)
        if primary != self.key_region:
            # UpdatePrimaryRegion is a request to the primary key, in its own Region.
            self._show_in(primary, then_run="update_primary")
            return
        choices = [(r, "replica") for r, kind in related.items() if kind == "replica"]

        def chosen(region: str | None) -> None:
            if region:
                self.app.submit(
                    "UpdatePrimaryRegion",
                    {"KeyId": key, "PrimaryRegion": region},
                    success=f"The primary of {key} moves to {region}",
                )

        self.app.push_screen(
            RegionScreen(
                "Make primary",
                choices,
                other=False,
                hint=f"UpdatePrimaryRegion: the replica becomes the primary key and the key in "
                f"{self.key_region} a replica.",
            ),
            chosen,
        )

    def action_related_region(self) -> None:
        related = related_regions(self._metadata())
        if not related:
            self.app.action_switch_region()
            return
        first = [(r, f"this key's {kind}") for r, kind in related.items()]

        def chosen(region: str | None) -> None:
            if region and region in related:
                self._show_in(region)
            elif region:
                switch_region(self.app, region)

        self.app.push_screen(
            RegionScreen(
                "Show in Region",
                region_choices(self.app, first),
                self.key_region,
                hint="Its related keys first; another Region switches the console there.",
            ),
            chosen,
        )

    def _show_in(self, region: str, then_run: str | None = None) -> None:
        """Switch the console to ``region`` and open this key's related key there."""
        key_id, app = self._key(), self.app

        def opened() -> None:
            from kmstui.ui.screens.key_detail import KeyDetailScreen

            screen = KeyDetailScreen(key_id)
            app.push_screen(screen)
            if then_run:
                screen.run_when_loaded(then_run)

        switch_region(app, region, then=opened)

    def run_when_loaded(self, action: str) -> None:
        """Run ``action`` once the key is read (up to 5 s; it may not apply then)."""
        tries = iter(range(100))

        def attempt() -> None:
            if self.detail is not None and self.is_current:
                if self.check_action(action, ()):
                    self.app.call_later(self.run_action, action)
            elif next(tries, None) is not None:
                self.app.set_timer(0.05, attempt)

        attempt()
