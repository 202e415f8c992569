"""Whole flows through the console, driven by keys as a person would."""

from __future__ import annotations

from consoletest import SIZE, key_id_by_alias, open_key, select_key, settle
from textual.widgets import DataTable, Input, Static

from kmstui.ui.dialogs.confirm import ConfirmScreen
from kmstui.ui.dialogs.create_key import CreateKeyScreen
from kmstui.ui.dialogs.error import ErrorScreen
from kmstui.ui.dialogs.schedule_deletion import ScheduleDeletionScreen


def state_of(engine, key_id: str) -> str:
    return engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"]


def cell_texts(table: DataTable) -> list[str]:
    return [str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)]


async def test_create_key_through_the_dialog_adds_it_to_the_table(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, CreateKeyScreen)
        app.screen.query_one("#description", Input).value = "Payroll exports"
        app.screen.query_one("#alias", Input).value = "payroll"
        app.screen.query_one("#tags", Input).value = "team=finance, env=prod"
        await pilot.click("#create")
        await settle(pilot)
        table = app.screen.query_one("#keys", DataTable)
        assert "alias/payroll" in cell_texts(table)
        key_id = key_id_by_alias(engine, "alias/payroll")
        tags = engine.call("ListResourceTags", {"KeyId": key_id})["Tags"]
        assert {"TagKey": "team", "TagValue": "finance"} in tags


