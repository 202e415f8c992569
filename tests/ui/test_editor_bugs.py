"""The policy editor in the full console: edits are never lost to a crash or a key."""

from __future__ import annotations

import json

from consoletest import SIZE, key_id_by_alias, open_key, select_key, settle
from textual import events

from kmstui.sample import seed_policy_text
from kmstui.ui.dialogs.unsaved import RecoveryScreen, UnsavedScreen
from kmstui.ui.policy.dialogs import DiffDialog
from kmstui.ui.policy.editor import PolicyTextArea
from kmstui.ui.screens.key_detail import KeyDetailScreen


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


async def edit_policy(pilot, engine) -> PolicyTextArea:
    """The editor with one added statement, not saved."""
    editor = await open_policy_editor(pilot, engine)
    document = json.loads(editor.text)
    document["Statement"][0]["Sid"] = "Edited"
    editor.replace(json.dumps(document, indent=2), (0, 0), editor.document.end)
    await settle(pilot)
    return editor


def stored_policy(engine) -> dict:
    key_id = key_id_by_alias(engine, "alias/app-data")
    return json.loads(engine.call("GetKeyPolicy", {"KeyId": key_id})["Policy"])


async def test_back_from_a_modified_editor_asks_and_stay_keeps_the_edit(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        editor = await edit_policy(pilot, engine)
        await pilot.press("escape", "escape")  # out of the editor, then back
        await settle(pilot)
        assert isinstance(app.screen, UnsavedScreen)
        await pilot.press("escape")  # stay
        await settle(pilot)
        assert isinstance(app.screen, KeyDetailScreen)
        assert app.focused is editor
        assert '"Edited"' in editor.text


async def test_back_then_discard_leaves_the_stored_policy_as_it_was(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await edit_policy(pilot, engine)
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert not isinstance(app.screen, (KeyDetailScreen, UnsavedScreen))
        assert stored_policy(engine)["Statement"][0]["Sid"] != "Edited"


async def test_back_then_save_reviews_the_diff_and_saves(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await edit_policy(pilot, engine)
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, DiffDialog)
        await pilot.click("#dialog-confirm")
        await settle(pilot)
        assert stored_policy(engine)["Statement"][0]["Sid"] == "Edited"
        assert not isinstance(app.screen, KeyDetailScreen)  # and it went back


async def test_every_way_out_of_a_modified_editor_asks_first(app, engine):
    ways = {
        "q": lambda pilot: pilot.press("q"),
        "ctrl+q": lambda pilot: pilot.press("ctrl+q"),
        "alt+g": lambda pilot: pilot.press("alt+g"),
        "]": lambda pilot: pilot.press("right_square_bracket"),
        "section": lambda pilot: pilot.app.run_action("switch_mode('principals')"),
        "click": lambda pilot: pilot.click("Tab#--content-tab-grants"),
    }
    async with app.run_test(size=SIZE) as pilot:
        editor = await edit_policy(pilot, engine)
        for name, way in ways.items():
            if name in ("q", "]"):  # letters and brackets are text in the editor
                pilot.app.screen.query_one("Tabs").focus()
            else:
                editor.focus()
            await settle(pilot)
            await way(pilot)
            await settle(pilot)
            assert app.is_running
            assert isinstance(app.screen, UnsavedScreen), name
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, KeyDetailScreen)
            assert app.screen.query_one("TabbedContent").active == "policy"
            assert '"Edited"' in editor.text


async def test_a_hangup_keeps_the_edit_and_the_editor_offers_it_next_time(engine, tmp_path):
    from consoletest import make_app

    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await edit_policy(pilot, engine)
        app._hung_up()  # what SIGHUP runs
        await pilot.pause()
    files = list((engine.data_dir / "recovery").iterdir())
    assert len(files) == 1
    assert files[0].stat().st_mode & 0o777 == 0o600
    assert stored_policy(engine)["Statement"][0]["Sid"] != "Edited"

    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_key(pilot, key_id_by_alias(engine, "alias/app-data"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecoveryScreen)
        await pilot.press("r")
        await settle(pilot)
        editor = app.screen.query_one(PolicyTextArea)
        assert json.loads(editor.text)["Statement"][0]["Sid"] == "Edited"
        pane = app.screen.query_one("PolicyEditorPane")
        assert pane.modified
        pane.discard()
        await settle(pilot)
    assert not list((engine.data_dir / "recovery").iterdir())


async def press_as_a_terminal_sends(pilot, key: str, character: str | None) -> None:
    """A key as the terminal driver decodes it: Alt+G arrives as ``alt+g`` carrying
    the character ``g`` (Pilot's own press carries no character for it)."""
    pilot.app.post_message(events.Key(key, character))
    await settle(pilot)


async def test_alt_letter_tab_shortcuts_switch_tabs_without_typing(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_policy_editor(pilot, engine)
        before = editor.text
        await press_as_a_terminal_sends(pilot, "alt+g", "g")
        assert app.screen.query_one("TabbedContent").active == "grants"
        assert editor.text == before
        await press_as_a_terminal_sends(pilot, "alt+p", "p")
        editor.focus()
        await press_as_a_terminal_sends(pilot, "alt+r", "r")
        assert app.screen.query_one("TabbedContent").active == "rotation"
        assert editor.text == before


async def test_next_finding_then_tab_keeps_the_policy_text(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await open_key(pilot, key_id_by_alias(engine, "alias/ebs-volumes"), tab="policy")
        editor = app.screen.query_one(PolicyTextArea)
        editor.focus()
        await settle(pilot)
        before = editor.text
        await pilot.press("f8")
        await settle(pilot)
        assert editor.selection.is_empty
        await pilot.press("tab")
        await settle(pilot)
        assert json.loads(editor.text) == json.loads(before)  # an indent, nothing lost


async def test_tab_over_a_selection_indents_its_lines(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_policy_editor(pilot, engine)
        before = editor.text.split("\n")
        editor.selection = ((1, 3), (2, 4))
        await pilot.press("tab")
        after = editor.text.split("\n")
        assert after[1:3] == ["  " + line for line in before[1:3]]
        assert after[0] == before[0] and after[3:] == before[3:]
        await pilot.press("ctrl+z")
        assert editor.text.split("\n") == before
