"""The console's story on a remote account, driven by keys as a person would: the AWS
backend on a served engine with writes allowed, each change put to the user as its exact
call and sent once answered (Enter; a destructive one once what it destroys is typed),
and each checked on the served engine. A grant made and revoked; a rotation now and
automatic rotation turned on; a volume created under a CMK, attached to the account's
instance and detached; and a confirmation declined, which sends nothing and leaves the
form open to change and send."""

from __future__ import annotations

from textual.widgets import DataTable, Select, Static

from kmstui.ui.dialogs.confirm import ConfirmScreen
from kmstui.ui.dialogs.confirm_call import ConfirmCallScreen
from kmstui.ui.dialogs.prompt import PromptScreen
from kmstui.ui.grants.dialogs import CreateGrantDialog, GrantTokenDialog
from kmstui.ui.live.dialogs import AttachScreen, CreateVolumeScreen
from kmstui.ui.policy.dialogs import ConfirmDialog
from kmstui.ui.screens.key_detail import KeyDetailScreen
from tests.aws.served_engine import console_on, seeded_endpoint
from tests.aws.test_console_gate import SIZE, aliases_shown, key_id_by_alias, shown, until

APP_ROLE = "arn:aws:iam::111122223333:role/app-role"


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def cell_texts(table: DataTable) -> list[str]:
    return [" ".join(str(c) for c in table.get_row_at(r)) for r in range(table.row_count)]


async def tab_to(pilot, selector: str, key: str = "tab", limit: int = 30) -> None:
    """Press Tab (or ``key``) until the widget ``selector`` names has the focus."""
    target = pilot.app.screen.query_one(selector)
    for _ in range(limit):
        if pilot.app.focused is target:
            return
        await pilot.press(key)
    raise AssertionError(f"{key} never reached {selector} (focus: {pilot.app.focused})")


async def choose(pilot, selector: str, value: str) -> None:
    """Tab to a select, open it with Enter, arrow to ``value``, choose it with Enter."""
    await tab_to(pilot, selector)
    select = pilot.app.screen.query_one(selector, Select)
    values = [v for _, v in select._options if isinstance(v, str)]
    assert value in values, f"{value} is not offered by {selector}: {values}"
    steps = values.index(value) - values.index(select.value)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")
    await until(pilot, lambda: select.value == value, f"{value} chosen in {selector}")


async def confirm_call(pilot, url: str, cli: str, typed: str | None = None) -> None:
    """The confirmation of the call ``cli`` names, to ``url``: answered with Enter, or
    with ``typed`` and Enter for a destructive call (which asks for exactly that)."""
    app = pilot.app
    await until(pilot, lambda: shown(app, ConfirmCallScreen, "#send"), f"{cli} to confirm")
    screen = app.screen
    assert isinstance(screen, ConfirmCallScreen)
    assert str(screen.query_one("#call-cli", Static).render()) == cli
    assert str(screen.query_one("#call-where", Static).render()).startswith(
        "To AWS 111122223333 us-east-1"
    )
    assert url not in str(screen.query_one("#call-where", Static).render())
    assert screen.request.type_to_confirm == typed
    if typed is not None:
        await pilot.press("enter")  # nothing typed: not sent, and said so
        await until(
            pilot,
            lambda: "Type" in str(screen.query_one("#problem", Static).render()),
            "the dialog asking for the name",
        )
        assert app.screen is screen
        await pilot.press(*typed)
    await pilot.press("enter")
    await until(pilot, lambda: app.screen is not screen, f"{cli} answered")


async def open_key(pilot, key_id: str, tab: str) -> KeyDetailScreen:
    """Filter the key list to the key, open it, and show ``tab`` by its alt key."""
    app = pilot.app
    await until(pilot, lambda: "alias/ebs-volumes" in aliases_shown(app), "the key list")
    table = app.screen.query_one("#keys", DataTable)
    table.focus()
    await until(pilot, lambda: key_id in [row.value for row in table.rows], "the key")
    await pilot.press(*["up"] * table.row_count)
    while table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value != key_id:
        await pilot.press("down")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, KeyDetailScreen), "the key's detail")
    await pilot.press(f"alt+{tab[0]}")
    screen = app.screen
    assert isinstance(screen, KeyDetailScreen) and screen.key_id == key_id
    await until(pilot, lambda: screen.query_one("TabbedContent").active == tab, f"the {tab} tab")
    return screen