async def test_create_key_dialog_rejects_bad_tags_without_closing(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        app.screen.query_one("#tags", Input).value = "no-equals-sign"
        await pilot.click("#create")
        await pilot.pause()
        assert isinstance(app.screen, CreateKeyScreen)
        assert "key=value" in str(app.screen.query_one("#problem", Static).render())


async def test_disable_asks_first_then_shows_disabled(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_key(pilot, key_id)
        await pilot.press("D")
        assert isinstance(app.screen, ConfirmScreen)
        assert state_of(engine, key_id) == "Enabled"
        await pilot.press("y")
        await settle(pilot)
        assert state_of(engine, key_id) == "Disabled"
        row = app.screen.query_one("#keys", DataTable).get_row(key_id)
        assert "Disabled" in [str(cell) for cell in row]


async def test_schedule_deletion_validates_the_window_and_cancel_leaves_disabled(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_key(pilot, key_id)
        await pilot.press("x")
        dialog = app.screen
        assert isinstance(dialog, ScheduleDeletionScreen)
        dialog.query_one(Input).value = "5"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        assert "from 7 to 30 days" in str(dialog.query_one("#problem", Static).render())
        dialog.query_one(Input).value = "7"
        await pilot.press("enter")
        await settle(pilot)
        assert state_of(engine, key_id) == "PendingDeletion"
        row = [str(c) for c in app.screen.query_one("#keys", DataTable).get_row(key_id)]
        assert any("PendingDeletion" in c for c in row)
        await pilot.press("u")
        await settle(pilot)
        assert state_of(engine, key_id) == "Disabled"
        row = [str(c) for c in app.screen.query_one("#keys", DataTable).get_row(key_id)]
        assert any("Disabled" in c for c in row)


async def test_filter_shows_only_matching_keys(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"ebs")
        await pilot.pause()
        table = app.screen.query_one("#keys", DataTable)
        assert table.row_count == 1
        assert "alias/ebs-volumes" in cell_texts(table)


async def test_clicking_a_header_sorts_by_that_column(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#keys", DataTable)
        table.post_message(
            DataTable.HeaderSelected(
                table, table.columns["alias"].key, 0, table.columns["alias"].label
            )
        )
        await pilot.pause()
        assert screen.sort_column == "alias"
        first = [str(c) for c in table.get_row_at(0)]
        assert first[0] == "alias/app-data"


async def test_rotate_now_adds_key_material_to_the_history(app, engine):
    key_id = key_id_by_alias(engine, "alias/ebs-volumes")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id)
        history = app.screen.query_one("#rotations-table", DataTable)
        assert history.row_count == 1
        app.screen.action_show_tab("rotation")
        await settle(pilot)
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert history.row_count == 2
        assert "ON_DEMAND" in cell_texts(history)
        summary = str(app.screen.query_one("#rotation-summary", Static).render())
        assert "1 of 25" in summary


async def test_enable_automatic_rotation_checks_the_period(app, engine):
    key_id = key_id_by_alias(engine, "alias/ebs-volumes")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id, tab="rotation")
        await pilot.press("O")
        dialog = app.screen
        dialog.query_one(Input).value = "30"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        dialog.query_one(Input).value = "180"
        await pilot.press("enter")
        await settle(pilot)
        status = engine.call("GetKeyRotationStatus", {"KeyId": key_id})
        assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 180


async def test_acting_as_the_auditor_a_test_encrypt_is_denied(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id)
        app.act_as("arn:aws:iam::111122223333:user/auditor")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.code == "AccessDeniedException"
        shown = str(app.screen.query_one("#error-message", Static).render())
        assert "auditor" in shown and "kms:Encrypt" in shown


async def test_as_root_a_test_encrypt_succeeds(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id)
        await pilot.press("t")
        await settle(pilot)
        assert not isinstance(app.screen, ErrorScreen)
        reads = ("Describe", "List", "Get")  # what the detail view reads around the test
        events = [
            e["eventName"] for e in engine.events.recent if not e["eventName"].startswith(reads)
        ]
        assert events[-2:] == ["Encrypt", "Decrypt"]


async def test_engine_errors_show_code_and_message_in_a_dialog(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        engine.call("DisableKey", {"KeyId": key_id})
        app.submit("Encrypt", {"KeyId": key_id, "Plaintext": b"x"})
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.code == "DisabledException"


async def test_markup_in_descriptions_and_tags_renders_as_text(app, engine):
    tricky = "[/] [bold]not bold[/bold] [/"
    key_id = engine.call(
        "CreateKey", {"Description": tricky, "Tags": [{"TagKey": "note", "TagValue": "[/x]"}]}
    )["KeyMetadata"]["KeyId"]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id, tab="aliases")
        screen_text = app.export_screenshot().replace("&#160;", " ")
        assert tricky in screen_text
        assert "[/x]" in screen_text


async def test_an_alias_containing_markup_is_reported_not_rendered(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, tab="aliases")
        await pilot.press("L")
        app.screen.query_one(Input).value = "alias/x[/y"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "alias/x[/y" in str(app.screen.query_one("#error-message", Static).render())
        assert "alias/x[/y" in app.export_screenshot()


async def test_advance_clock_moves_the_engine_clock(app, engine):
    before = engine.clock.now()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await pilot.press("enter")
        await settle(pilot)
    assert engine.clock.now() - before == 31 * 86400


async def test_the_events_tab_names_a_deciding_grant_as_the_monitor_does(app, engine):
    from kmstui.caller import Caller

    key_id = engine.call("CreateKey", {"Description": "granted"})["KeyMetadata"]["KeyId"]
    grantee = "arn:aws:iam::111122223333:user/app-server"
    grant_id = engine.call(
        "CreateGrant",
        {"KeyId": key_id, "GranteePrincipal": grantee, "Operations": ["Encrypt"]},
    )["GrantId"]
    engine.call("Encrypt", {"KeyId": key_id, "Plaintext": b"x"}, caller=Caller.for_arn(grantee))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id, tab="events")
        cells = cell_texts(app.screen.query_one("#events-table", DataTable))
        assert f"grant {grant_id[:8]}…" in cells
        assert not any(grant_id in cell for cell in cells)  # never the whole id


async def test_the_title_names_a_key_by_its_alias_and_id_or_by_its_id_once(app, engine):
    bare = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    named = engine.call("CreateKey")["KeyMetadata"]["KeyId"]
    engine.call("CreateAlias", {"AliasName": "alias/named", "TargetKeyId": named})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = []
        for key_id in (bare, named):
            await open_key(pilot, key_id)
            titles.append(str(app.screen.query_one("#key-title", Static).render()))
            await pilot.press("escape")
            await settle(pilot)
    assert titles[0].count(bare) == 1 and "Enabled" in titles[0]
    assert titles[1].startswith("alias/named") and titles[1].count(named) == 1


async def test_the_key_detail_disables_enables_and_schedules_deletion(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_key(pilot, key_id)
        await pilot.press("D")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert state_of(engine, key_id) == "Disabled"
        await pilot.press("E")
        await settle(pilot)
        assert state_of(engine, key_id) == "Enabled"
        await pilot.press("x")
        assert isinstance(app.screen, ScheduleDeletionScreen)
        app.screen.query_one(Input).value = "7"
        await pilot.press("enter")
        await settle(pilot)
        assert state_of(engine, key_id) == "PendingDeletion"
        await pilot.press("u")
        await settle(pilot)
        assert state_of(engine, key_id) == "Disabled"
