"""Console test fixtures: a seeded engine on a fixed clock in a temporary data
directory, a temporary config directory, and no cursor blink."""

from __future__ import annotations

import pytest

from kmstui.clock import Clock
from kmstui.engine import Engine
from kmstui.entropy import Entropy
from kmstui.sample import seed

FIXED_TIME = 1_800_000_000.0
SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("KMSTUI_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("KMSTUI_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture
def engine(tmp_path):
    eng = Engine(tmp_path / "data", tmp_path / "config", clock=Clock(fixed=FIXED_TIME),
                 entropy=Entropy("kmstui-ui-tests"))
    seed(eng)
    yield eng
    eng.close()


def make_app(engine, tmp_path):
    from textual.widgets import Input

    from kmstui.ui.app import KmsConsole

    Input.cursor_blink = False  # type: ignore[assignment]
    return KmsConsole(engine, config_dir=tmp_path / "config")


@pytest.fixture
def app(engine, tmp_path):
    return make_app(engine, tmp_path)


async def settle(pilot) -> None:
    """Let workers finish and their messages be handled."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
