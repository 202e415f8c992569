"""F12 saves the screen as an SVG (what the README's screenshots are made with)."""

from __future__ import annotations

from kmstui.ui.app import KmsConsole


async def test_f12_saves_the_screen_as_svg(engine, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = KmsConsole(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f12")
        await pilot.pause()
    (saved,) = tmp_path.glob("kmstui-keys-*.svg")
    assert "<svg" in saved.read_text()[:500]


async def test_f12_saves_each_screen_state_to_a_new_file_even_over_dialogs(
    engine, tmp_path, monkeypatch
):
    from textual.widgets import Static

    monkeypatch.chdir(tmp_path)
    app = KmsConsole(engine)
    notes: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **_kw: notes.append(str(message)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f12")
        await pilot.press("f12")
        await pilot.press("question_mark")  # help is open
        await pilot.pause()
        await pilot.press("f12")
        await pilot.press("escape", "D")  # a confirm dialog is open
        await pilot.pause()
        assert app.screen.query(Static)
        await pilot.press("f12")
        await pilot.pause()
    saved = sorted(tmp_path.glob("kmstui-*.svg"))
    assert len(saved) == 4
    assert len(notes) == 4
    for path in saved:
        assert any(str(path) in note for note in notes)
    names = " ".join(p.name for p in saved)
    assert "help" in names and "confirm" in names
