"""The console on a remote account (the AWS backend on a served engine with a fixed
clock and seeded entropy, shown as "AWS 111122223333": no port on screen) at 80x24 and
120x40: the key list, the Volumes section with what an AWS account cannot do dimmed, a
key's Overview, and the confirmation of a CreateKey. The Monitor is left out: its
freshness line is the wall clock's."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from kmstui.ui.dialogs.confirm_call import ConfirmCallScreen
from kmstui.ui.dialogs.create_key import CreateKeyScreen
from kmstui.ui.screens.key_detail import KeyDetailScreen
from tests.aws.served_engine import console_on, seeded_endpoint
from tests.aws.test_console_gate import aliases_shown, key_id_by_alias, shown, until

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    with seeded_endpoint(tmp_path) as (engine, url):
        yield engine, console_on(url, tmp_path, kind="aws", allow_writes=True)


async def still(pilot) -> None:
    """A few frames for what was just read to be drawn."""
    for _ in range(5):
        await pilot.pause(0.05)


async def _keys(pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: {"alias/app-data", "alias/ebs-volumes"} <= aliases_shown(app),
                "the key list")  # fmt: skip
    await until(pilot, lambda: [r.rotation for r in app.screen.rows] == ["on, 365d", "off"],
                "the keys' rotation read")  # fmt: skip
    await still(pilot)


async def _volumes(pilot) -> None:
    app = pilot.app
    await _keys(pilot)
    await pilot.press("3")
    await until(pilot, lambda: bool(app.screen.query("#volumes")), "the Volumes section")
    table = app.screen.query_one("#volumes", DataTable)
    await until(pilot, lambda: table.row_count == 1, "the seed's volume")
    await until(pilot, lambda: "default key" in str(app.screen.query_one("#ebs-defaults")
                .render()), "EBS encryption by default")  # fmt: skip
    await still(pilot)


def _overview(engine):
    async def run_before(pilot) -> None:
        app = pilot.app
        await _keys(pilot)
        table = app.screen.query_one("#keys", DataTable)
        key_id = key_id_by_alias(engine, "alias/app-data")
        table.move_cursor(row=table.get_row_index(key_id))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, KeyDetailScreen), "the key's detail")
        screen = app.screen
        await until(pilot, lambda: screen.detail is not None, "the key's detail read")
        # as the keys show a tab (tests/ui does the same): its table takes the focus,
        # with no race between a pane focusing itself and the hidden Overview giving it up
        await pilot.press("alt+o")
        overview = screen.query_one("#overview-table", DataTable)
        await until(pilot, lambda: app.focused is overview and overview.row_count > 0,
                    "the Overview filled and focused")  # fmt: skip
        await still(pilot)

    return run_before


async def _confirm_create_key(pilot) -> None:
    app = pilot.app
    await _keys(pilot)
    await pilot.press("n")
    await until(pilot, lambda: shown(app, CreateKeyScreen, "#create"), "the CreateKey form")
    app.screen.query_one("#alias").value = "alias/payroll"
    app.screen.query_one("#description").value = "payroll exports"
    await pilot.click("#create")
    await until(pilot, lambda: shown(app, ConfirmCallScreen, "#send"), "the confirmation")
    await still(pilot)


SCENES = {
    "keys": lambda engine: _keys,
    "volumes": lambda engine: _volumes,
    "detail-overview": _overview,
    "confirm-create-key": lambda engine: _confirm_create_key,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", list(SCENES))
def test_scene(snap_compare, served, scene, size):
    engine, app = served
    assert snap_compare(app, terminal_size=size, run_before=SCENES[scene](engine))