async def open_grants(pilot, key_id: str) -> tuple[KeyDetailScreen, DataTable]:
    """The key's detail on its grants tab, the grants table focused."""
    screen = await open_key(pilot, key_id, "grants")
    grants = screen.query_one("#grants-table", DataTable)
    await until(pilot, lambda: pilot.app.focused is grants, "the grants table focused")
    return screen, grants


async def grant_asked_for(pilot, key_id: str) -> tuple[DataTable, CreateGrantDialog]:
    """The key's grants, the new-grant form filled in (app-role may Decrypt) and sent:
    the grants table and the form."""
    app = pilot.app
    _, grants = await open_grants(pilot, key_id)
    await pilot.press("n")
    await until(pilot, lambda: shown(app, CreateGrantDialog, "#grant-grantee"), "form")
    form = app.screen
    await pilot.press(*APP_ROLE)
    await tab_to(pilot, "#grant-operations")
    await pilot.press("space")  # the first: Decrypt
    await tab_to(pilot, "#dialog-confirm")
    await pilot.press("enter")
    return grants, form


async def test_a_grant_is_created_and_then_revoked_once_the_alias_is_typed(tmp_path):
    with seeded_endpoint(tmp_path) as (engine, url):
        key_id = key_id_by_alias(engine, "alias/app-data")
        before = engine.call("ListGrants", {"KeyId": key_id})["Grants"]
        app = console_on(url, tmp_path, allow_writes=True)
        async with app.run_test(size=SIZE) as pilot:
            grants, _ = await grant_asked_for(pilot, key_id)
            await confirm_call(pilot, url, "aws kms create-grant")
            await until(pilot, lambda: shown(app, GrantTokenDialog, "#dialog-ok"), "the token")
            made = [
                g for g in engine.call("ListGrants", {"KeyId": key_id})["Grants"] if g not in before
            ]
            assert [(g["GranteePrincipal"], g["Operations"]) for g in made] == [
                (APP_ROLE, ["Decrypt"])
            ]
            grant_id = made[0]["GrantId"]
            assert str(app.screen.query_one("#token-grant-id", Static).render()) == (
                f"GrantId: {grant_id}"
            )
            await tab_to(pilot, "#dialog-ok")
            await pilot.press("enter")
            await until(
                pilot, lambda: any("app-role" in r for r in cell_texts(grants)), "the grant listed"
            )

            # revoked: the console's own question, then the call with the alias typed
            await until(pilot, lambda: app.focused is grants, "the grants table again")
            await pilot.press(*["up"] * grants.row_count)
            while "app-role" not in cell_texts(grants)[grants.cursor_row]:
                await pilot.press("down")
            await pilot.press("x")
            await until(pilot, lambda: shown(app, ConfirmDialog, "Button"), "Revoke grant?")
            await pilot.press("y")
            await confirm_call(pilot, url, "aws kms revoke-grant", typed="alias/app-data")
            await until(
                pilot,
                lambda: engine.call("ListGrants", {"KeyId": key_id})["Grants"] == before,
                "the grant revoked",
            )
            await until(
                pilot,
                lambda: not any("app-role" in r for r in cell_texts(grants)),
                "the grant gone from the list",
            )


