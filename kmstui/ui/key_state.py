"""Enable, disable, schedule and cancel a key's deletion: the same dialogs and
requests from the key list and from a key's detail."""

from __future__ import annotations

from kmstui.ui.actions import Action

KEY_STATE_ACTIONS = ("enable_key", "disable_key", "schedule_deletion", "cancel_deletion")


def key_state_actions(*, show_delete: bool = True) -> tuple[Action, ...]:
    """The bindings that change a key's state, the same on the key list and key detail
    (where the footer has no room for Delete…: ``show_delete`` false)."""
    return (
        Action("key.enable", "enable", "enable_key", "Enable", "Enable the key (EnableKey)"),
        Action("key.disable", "disable", "disable_key", "Disable", "Disable the key (DisableKey)"),
        Action(
            "key.schedule-deletion",
            "delete",
            "schedule_deletion",
            "Delete…",
            "Schedule the key's deletion in 7–30 days (ScheduleKeyDeletion)",
            show=show_delete,
        ),
        Action(
            "key.cancel-deletion",
            "undelete",
            "cancel_deletion",
            "Undelete",
            "Cancel the scheduled deletion (CancelKeyDeletion)",
        ),
    )


def allowed(action: str, state: str | None, customer: bool) -> bool:
    """Whether ``action`` applies to a key in ``state`` (AWS keys are never changed)."""
    if not customer:
        return False
    return {
        "enable_key": state == "Disabled",
        "disable_key": state == "Enabled",
        "schedule_deletion": state in ("Enabled", "Disabled"),
        "cancel_deletion": state == "PendingDeletion",
    }.get(action, True)


def enable(app, key_id: str, label: str) -> None:
    app.submit("EnableKey", {"KeyId": key_id}, success=f"Enabled {label}")


def disable(app, key_id: str, label: str) -> None:
    from kmstui.ui.dialogs.confirm import ConfirmScreen

    def confirmed(yes: bool | None) -> None:
        if yes:
            app.submit("DisableKey", {"KeyId": key_id}, success=f"Disabled {label}")

    app.push_screen(
        ConfirmScreen(
            f"Disable {label}?",
            "Encrypt, Decrypt and data key requests with this key will fail with "
            "DisabledException until it is enabled again. Attached volumes keep working; "
            "the next attach fails.",
            confirm="Disable",
        ),
        confirmed,
    )


def schedule_deletion(app, key_id: str, label: str) -> None:
    from kmstui.ui.dialogs.schedule_deletion import ScheduleDeletionScreen

    def chosen(days: str | None) -> None:
        if days:
            app.submit(
                "ScheduleKeyDeletion",
                {"KeyId": key_id, "PendingWindowInDays": int(days)},
                success=f"Deletion of {label} scheduled",
            )

    app.push_screen(ScheduleDeletionScreen(label), chosen)


def cancel_deletion(app, key_id: str, label: str) -> None:
    app.submit(
        "CancelKeyDeletion",
        {"KeyId": key_id},
        success=f"Deletion of {label} cancelled (key is Disabled)",
    )
