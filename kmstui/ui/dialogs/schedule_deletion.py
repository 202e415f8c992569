"""ScheduleKeyDeletion's waiting period: 7 to 30 days (AWS's bounds; default 30)."""

from __future__ import annotations

from kmstui.ui.dialogs.prompt import PromptScreen

MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 7, 30, 30


def window_problem(text: str) -> str | None:
    text = text.strip()
    if not text.isdigit():
        return f"The waiting period must be a whole number of days ({MIN_DAYS}–{MAX_DAYS})."
    days = int(text)
    if not MIN_DAYS <= days <= MAX_DAYS:
        return f"The waiting period must be from {MIN_DAYS} to {MAX_DAYS} days; {days} is not."
    return None


class ScheduleDeletionScreen(PromptScreen):
    def __init__(self, key_label: str):
        super().__init__(
            f"Schedule deletion of {key_label}",
            f"Waiting period in days ({MIN_DAYS}–{MAX_DAYS}). The key is disabled now and "
            "deleted, with its aliases, when the period ends; until then it can be "
            "cancelled.",
            str(DEFAULT_DAYS),
            window_problem,
            confirm="Schedule deletion",
        )
