"""No way out of a policy editor loses its unsaved edits.

Leaving (back, another tab, another section, quit) goes through
:func:`leave_after_asking`, which asks about each modified editor first: save
(through the diff review), discard, or stay. When the terminal closes under the
console, :func:`keep_all` writes each unsaved edit to a recovery file instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from kmstui.ui.policy import PolicyEditorPane


def modified_editors(screens: Iterable[Screen]) -> list[PolicyEditorPane]:
    from kmstui.ui.policy import PolicyEditorPane

    return [pane for screen in screens for pane in screen.query(PolicyEditorPane) if pane.modified]


def all_screens(app: App) -> list[Screen]:
    """Every screen of every section, the current section's first."""
    current = list(app.screen_stack)
    others = [
        screen
        for stack in app._screen_stacks.values()  # Textual keeps one stack per mode
        for screen in stack
        if screen not in current
    ]
    return [*reversed(current), *others]


def leave_after_asking(app: App, screens: Iterable[Screen], then: Callable[[], object]) -> None:
    """Run ``then`` once no editor on ``screens`` holds unsaved edits, asking about
    each that does; staying in an editor cancels ``then``."""
    _ask(app, modified_editors(screens), then)


def _ask(app: App, pending: list[PolicyEditorPane], then: Callable[[], object]) -> None:
    from kmstui.ui.dialogs.unsaved import DISCARD, SAVE, UnsavedScreen

    pending = [pane for pane in pending if pane.is_attached and pane.modified]
    if not pending:
        then()
        return
    pane, rest = pending[0], pending[1:]

    def chosen(choice: str | None) -> None:
        if choice == SAVE:
            pane.save(then=lambda: _ask(app, rest, then))
        elif choice == DISCARD:
            pane.discard()
            _ask(app, rest, then)
        else:
            reveal(app, pane)

    what = f"The policy of key {pane.key_id}" if pane.key_id else "This policy"
    app.push_screen(UnsavedScreen(what), chosen)


def reveal(app: App, pane: PolicyEditorPane) -> None:
    """Show the editor and focus it (in its own section, on its own tab)."""
    screen = pane.screen
    for mode, stack in app._screen_stacks.items():
        if screen in stack and mode != app.current_mode:
            app.switch_mode(mode)
    show = getattr(screen, "reveal_policy_editor", None)
    if callable(show):
        show()
    else:
        pane.editor.focus()


def keep_all(app: App) -> list[str]:
    """Write every unsaved key-policy edit to its recovery file; returns the paths."""
    kept = []
    for pane in modified_editors(all_screens(app)):
        path = pane.keep_for_recovery()
        if path:
            kept.append(path)
    return kept
