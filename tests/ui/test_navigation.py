"""Moving around by keyboard: key detail tabs, help named after the screen."""

from __future__ import annotations

import io

from consoletest import SIZE, settle
from textual.widgets import TabbedContent

from kmstui.ui.commands import ConsoleCommands
from kmstui.ui.screens.help import HelpScreen
from kmstui.ui.screens.key_detail import TABS


async def open_first_key(pilot) -> TabbedContent:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    return pilot.app.screen.query_one(TabbedContent)


async def test_brackets_step_through_the_key_detail_tabs_and_wrap(app):
    async with app.run_test(size=SIZE) as pilot:
        tabs = await open_first_key(pilot)
        seen = [tabs.active]
        for _ in TABS:
            await pilot.press("right_square_bracket")
            await settle(pilot)
            seen.append(tabs.active)
        assert seen == [t for t, _ in TABS] + ["overview"]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert tabs.active == TABS[-1][0]  # from the first to the last


async def test_alt_and_the_initial_opens_a_tab_and_focuses_its_table(app):
    async with app.run_test(size=SIZE) as pilot:
        tabs = await open_first_key(pilot)
        await pilot.press("alt+r")
        await settle(pilot)
        assert tabs.active == "rotation"
        assert app.focused.id == "rotations-table"


async def test_leaving_the_policy_editor_then_next_tab_stays_on_the_next_tab(app):
    async with app.run_test(size=SIZE) as pilot:
        tabs = await open_first_key(pilot)
        await pilot.press("right_square_bracket", "tab")  # into the editor
        await settle(pilot)
        assert app.focused.id == "policy-editor"
        await pilot.press("escape", "right_square_bracket")
        await settle(pilot)
        assert tabs.active == "grants"


async def test_tabs_are_in_the_palette(app):
    async with app.run_test(size=SIZE) as pilot:
        await open_first_key(pilot)
        titles = [c.title for c in ConsoleCommands(app.screen)._commands()]
        assert {"tab: next tab", "tab: previous tab", "tab: policy", "tab: events"} <= set(titles)


async def test_help_is_titled_with_the_screens_name(app):
    async with app.run_test(size=SIZE) as pilot:
        await open_first_key(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.title_text == "Help — Key detail"
        assert {"tab.next", "tab.previous", "tab.policy"} <= {row[3] for row in app.screen.rows}


async def test_help_shows_every_id_whole_at_80_columns(app):
    from rich.console import Console

    from kmstui.ui.screens.help import help_table

    async with app.run_test(size=(80, 24)) as pilot:
        await open_first_key(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        width = app.screen.query_one("#help-table").content_size.width
        console = Console(width=width, record=True, file=io.StringIO())
        console.print(help_table(app.screen.rows, narrow=True))
        shown = console.export_text()
        for row in app.screen.rows:
            assert row[3] in shown.split()


def footer_keys(screen) -> list[tuple[str, int, int]]:
    """(description, first column, last column) of each key the footer shows."""
    from textual.widgets._footer import FooterKey

    return [
        (key.description, key.region.x, key.region.right - 1)
        for key in screen.query(FooterKey)
        if key.display and key.region.width
    ]


async def test_a_narrow_footer_leaves_keys_out_instead_of_cutting_one(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first_key(pilot)
        app.screen.action_show_tab("rotation")  # as the keys open it: its table focused
        await settle(pilot)
        shown = footer_keys(app.screen)
        names = [name for name, _, _ in shown]
        assert names[-1] == "Help"  # always kept: it lists every key
        assert {"Auto rotation", "Period", "Rotate now"} <= set(names)  # the tab's own
        assert "Quit" not in names and "Test encrypt" not in names
        # every key shown is whole: its text (not its trailing blank) ends on screen
        assert all(last <= 80 for _, _, last in shown)
        await pilot.resize_terminal(160, 24)
        await settle(pilot)
        wide = [name for name, _, _ in footer_keys(app.screen)]
        assert {"Test encrypt", "Act as", "Quit"} <= set(wide)
