"""Enable, disable, schedule and cancel a key's deletion: the same dialogs and
requests from the key list and from a key's detail."""

from __future__ import annotations

KEY_STATE_ACTIONS = ("enable_key", "disable_key", "schedule_deletion", "cancel_deletion")


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
