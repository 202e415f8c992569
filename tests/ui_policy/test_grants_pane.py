"""The grants pane: listing, creating (token shown once), retiring and revoking."""

from __future__ import annotations

from textual.widgets import DataTable, SelectionList

from kmstui.caller import Caller
from kmstui.ui.grants import GrantsPane
from kmstui.ui.grants.dialogs import CreateGrantDialog, GrantTokenDialog, PrincipalField
from kmstui.ui.grants.pane import COLUMNS, fitting_columns
from kmstui.ui.policy.dialogs import ConfirmDialog, MessageDialog
from tests.workers import settle

from .hosts import grants_host

APP_ROLE = "arn:aws:iam::111122223333:role/app-role"
ADMIN = "arn:aws:iam::111122223333:user/admin"


def add_grant(engine, key_id: str, **extra) -> dict:
    params = {"KeyId": key_id, "GranteePrincipal": APP_ROLE, "Operations": ["Decrypt"], **extra}
    return engine.call("CreateGrant", params)


def grant_ids(engine, key_id: str) -> list[str]:
    return [g["GrantId"] for g in engine.call("ListGrants", {"KeyId": key_id})["Grants"]]


async def test_grants_are_listed_with_short_principals_and_constraints(seeded, app_key):
    add_grant(
        seeded,
        app_key,
        Name="app-decrypt",
        RetiringPrincipal=ADMIN,
        Constraints={"EncryptionContextEquals": {"app": "web"}},
    )
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.query_one("#grants-table", DataTable)
        row = [cell.plain for cell in table.get_row_at(0)]
        assert row[0] == "app-decrypt"
        assert row[2:6] == ["role/app-role", "user/admin", "Decrypt", "Equals app=web"]
        assert row[6] == "2027-01-15 08:00"
        assert app.query_one("#grants-status").render().plain == "1 grant"
        assert APP_ROLE in app.query_one("#grants-detail").render().plain


async def test_a_key_without_grants_says_so(seeded, app_key):
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.query_one("#grants-status").render().plain.startswith("No grants on this key.")


async def open_create_dialog(pilot) -> CreateGrantDialog:
    await pilot.press("n")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, CreateGrantDialog)
    return dialog


async def test_creating_a_grant_shows_its_token_once(seeded, app_key):
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        dialog = await open_create_dialog(pilot)
        dialog.query_one("#grant-grantee", PrincipalField).value = APP_ROLE
        operations = dialog.query_one("#grant-operations", SelectionList)
        operations.select("Decrypt")
        operations.select("GenerateDataKey")
        await settle(pilot)
        assert dialog.query_one("#grant-operations-chosen").render().plain == (
            "Chosen: Decrypt, GenerateDataKey"
        )
        await pilot.click("#dialog-confirm")
        await settle(pilot)
        token_dialog = app.screen
        assert isinstance(token_dialog, GrantTokenDialog)
        assert token_dialog.grant_id in grant_ids(seeded, app_key)
        token = token_dialog.query_one("#token-text").render().plain.replace("\n", "")
        assert token.startswith("AQpAM")
        await pilot.click("#token-copy")
        assert app.clipboard == token
        await pilot.click("#dialog-ok")
        await settle(pilot)
        assert isinstance(app.screen.query_one(GrantsPane), GrantsPane)
        grant = seeded.call("ListGrants", {"KeyId": app_key})["Grants"][0]
        assert grant["Operations"] == ["Decrypt", "GenerateDataKey"]
        assert app.query_one("#grants-status").render().plain == "1 grant"
        # Nothing on the screen shows the token again.
        assert token not in app.query_one("#grants-detail").render().plain


async def test_creating_a_grant_with_a_constraint(seeded, app_key):
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        dialog = await open_create_dialog(pilot)
        dialog.query_one("#grant-grantee", PrincipalField).value = APP_ROLE
        dialog.query_one("#grant-retiring", PrincipalField).value = ADMIN
        dialog.query_one("#grant-name").value = "web-data"
        dialog.query_one("#grant-operations", SelectionList).select("Decrypt")
        await pilot.click("#grant-constraint-kind RadioButton:last-of-type")
        await settle(pilot)
        dialog.query_one("#grant-context").value = "app=web, tier=front"
        await pilot.click("#dialog-confirm")
        await settle(pilot)
        assert isinstance(app.screen, GrantTokenDialog)
    grant = seeded.call("ListGrants", {"KeyId": app_key})["Grants"][0]
    assert grant["Name"] == "web-data"
    assert grant["RetiringPrincipal"] == ADMIN
    assert grant["Constraints"] == {"EncryptionContextSubset": {"app": "web", "tier": "front"}}


