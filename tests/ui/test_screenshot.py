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
    saved = tmp_path / "kmstui-keys.svg"
    assert saved.exists()
    assert "<svg" in saved.read_text()[:500]
