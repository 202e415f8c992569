"""What a person does from a key's detail: copy, test, rotation, aliases and tags,
the description, and the key's state (enable, disable, deletion)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from kmstui.ui import key_state
from kmstui.ui.models import on_demand_rotations, parse_tags, test_encrypt

if TYPE_CHECKING:
    from textual.screen import Screen

    from kmstui.ui.host import InConsole
    from kmstui.ui.models import KeyDetail

    class _KeyScreen(InConsole, Screen):
        """What the mixin uses of the key detail screen it is mixed into."""

        detail: KeyDetail | None

        def _key(self) -> str: ...

        def _selected_entry(self) -> tuple[str, str] | None: ...

else:
    _KeyScreen = object

ROTATION_MIN, ROTATION_MAX = 90, 2560


def period_problem(text: str) -> str | None:
    text = text.strip()
    if not text.isdigit() or not ROTATION_MIN <= int(text) <= ROTATION_MAX:
        return f"The rotation period must be a whole number of days, {ROTATION_MIN}–{ROTATION_MAX}."
    return None


class KeyActionsMixin(_KeyScreen):
    """The actions of :class:`KeyDetailScreen` (``self.detail``, ``self._key()``)."""

    show_own_reads = False  # the console's own reads on the Events tab

    def key_events_shown(self, recent: list[dict]) -> list[dict]:
        """The Events tab's rows: the key's events, the console's own reads hidden
        unless asked for; the note above the table counts them."""
        from kmstui.ui.format import plain
        from kmstui.ui.models import key_events
        from kmstui.ui.own_calls import console_read

        arn = (self.detail.metadata.get("Arn") if self.detail else "") or ""
        records = key_events(recent, arn) if arn else []
        shown = records if self.show_own_reads else [r for r in records if not console_read(r)]
        hidden = len(records) - len(shown)
        note = (
            f"{len(shown)} event(s) · console reads shown (o hides)"
            if self.show_own_reads
            else f"{len(shown)} event(s) · {hidden} console read(s) hidden (o shows)"
        )
        for widget in self.query("#events-note").results(Static):
            widget.update(plain(note))
        return shown

    def action_toggle_own_reads(self) -> None:
        from kmstui.ui.widgets.events import EventTable

        self.show_own_reads = not self.show_own_reads
        self.query_one(EventTable).redraw(force=True)

    def _label(self) -> str:
        detail = self.detail
        if detail and detail.aliases:
            return detail.aliases[0]["AliasName"]
        return self._key()

    def action_enable_key(self) -> None:
        key_state.enable(self.app, self._key(), self._label())

    def action_disable_key(self) -> None:
        key_state.disable(self.app, self._key(), self._label())

    def action_schedule_deletion(self) -> None:
        key_state.schedule_deletion(self.app, self._key(), self._label())

    def action_cancel_deletion(self) -> None:
        key_state.cancel_deletion(self.app, self._key(), self._label())

    def action_copy_arn(self) -> None:
        if self.detail:
            self.app.copy_to_clipboard(self.detail.metadata["Arn"])
            self.notify("Key ARN copied", markup=False)

    def action_copy_policy(self) -> None:
        if self.detail and self.detail.policy:
            self.app.copy_to_clipboard(self.detail.policy)
            self.notify("Key policy copied", markup=False)

    def action_test_encrypt(self) -> None:
        key = self._key()
        self.app.perform(
            "Encrypt/Decrypt",
            lambda call: test_encrypt(call, key),
            then=lambda text: self.notify(text, title="Test encrypt", markup=False),
        )

    def action_toggle_rotation(self) -> None:
        from kmstui.ui.dialogs.confirm import ConfirmScreen

        key = self._key()
        if self.detail and self.detail.rotation.get("KeyRotationEnabled"):

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.app.submit(
                        "DisableKeyRotation", {"KeyId": key}, success="Automatic rotation off"
                    )

            self.app.push_screen(
                ConfirmScreen(
                    "Turn automatic rotation off?",
                    "Existing key material is kept; no new material is added on a schedule.",
                    confirm="Turn off",
                ),
                confirmed,
            )
        else:
            self.action_rotation_period()

    def action_rotation_period(self) -> None:
        from kmstui.ui.dialogs.prompt import PromptScreen

        key = self._key()
        current = (self.detail.rotation.get("RotationPeriodInDays") if self.detail else None) or 365

        def chosen(text: str | None) -> None:
            if text:
                self.app.submit(
                    "EnableKeyRotation",
                    {"KeyId": key, "RotationPeriodInDays": int(text)},
                    success=f"Automatic rotation every {int(text)} days",
                )

        self.app.push_screen(
            PromptScreen(
                "Automatic rotation",
                f"Rotation period in days ({ROTATION_MIN}–{ROTATION_MAX})",
                str(current),
                period_problem,
                confirm="Enable",
            ),
            chosen,
        )

    def action_rotate_now(self) -> None:
        from kmstui.ui.dialogs.confirm import ConfirmScreen

        key = self._key()
        detail = self.detail
        used = on_demand_rotations(detail.rotation, detail.rotations) if detail else "0"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.submit(
                    "RotateKeyOnDemand", {"KeyId": key}, success="New key material is current"
                )

        self.app.push_screen(
            ConfirmScreen(
                "Rotate now?",
                f"New key material becomes current; older material keeps decrypting. "
                f"This uses one of the key's on-demand rotations ({used} used).",
                confirm="Rotate",
                destructive=False,
            ),
            confirmed,
        )

    def action_add_alias(self) -> None:
        from kmstui.ui.dialogs.prompt import PromptScreen

        key = self._key()

        def chosen(text: str | None) -> None:
            if text:
                name = text.strip()
                name = name if name.startswith("alias/") else f"alias/{name}"
                self.app.submit(
                    "CreateAlias",
                    {"AliasName": name, "TargetKeyId": key},
                    success=f"Alias {name} added",
                )

        self.app.push_screen(
            PromptScreen(
                "Add alias",
                "Alias name",
                "alias/",
                lambda t: None if t.strip() not in ("", "alias/") else "Enter an alias name.",
                confirm="Add",
            ),
            chosen,
        )

    def action_add_tag(self) -> None:
        from kmstui.ui.dialogs.prompt import PromptScreen

        key = self._key()

        def problem(text: str) -> str | None:
            try:
                return None if parse_tags(text) else "Enter key=value."
            except ValueError as exc:
                return str(exc)

        def chosen(text: str | None) -> None:
            if text:
                self.app.submit(
                    "TagResource", {"KeyId": key, "Tags": parse_tags(text)}, success="Tags added"
                )

        self.app.push_screen(
            PromptScreen("Add tags", "key=value (several: a=1, b=2)", "", problem, confirm="Add"),
            chosen,
        )

    def action_remove_selected(self) -> None:
        from kmstui.ui.dialogs.confirm import ConfirmScreen

        entry = self._selected_entry()
        if entry is None:
            return
        kind, name = entry
        key = self._key()
        params: dict[str, object]
        if kind == "alias":
            operation, params = "DeleteAlias", {"AliasName": name}
        else:
            operation, params = "UntagResource", {"KeyId": key, "TagKeys": [name]}

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.submit(operation, params, success=f"Removed {kind} {name}")

        self.app.push_screen(
            ConfirmScreen(f"Remove {kind} {name}?", f"{operation} {name}", confirm="Remove"),
            confirmed,
        )

    def action_edit_description(self) -> None:
        from kmstui.ui.dialogs.prompt import PromptScreen

        key = self._key()
        current = self.detail.metadata.get("Description", "") if self.detail else ""

        def chosen(text: str | None) -> None:
            if text is not None:
                self.app.submit(
                    "UpdateKeyDescription",
                    {"KeyId": key, "Description": text},
                    success="Description updated",
                )

        self.app.push_screen(
            PromptScreen("Edit description", "Description", current, confirm="Save"), chosen
        )
