"""Console test fixtures: a seeded engine on a fixed clock in a temporary data
directory, a temporary config directory, and no cursor blink."""

from __future__ import annotations

import pytest
from consoletest import FIXED_TIME, make_app

from kmstui.clock import Clock
from kmstui.engine import Engine
from kmstui.entropy import Entropy
from kmstui.sample import seed


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("KMSTUI_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("KMSTUI_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture
def engine(tmp_path):
    eng = Engine(
        tmp_path / "data",
        tmp_path / "config",
        clock=Clock(fixed=FIXED_TIME),
        entropy=Entropy("kmstui-ui-tests"),
    )
    seed(eng)
    yield eng
    eng.close()


@pytest.fixture
def app(engine, tmp_path):
    return make_app(engine, tmp_path)
