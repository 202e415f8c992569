"""Themes, config.toml, the keymap, the palette and help."""

from __future__ import annotations

import tomllib

from consoletest import SIZE, make_app, settle

from kmstui.ui.commands import ConsoleCommands
from kmstui.ui.screens.help import HelpScreen


async def test_a_bad_user_theme_is_reported_once_and_skipped(engine, tmp_path):
    themes = tmp_path / "config" / "themes"
    themes.mkdir(parents=True)
    (themes / "broken.toml").write_text("name = 'broken'\nprimary = 'not a colour'\n")
    (themes / "mine.toml").write_text("name = 'mine'\nprimary = '#336699'\n")
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "mine" in app.available_themes
        assert "broken" not in app.available_themes
        messages = [n.message for n in app._notifications]
        assert sum("broken.toml" in m for m in messages) == 1


async def test_the_theme_choice_is_saved_in_config_toml(app, tmp_path):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "kmstui-light"
        await pilot.pause()
    saved = tomllib.loads((tmp_path / "config" / "config.toml").read_text())
    assert saved["theme"] == "kmstui-light"


async def test_the_saved_theme_and_keymap_apply_at_start(engine, tmp_path):
    config = tmp_path / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        'theme = "kmstui-high-contrast"\n\n[keymap]\n"key.create" = "ctrl+n"\n'
    )
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "kmstui-high-contrast"
        await pilot.press("ctrl+n")
        assert type(app.screen).__name__ == "CreateKeyScreen"


async def test_palette_offers_only_what_applies_to_the_selected_key(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = ConsoleCommands(app.screen)
        titles = [c.title for c in provider._commands()]
        assert "key: disable" in titles
        assert "key: enable" not in titles
        assert "key: undelete" not in titles
        assert any(t.startswith("acting as: user/auditor") for t in titles)


async def test_help_lists_the_screen_bindings_from_the_code(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {row[3] for row in app.screen.rows}
        assert {"key.create", "key.disable", "keys.filter", "help.show"} <= ids
        await pilot.press("escape")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
