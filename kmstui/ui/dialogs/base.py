"""A modal dialog: a bordered box in the middle of the screen; Escape cancels."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

from kmstui.ui.actions import Action, bindings

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    DEFAULT_CLASSES = "dialog"
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

    def action_cancel(self) -> None:
        self.dismiss(None)

    def closed(self, result: T | None) -> None:
        """Dismiss with ``result``: a request's ``then`` (which waits on nothing)."""
        self.dismiss(result)
