"""Helpers the console tests share."""

from __future__ import annotations

from tests.workers import wait_for_workers

FIXED_TIME = 1_800_000_000.0
SIZE = (120, 40)


def make_app(engine, tmp_path):
    from textual.widgets import Input

    from kmstui.ui.app import KmsConsole

    Input.cursor_blink = False  # type: ignore[assignment]
    return KmsConsole(engine, config_dir=tmp_path / "config")


async def settle(pilot) -> None:
    """Let workers finish and their messages be handled."""
    for _ in range(3):
        await pilot.pause()
        await wait_for_workers(pilot.app)
    await pilot.pause()
