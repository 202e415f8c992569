"""The console's "Advance the engine clock" prompt at the clock's far end."""

from __future__ import annotations

from consoletest import SIZE, settle
from textual.widgets import Input, Static

from kmstui.ui.dialogs.prompt import PromptScreen


async def test_an_advance_past_the_latest_time_is_refused_in_the_prompt(app, engine):
    before = engine.clock.now()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("C")
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = "3000000d"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)  # still open, saying why
        problem = str(app.screen.query_one("#problem", Static).render())
        assert "Cannot advance the engine clock by 3000000d" in problem
        assert "9990-01-01T00:00:00Z" in problem
    assert engine.clock.now() == before
