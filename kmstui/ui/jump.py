"""The palette's commands for actions of other screens: each goes where its action
lives (the section, the selected key's tab) and runs it there."""

from __future__ import annotations

import time
from collections.abc import Set
from dataclasses import dataclass

from kmstui.ui.actions import palette_title

# How long a palette command waits for its place to show before it says it cannot run.
WAIT_SECONDS = 15.0

# owner class -> (section, key-detail tab or "" for the section's own screen)
PLACES = {
    "KeysScreen": ("keys", ""),
    "PrincipalsScreen": ("principals", ""),
    "VolumesPane": ("volumes", ""),
    "MonitorPane": ("monitor", ""),
    "KeyDetailScreen": ("keys", "overview"),
    "GrantsPane": ("keys", "grants"),
    "PolicyEditorPane": ("keys", "policy"),
}
# only the actions a person means to do somewhere else (not moves, not copies)
SKIP_VERBS = {"up", "down", "top", "bottom", "page-up", "page-down", "back", "copy", "open"}


def place(owner: str, action: str) -> tuple[str, str]:
    """(section, key-detail tab or "") where ``owner``'s ``action`` is done."""
    section, tab = PLACES[owner]
    if owner == "KeyDetailScreen":
        from kmstui.ui.screens.key_detail import TAB_ACTIONS

        tab = TAB_ACTIONS.get(action.split("(", 1)[0], tab)
    return section, tab


@dataclass(frozen=True)
class Elsewhere:
    title: str
    help: str
    owner: str
    action: str


def elsewhere(here: Set[str], owners: Set[str] = frozenset()) -> list[Elsewhere]:
    """Commands of the other screens, minus the titles already offered ``here`` and
    every action of the classes on screen (``owners``), which may not apply now."""
    from kmstui.ui.keys import registry

    entries = registry()
    out = []
    seen = set(here) | {
        palette_title(e.binding) for e in entries if e.owner in owners and e.binding.id
    }
    for entry in entries:
        binding = entry.binding
        title = palette_title(binding)
        if entry.owner not in PLACES or not title or title in seen:
            continue
        if entry.verb in SKIP_VERBS or binding.action.startswith("app."):
            continue
        seen.add(title)
        section, tab = place(entry.owner, binding.action)
        where = f"the selected key's {tab} tab" if tab else f"the {section.title()} section"
        out.append(
            Elsewhere(title, f"{binding.tooltip} (goes to {where})", entry.owner, binding.action)
        )
    return out


def go_and_run(app, command: Elsewhere) -> None:
    """Show the command's section (asking first about unsaved edits, as any switch
    does), open the selected key's tab if it lives there, then run it."""
    section, tab = place(command.owner, command.action)
    # a section, a key list or a tab can take a while to show on a busy machine
    deadline = time.monotonic() + WAIT_SECONDS

    def again() -> None:
        if time.monotonic() < deadline:
            app.set_timer(0.05, run_there)
        else:
            app.notify(
                f"{command.title}: not available here now",
                severity="warning",
                markup=False,
            )

    def run_there() -> None:
        if not app.is_running or not app.screen_stack:
            return
        screen = app.screen
        if app.current_mode != section:
            again()
            return
        if tab:
            from kmstui.ui.screens.key_detail import KeyDetailScreen

            if not isinstance(screen, KeyDetailScreen):
                if hasattr(screen, "action_open_key") and screen.selected_row() is not None:
                    screen.action_open_key()  # the key selected in the list
                again()
                return
            from textual.widgets import TabbedContent

            if screen.query_one("TabbedContent", TabbedContent).active != tab:
                screen.action_show_tab(tab)
                again()
                return
        node = screen
        if command.owner not in ("KeysScreen", "PrincipalsScreen", "KeyDetailScreen"):
            found = screen.query(command.owner)
            if not found:
                again()
                return
            node = found.first()
        if not node.check_action(command.action.split("(", 1)[0], ()):
            again()  # not yet (the key still loading), or not for this key: wait a little
            return
        app.call_later(node.run_action, command.action)

    if app.current_mode != section:
        app.go_to_section(section)
    app.call_after_refresh(run_there)
