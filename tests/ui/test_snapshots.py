"""Every screen and dialog at 80x24 and 120x40, and the key list on every theme.

Fixed clock, seeded entropy and private directories make each image the same on
every run."""

from __future__ import annotations

from pathlib import Path

import pytest
from consoletest import key_id_by_alias, new_key, select_key, settle

from kmstui.ui.dialogs.acting_as import ActingAsScreen
from kmstui.ui.dialogs.confirm import ConfirmScreen
from kmstui.ui.dialogs.create_key import CreateKeyScreen
from kmstui.ui.dialogs.error import ErrorScreen
from kmstui.ui.dialogs.import_material import ImportMaterialScreen
from kmstui.ui.dialogs.secret import SecretScreen
from kmstui.ui.principals import principal_choices

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _open_key(pilot, tab: str = "overview") -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    # as the keys do it (alt+letter, [ and ]): the tab's first table takes the focus,
    # so no race between a pane focusing itself and the hidden overview giving it up
    pilot.app.screen.action_show_tab(tab)
    await settle(pilot)


def _section(number: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press(number)
        await settle(pilot)

    return run_before


def _detail(tab: str):
    async def run_before(pilot) -> None:
        await _open_key(pilot, tab)

    return run_before


async def _asymmetric_overview(pilot) -> None:
    """An ECC_NIST_P256 signing key's Overview: its algorithms and public key."""
    await settle(pilot)  # the first key list read (its requests draw on the entropy too)
    engine = pilot.app.backend.engine
    key_id = new_key(engine, "alias/signer", KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    await settle(pilot)
    await pilot.press("ctrl+r")
    await select_key(pilot, key_id)
    await _open_key(pilot, "overview")


async def _try_it(pilot) -> None:
    """Try it on the sample key after Encrypt and Decrypt: the plaintext masked."""
    await settle(pilot)
    await select_key(pilot, key_id_by_alias(pilot.app.backend.engine, "alias/app-data"))
    await _open_key(pilot, "tryit")
    await pilot.press("tab")
    await pilot.press(*"team=app")
    await pilot.press("tab", "tab", "h", "i", "enter", "tab", "tab", "enter")
    await settle(pilot)


def _dialog(make):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(make(pilot.app))
        await settle(pilot)

    return run_before


async def _help(pilot) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


async def _schedule_bad_window(pilot) -> None:
    await settle(pilot)
    await pilot.press("x")
    pilot.app.screen.query_one("Input").value = "3"
    await pilot.press("enter")
    await settle(pilot)


async def _create_key_problem(pilot) -> None:
    await settle(pilot)
    await pilot.press("n")
    pilot.app.screen.query_one("#alias").value = "alias/aws/mine"
    await pilot.click("#create")
    await settle(pilot)


async def _create_key_asymmetric(pilot) -> None:
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    pilot.app.screen.query_one("#key-type").value = "asymmetric"
    await settle(pilot)
    pilot.app.screen.query_one("#spec").value = "ECC_NIST_P384"
    await settle(pilot)
    pilot.app.screen.query_one("#multi").value = "multi"
    await settle(pilot)


KEY_TYPES = (
    {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY", "Description": "release signing"},
    {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC", "Description": "webhook MACs"},
    {"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE", "Description": "KEM"},
    {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT", "Description": "ECDH"},
    {"Origin": "EXTERNAL", "Description": "bring your own key"},
    {"MultiRegion": True, "Description": "global data"},
)


async def _key_types(pilot) -> None:
    await settle(pilot)
    for params in KEY_TYPES:
        pilot.app.backend.engine.call("CreateKey", params)
    pilot.app.screen.reload()
    await settle(pilot)


def _import_dialog(app):
    meta = app.backend.engine.call(
        "CreateKey", {"Origin": "EXTERNAL", "KeySpec": "ECC_NIST_P521", "KeyUsage": "SIGN_VERIFY"}
    )["KeyMetadata"]
    return ImportMaterialScreen(meta, Path("/srv/keys"), app.backend.engine.clock.now())


async def _region_switcher(pilot) -> None:
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)


async def _filtered(pilot) -> None:
    await settle(pilot)
    await pilot.press("slash", "a", "p", "p")
    await settle(pilot)


async def _clock_prompt(pilot) -> None:
    await settle(pilot)
    await pilot.press("C")
    await settle(pilot)


SCENES = {
    "keys": None,
    "keys-filtered": _filtered,
    "principals": _section("2"),
    "volumes": _section("3"),
    "monitor": _section("4"),
    "help": _help,
    "detail-overview": _detail("overview"),
    "detail-policy": _detail("policy"),
    "detail-grants": _detail("grants"),
    "detail-rotation": _detail("rotation"),
    "detail-aliases": _detail("aliases"),
    "detail-events": _detail("events"),
    "detail-asymmetric-overview": _asymmetric_overview,
    "detail-tryit": _try_it,
    "dialog-create-key": _dialog(lambda app: CreateKeyScreen()),
    "dialog-create-key-problem": _create_key_problem,
    "dialog-create-key-asymmetric": _create_key_asymmetric,
    "keys-types": _key_types,
    "dialog-import-material": _dialog(_import_dialog),
    "dialog-region": _region_switcher,
    "dialog-confirm": _dialog(
        lambda app: ConfirmScreen(
            "Disable alias/app-data?",
            "Encrypt and Decrypt with this key will fail.",
            confirm="Disable",
        )
    ),
    "dialog-schedule-deletion": _schedule_bad_window,
    "dialog-clock": _clock_prompt,
    "dialog-error": _dialog(
        lambda app: ErrorScreen(
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/auditor is not authorized to perform: "
            "kms:Encrypt on this resource because no identity-based policy allows it",
            "Encrypt",
        )
    ),
    "dialog-acting-as": _dialog(
        lambda app: ActingAsScreen(principal_choices(app.backend), app.acting_as.principal)
    ),
    "dialog-secret": _dialog(
        lambda app: SecretScreen(
            "admin", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        )
    ),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", list(SCENES))
def test_scene(snap_compare, app, scene, size):
    assert snap_compare(app, terminal_size=size, run_before=SCENES[scene] or settle)


@pytest.mark.parametrize("theme", ["kmstui-dark", "kmstui-light", "kmstui-high-contrast"])
def test_theme(snap_compare, app, theme):
    async def run_before(pilot) -> None:
        pilot.app.theme = theme
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