async def test_a_rotation_now_and_automatic_rotation_turned_on(tmp_path):
    with seeded_endpoint(tmp_path) as (engine, url):
        key_id = key_id_by_alias(engine, "alias/ebs-volumes")
        status = engine.call("GetKeyRotationStatus", {"KeyId": key_id})
        assert not status["KeyRotationEnabled"]
        app = console_on(url, tmp_path, allow_writes=True)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_key(pilot, key_id, "rotation")
            history = screen.query_one("#rotations-table", DataTable)
            await until(pilot, lambda: app.focused is history, "the rotations table focused")
            await until(pilot, lambda: history.row_count == 1, "the key's first material")
            await pilot.press("r")
            await until(pilot, lambda: shown(app, ConfirmScreen, "Button"), "Rotate now?")
            await pilot.press("y")
            await confirm_call(pilot, url, "aws kms rotate-key-on-demand")
            rotations = lambda: engine.call("ListKeyRotations", {"KeyId": key_id})["Rotations"]  # noqa: E731
            await until(pilot, lambda: len(rotations()) == 1, "the rotation on the engine")
            assert rotations()[0]["RotationType"] == "ON_DEMAND"
            await until(pilot, lambda: history.row_count == 2, "the new material listed")
            assert "ON_DEMAND" in " ".join(cell_texts(history))
            summary = screen.query_one("#rotation-summary", Static)
            # AWS's GetKeyRotationStatus has no count: the history gives it
            await until(
                pilot,
                lambda: "On-demand rotations: 1\n" in str(summary.render()),
                "one on-demand rotation used",
            )

            await pilot.press("O")
            await until(pilot, lambda: shown(app, PromptScreen, "Input"), "the period prompt")
            await pilot.press("ctrl+u", *"180", "enter")
            await confirm_call(pilot, url, "aws kms enable-key-rotation")
            await until(
                pilot,
                lambda: engine.call("GetKeyRotationStatus", {"KeyId": key_id})[
                    "KeyRotationEnabled"
                ],
                "automatic rotation on",
            )
            status = engine.call("GetKeyRotationStatus", {"KeyId": key_id})
            assert status["RotationPeriodInDays"] == 180
            await until(pilot, lambda: "180" in str(summary.render()), "the period shown")


def volume_ids(engine) -> set[str]:
    return {v["VolumeId"] for v in engine.call("DescribeVolumes")["Volumes"]}


def volume(engine, volume_id: str) -> dict:
    return engine.call("DescribeVolumes", {"VolumeIds": [volume_id]})["Volumes"][0]


async def test_a_volume_is_created_attached_and_detached_once_its_id_is_typed(tmp_path):
    with seeded_endpoint(tmp_path) as (engine, url):
        key_id = key_id_by_alias(engine, "alias/ebs-volumes")
        [reservation] = engine.call("DescribeInstances")["Reservations"]
        [instance] = reservation["Instances"]
        instance_id = instance["InstanceId"]
        before = volume_ids(engine)
        app = console_on(url, tmp_path, allow_writes=True)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: "alias/app-data" in aliases_shown(app), "the key list")
            await pilot.press("3")
            await until(pilot, lambda: bool(app.screen.query("#volumes")), "the volumes")
            table = app.screen.query_one("#volumes", DataTable)
            await until(pilot, lambda: table.row_count == len(before), "the seed's volume")
            await pilot.press("n")
            await until(pilot, lambda: shown(app, CreateVolumeScreen, "#key"), "the form")
            await pilot.press("ctrl+u", *"4")
            await choose(pilot, "#key", "alias/ebs-volumes")
            await tab_to(pilot, "#ok")
            await pilot.press("enter")
            await confirm_call(pilot, url, "aws ec2 create-volume")
            await until(pilot, lambda: len(volume_ids(engine)) == len(before) + 1, "created")
            [volume_id] = volume_ids(engine) - before
            made = volume(engine, volume_id)
            assert (made["Size"], made["Encrypted"], made["State"]) == (4, True, "available")
            assert made["KmsKeyId"].endswith(f":key/{key_id}")
            await until(pilot, lambda: table.row_count == len(before) + 1, "the volume listed")

            # attached to the account's instance, on the device the form offers
            table.focus()
            await pilot.press("G")
            await until(pilot, lambda: cell_texts(table)[table.cursor_row].startswith(volume_id),
                        "the new volume selected")  # fmt: skip
            await pilot.press("a")
            await until(pilot, lambda: shown(app, AttachScreen, "#device"), "the attach form")
            assert app.screen.query_one("#instance", Select).value == instance_id
            await tab_to(pilot, "#ok")
            await pilot.press("enter")
            await confirm_call(pilot, url, "aws ec2 attach-volume")
            await until(pilot, lambda: volume(engine, volume_id)["State"] == "in-use", "attached")
            [attachment] = volume(engine, volume_id)["Attachments"]
            assert (attachment["InstanceId"], attachment["Device"]) == (instance_id, "/dev/sdg")
            await until(pilot, lambda: "in-use" in cell_texts(table)[table.cursor_row],
                        "in-use on screen")  # fmt: skip

            # detached: the console's own question, then the call with the id typed
            await pilot.press("d")
            await until(pilot, lambda: shown(app, ConfirmScreen, "Button"), "Detach volume")
            await pilot.press("y")
            await confirm_call(pilot, url, "aws ec2 detach-volume", typed=volume_id)
            await until(
                pilot, lambda: volume(engine, volume_id)["State"] == "available", "detached"
            )
            assert not volume(engine, volume_id)["Attachments"]
            await until(pilot, lambda: "available" in cell_texts(table)[table.cursor_row],
                        "available on screen")  # fmt: skip


