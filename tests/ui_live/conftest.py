"""Fixtures of the live-view tests: an engine with the EC2 service on a fixed clock and
seeded ids (the shared ``engine`` fixture), the console with the live sections, and
fixed streams of events and metrics for snapshots."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _quiet_terminal(monkeypatch):
    from textual.widgets import Input

    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setattr(Input, "cursor_blink", False)


@pytest.fixture
def ec2_engine(engine):
    """The shared engine (Clock(fixed=...), Entropy(7)) with the EC2 service."""
    ec2 = engine.ec2
    yield engine
    ec2.close()


@pytest.fixture
def console(ec2_engine, tmp_path):
    from kmstui.ui.live.console import LiveConsole

    return LiveConsole(ec2_engine, config_dir=tmp_path / "console-config")
