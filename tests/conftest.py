"""Fixtures every test shares: an engine on temporary directories with a fixed clock
and seeded randomness, and no access to the developer's own config or data."""

from __future__ import annotations

import pytest

from kmstui.clock import Clock
from kmstui.engine import Engine
from kmstui.entropy import Entropy

FIXED_TIME = 1_800_000_000.0  # 2027-01-15T08:00:00Z


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory, monkeypatch):
    """Keep the developer's own config and data out of every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("KMSTUI_HOME", str(home / "data"))
    monkeypatch.setenv("KMSTUI_CONFIG", str(home / "config"))
    monkeypatch.delenv("KMSTUI_PASSPHRASE", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)  # the engine's default Region
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    return home


@pytest.fixture
def dirs(tmp_path):
    return tmp_path / "data", tmp_path / "config"


@pytest.fixture
def make_engine(dirs):
    """Open (or reopen) an engine on the test's directories."""
    opened: list[Engine] = []

    def make(**kwargs) -> Engine:
        kwargs.setdefault("clock", Clock(fixed=FIXED_TIME))
        kwargs.setdefault("entropy", Entropy(7))
        engine = Engine(dirs[0], dirs[1], **kwargs)
        opened.append(engine)
        return engine

    yield make
    for engine in opened:
        try:
            engine.close()
        except Exception:
            pass


@pytest.fixture
def engine(make_engine) -> Engine:
    return make_engine()