async def test_a_declined_confirmation_sends_nothing_and_the_form_stays_to_send_again(tmp_path):
    with seeded_endpoint(tmp_path) as (engine, url):
        key_id = key_id_by_alias(engine, "alias/app-data")
        before = engine.call("ListGrants", {"KeyId": key_id})["Grants"]
        app = console_on(url, tmp_path, allow_writes=True)
        async with app.run_test(size=SIZE) as pilot:
            _, form = await grant_asked_for(pilot, key_id)
            await until(pilot, lambda: shown(app, ConfirmCallScreen, "#send"), "the call")
            published = engine.events.published
            await pilot.press("escape")
            problem = form.query_one("#grant-problem", Static)
            await until(pilot, lambda: "not sent" in str(problem.render()), "the form says so")
            assert str(problem.render()) == (
                "Cancelled: CreateGrant was not sent: you did not confirm it."
            )
            assert app.screen is form
            assert engine.call("ListGrants", {"KeyId": key_id})["Grants"] == before
            new = engine.events.published - published
            since = list(engine.events.recent)[-new:] if new else []
            assert "CreateGrant" not in [r["eventName"] for r in since]

            # the same form, changed (a name added) and sent
            await tab_to(pilot, "#grant-name")
            await pilot.press(*"reports")
            await tab_to(pilot, "#dialog-confirm")
            await pilot.press("enter")
            await confirm_call(pilot, url, "aws kms create-grant")
            await until(pilot, lambda: shown(app, GrantTokenDialog, "#dialog-ok"), "the token")
            [made] = [
                g for g in engine.call("ListGrants", {"KeyId": key_id})["Grants"] if g not in before
            ]
            assert (made["Name"], made["GranteePrincipal"]) == ("reports", APP_ROLE)


async def test_a_revoke_the_user_declines_is_a_note_not_a_failure_and_the_grant_stays(tmp_path):
    with seeded_endpoint(tmp_path) as (engine, url):
        key_id = key_id_by_alias(engine, "alias/app-data")
        engine.call(
            "CreateGrant",
            {"KeyId": key_id, "GranteePrincipal": APP_ROLE, "Operations": ["Decrypt"]},
        )
        grants_before = engine.call("ListGrants", {"KeyId": key_id})["Grants"]
        app = console_on(url, tmp_path, allow_writes=True)
        async with app.run_test(size=SIZE) as pilot:
            screen, grants = await open_grants(pilot, key_id)
            await until(pilot, lambda: grants.row_count > 0, "the grants listed")
            await pilot.press("x")
            await until(pilot, lambda: shown(app, ConfirmDialog, "Button"), "Revoke grant?")
            await pilot.press("y")
            await until(pilot, lambda: shown(app, ConfirmCallScreen, "#send"), "the call")
            await pilot.press("escape")
            said = "RevokeGrant was not sent: you did not confirm it."
            await until(pilot, lambda: said in notes(app), "the note")
            await pilot.pause()
            assert app.screen is screen  # no dialog of a failure over it
            assert engine.call("ListGrants", {"KeyId": key_id})["Grants"] == grants_before
