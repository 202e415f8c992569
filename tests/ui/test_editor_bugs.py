"""The policy editor in the full console: edits are never lost to a crash or a key."""

from __future__ import annotations

import json

from consoletest import SIZE, key_id_by_alias, open_key, settle
from textual import events

from kmstui.sample import seed_policy_text
from kmstui.ui.policy.editor import PolicyTextArea


def pretty_seed_policy() -> str:
    return json.dumps(json.loads(seed_policy_text()), indent=2) + "\n"


async def open_policy_editor(pilot, engine) -> PolicyTextArea:
    """The app-data key's policy tab with the editor focused, as a person gets there."""
    await open_key(pilot, key_id_by_alias(engine, "alias/app-data"), tab="policy")
    editor = pilot.app.screen.query_one(PolicyTextArea)
    editor.focus()
    await settle(pilot)
    return editor


async def test_undo_after_pasting_a_long_policy_restores_the_short_one(app, engine):
    """A paste that makes the editor scroll, undone: the scrollbar goes away while the
    cursor still sits below the restored text's last line."""
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_policy_editor(pilot, engine)
        before = editor.text
        assert editor.document.line_count < editor.size.height  # fits without scrolling
        pasted = pretty_seed_policy()
        assert len(pasted.splitlines()) > editor.size.height  # needs a scrollbar
        app.post_message(events.Paste(pasted))  # a bracketed paste, as the terminal sends it
        await settle(pilot)
        assert editor.text == pasted + before
        after_paste = editor.text
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert app.is_running
        assert editor.text == before
        assert editor.cursor_location == (0, 0)  # where the paste went in
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert editor.text == after_paste
