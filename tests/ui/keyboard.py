"""Driving a form with the keyboard only, as a person would: Tab to a field, Enter to
open a select, arrows to an option, Enter to choose it."""

from __future__ import annotations

from consoletest import settle
from textual.widgets import Select


async def tab_to(pilot, selector: str, limit: int = 30) -> None:
    """Press Tab until the widget ``selector`` names has the focus."""
    target = pilot.app.screen.query_one(selector)
    for _ in range(limit):
        if pilot.app.focused is target:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached {selector} (focus: {pilot.app.focused})")


async def choose(pilot, selector: str, value: str) -> None:
    """Tab to a select, open it with Enter, move to ``value`` with the arrows, and
    choose it with Enter."""
    await tab_to(pilot, selector)
    select = pilot.app.screen.query_one(selector, Select)
    values = [v for _, v in select._options if isinstance(v, str)]
    assert value in values, f"{value} is not offered by {selector}: {values}"
    await pilot.press("enter")
    await pilot.pause()
    steps = values.index(value) - values.index(select.value)
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    await pilot.press("enter")
    await settle(pilot)
    assert select.value == value, f"{selector}: {select.value} chosen, not {value}"


async def type_into(pilot, selector: str, text: str) -> None:
    await tab_to(pilot, selector)
    await pilot.press(*text)
