"""The console's Region: shown in the top bar, switched at run time, the key list of
that Region; a multi-Region key replicated from its detail, shown in its replica's
Region, and its primary moved there."""

from __future__ import annotations

from consoletest import SIZE, open_key, select_key, settle
from keyboard import type_into
from textual.widgets import DataTable, OptionList

from kmstui.caller import Caller
from kmstui.ui.region import RegionScreen
from kmstui.ui.screens.key_detail import KeyDetailScreen
from kmstui.ui.screens.keys import KeysScreen
from tests.workers import wait_until


def listed(app) -> list[str]:
    table = app.screen.query_one("#keys", DataTable)
    return [row.value for row in table.rows]


def topbar_region(app) -> str:
    return str(app.screen.query_one("#region").render())


def metadata_in(engine, key_id: str, region: str) -> dict:
    caller = Caller.root(engine.account, region)
    return engine.call("DescribeKey", {"KeyId": key_id}, caller=caller)["KeyMetadata"]


async def choose_typed_region(pilot, region: str) -> None:
    assert isinstance(pilot.app.screen, RegionScreen)
    await type_into(pilot, "#other", region)
    await pilot.press("enter")
    await settle(pilot)


async def test_switching_the_region_lists_that_regions_keys_and_back(app, engine):
    seeded = [k["KeyId"] for k in engine.call("ListKeys")["Keys"]]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert topbar_region(app) == "us-east-1"
        await pilot.press("f5")
        await settle(pilot)
        await choose_typed_region(pilot, "eu-west-1")
        assert app.acting_as.region == "eu-west-1"
        assert topbar_region(app) == "eu-west-1"
        assert listed(app) == []
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("home", "enter")  # the first: us-east-1, the engine's default
        await settle(pilot)
        assert topbar_region(app) == "us-east-1"
        assert sorted(listed(app)) == sorted(seeded)


async def test_a_typed_region_that_is_not_a_region_name_is_refused(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await choose_typed_region(pilot, "moon-base")
        assert isinstance(app.screen, RegionScreen)
        assert "not a Region name" in str(app.screen.query_one("#problem").render())
        await pilot.press("escape")
        await settle(pilot)
        assert app.acting_as.region == "us-east-1"


async def test_acting_as_another_principal_keeps_the_region(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await choose_typed_region(pilot, "ap-south-1")
        app.act_as("arn:aws:iam::111122223333:user/auditor")
        await settle(pilot)
        assert app.acting_as.region == "ap-south-1"


async def test_replicate_then_show_the_replica_in_its_region_and_move_the_primary(app, engine):
    key_id = engine.call("CreateKey", {"MultiRegion": True, "Description": "global"})[
        "KeyMetadata"
    ]["KeyId"]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        detail = await open_key(pilot, key_id)
        await pilot.press("M")
        await settle(pilot)
        await choose_typed_region(pilot, "eu-west-1")
        replica = metadata_in(engine, key_id, "eu-west-1")
        assert replica["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
        assert replica["Description"] == "global"
        assert app.screen is detail

        # f5 on the detail: its related keys first; the replica opens in its Region
        await pilot.press("f5")
        await settle(pilot)
        regions = app.screen.query_one(OptionList)
        assert [regions.get_option_at_index(i).id for i in range(2)] == [
            "us-east-1",
            "eu-west-1",
        ]
        await pilot.press("down", "enter")
        await settle(pilot)
        shown = app.screen
        assert isinstance(shown, KeyDetailScreen) and shown is not detail
        assert shown.detail.metadata["Arn"].split(":")[3] == "eu-west-1"
        assert topbar_region(app) == "eu-west-1"

        # P on the replica: back to the primary's Region, which asks where to move it
        await pilot.press("P")
        await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen), what="the dialog")
        assert app.acting_as.region == "us-east-1"
        await pilot.press("enter")  # its one replica, eu-west-1
        await settle(pilot)
        assert (
            metadata_in(engine, key_id, "eu-west-1")["MultiRegionConfiguration"][
                "MultiRegionKeyType"
            ]
            == "PRIMARY"
        )

        # back to the list: us-east-1's keys, the key among them
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, KeysScreen)
        await select_key(pilot, key_id)
        assert key_id in listed(app)


async def test_the_palette_offers_the_switch_and_each_other_region(app):
    from kmstui.ui.commands import ConsoleCommands

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = {c.title: c for c in ConsoleCommands(app.screen)._commands()}
        assert "region: switch region" in commands
        assert "region: work in us-east-1" not in commands  # where it works now
        commands["region: work in ca-central-1"].run()
        await settle(pilot)
        assert app.acting_as.region == "ca-central-1"
        assert topbar_region(app) == "ca-central-1"


async def test_a_switch_asks_about_unsaved_policy_edits_then_closes_the_key(app, engine):
    from test_editor_bugs import edit_policy

    from kmstui.ui.dialogs.unsaved import UnsavedScreen

    async with app.run_test(size=SIZE) as pilot:
        editor = await edit_policy(pilot, engine)
        await pilot.press("f5")  # not text in the editor: a single-Region key's f5 switches
        await settle(pilot)
        await choose_typed_region(pilot, "eu-west-2")
        assert isinstance(app.screen, UnsavedScreen)
        await pilot.press("escape")  # stay
        await settle(pilot)
        assert app.acting_as.region == "us-east-1"
        assert isinstance(app.screen, KeyDetailScreen) and '"Edited"' in editor.text
        await pilot.press("f5")
        await settle(pilot)
        await choose_typed_region(pilot, "eu-west-2")
        await pilot.press("d")  # discard
        await settle(pilot)
        assert app.acting_as.region == "eu-west-2"
        assert isinstance(app.screen, KeysScreen)  # the key is us-east-1's: it closed
        assert listed(app) == []


async def test_clicking_the_region_in_the_top_bar_opens_the_switcher(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#region")
        await settle(pilot)
        assert isinstance(app.screen, RegionScreen)