async def test_the_dialog_says_what_is_missing(seeded, app_key):
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog = await open_create_dialog(pilot)
        await pilot.click("#dialog-confirm")
        await settle(pilot)
        assert dialog.query_one("#grant-problem").render().plain == (
            "Choose or type a grantee principal."
        )
        dialog.query_one("#grant-grantee", PrincipalField).value = APP_ROLE
        # A click within the button's press effect is ignored; press it directly.
        dialog.query_one("#dialog-confirm").press()
        await settle(pilot)
        assert dialog.query_one("#grant-problem").render().plain == (
            "Choose at least one operation."
        )


async def test_kms_refusal_is_shown_in_the_dialog_as_code_and_message(seeded, app_key):
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        dialog = await open_create_dialog(pilot)
        dialog.query_one("#grant-grantee", PrincipalField).value = "bob"
        dialog.query_one("#grant-operations", SelectionList).select("Decrypt")
        await pilot.click("#dialog-confirm")
        await settle(pilot)
        assert app.screen is dialog
        assert (
            dialog.query_one("#grant-problem")
            .render()
            .plain.startswith(
                "ValidationException: GranteePrincipal 'bob' is not a valid principal"
            )
        )
        assert grant_ids(seeded, app_key) == []


async def test_retire_asks_first_and_cancel_keeps_the_grant(seeded, app_key):
    grant_id = add_grant(seeded, app_key)["GrantId"]
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.message.startswith(f"Retire grant {grant_id[:8]}…?")
        await pilot.press("escape")
        await settle(pilot)
        assert grant_ids(seeded, app_key) == [grant_id]


async def test_retire_after_confirmation_removes_the_grant(seeded, app_key):
    add_grant(seeded, app_key)
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.click("#dialog-confirm")
        await settle(pilot)
        assert grant_ids(seeded, app_key) == []
        assert app.query_one("#grants-status").render().plain.startswith("No grants")


async def test_revoke_after_confirmation_removes_the_grant(seeded, app_key):
    add_grant(seeded, app_key, Name="one")
    keep = add_grant(seeded, app_key, Name="two")["GrantId"]
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.query_one(GrantsPane)
        names = [g.get("Name") for g in pane.grants]
        pane.table.move_cursor(row=names.index("one"))
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.message.startswith("Revoke grant one (")
        await pilot.click("#dialog-confirm")
        await settle(pilot)
        assert grant_ids(seeded, app_key) == [keep]


async def test_a_refused_revoke_is_shown_as_code_and_message(seeded, app_key):
    add_grant(seeded, app_key)
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.acting = Caller.for_arn("arn:aws:iam::111122223333:user/auditor")
        await pilot.press("x")
        await settle(pilot)
        await pilot.click("#dialog-confirm")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert app.screen.message.startswith("AccessDeniedException: ")


async def test_refresh_shows_grants_made_elsewhere(seeded, app_key):
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        add_grant(seeded, app_key)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.query_one("#grants-status").render().plain == "1 grant"


def test_every_binding_has_a_stable_id_and_a_tooltip():
    ids = set()
    for binding in GrantsPane.BINDINGS:
        assert binding.id and binding.id.startswith("grants.") and binding.tooltip
        ids.add(binding.id)
    assert ids == {"grants.create", "grants.retire", "grants.revoke", "grants.refresh"}


def test_columns_are_left_out_in_order_and_operations_shortened_to_fit():
    row = ("web", "ad8dfbc2…", "role/app-role", "user/admin", "Decrypt, Encrypt", "none", "x" * 16)
    every = tuple(key for _, key in COLUMNS)
    pairs = zip(COLUMNS, row, strict=True)
    natural = sum(max(len(label), len(text)) + 2 for (label, _), text in pairs)
    assert fitting_columns([row], natural) == (every, len("Decrypt, Encrypt"))
    keys, _ = fitting_columns([row], natural - 1)
    assert "retiring" not in keys and "created" in keys
    keys, operations = fitting_columns([row], 40)
    assert keys == ("name", "grant_id", "grantee", "operations")
    assert operations == 12  # never narrower, however little room there is


async def test_the_table_never_scrolls_sideways_and_follows_the_width(seeded, app_key):
    add_grant(seeded, app_key, Name="app-decrypt", RetiringPrincipal=ADMIN)
    app = grants_host(seeded, app_key)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one("#grants-table", DataTable)
        assert table.virtual_size.width <= table.size.width
        narrow = [str(column.label) for column in table.columns.values()]
        assert "Retiring" not in narrow
        await pilot.resize_terminal(160, 40)
        await settle(pilot)
        wide = [str(column.label) for column in table.columns.values()]
        assert wide == [label for label, _ in COLUMNS]
        assert table.virtual_size.width <= table.size.width
