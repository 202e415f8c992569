"""The create-key dialog offers every key type and only what is valid for it, builds
the CreateKey request from the form, and shows the engine's refusal as AWS names it.
Each flow is driven by the keyboard alone."""

from __future__ import annotations

import pytest
from consoletest import SIZE, key_id_by_alias, settle
from keyboard import choose, type_into
from textual.widgets import DataTable, Select

from kmstui.model import keyspecs
from kmstui.ui.dialogs.create_key import CreateKeyScreen
from kmstui.ui.dialogs.error import ErrorScreen
from kmstui.ui.keytypes import KEY_TYPES, key_type, specs_of


def offered(screen, selector: str) -> list[str]:
    select = screen.query_one(selector, Select)
    return [value for _, value in select._options if isinstance(value, str)]


async def create_through_the_form(pilot, alias: str, choices: list[tuple[str, str]]):
    """n, the choices (select id, value) in Tab order, the alias, then Enter."""
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CreateKeyScreen)
    for selector, value in choices:
        await choose(pilot, selector, value)
    await type_into(pilot, "#alias", alias)
    await pilot.press("enter")
    await settle(pilot)


def described(engine, alias: str) -> dict:
    return engine.call("DescribeKey", {"KeyId": key_id_by_alias(engine, alias)})["KeyMetadata"]


def test_each_type_offers_exactly_the_specs_the_engine_creates():
    every = [spec for kind, _ in KEY_TYPES for spec in specs_of(kind)]
    assert sorted(every) == sorted(set(keyspecs.KEY_SPECS) - set(keyspecs.UNSUPPORTED_SPECS))
    assert specs_of("symmetric") == ["SYMMETRIC_DEFAULT"]
    assert specs_of("kem") == ["ML_KEM_768", "ML_KEM_1024"]
    assert all(key_type(spec) == "hmac" for spec in keyspecs.HMAC_SPECS)


async def test_the_form_offers_only_the_specs_and_usages_valid_for_the_type(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = app.screen
        # symmetric: one spec and one usage, shown but not offered
        assert offered(screen, "#spec") == ["SYMMETRIC_DEFAULT"]
        assert screen.query_one("#spec", Select).disabled
        await choose(pilot, "#key-type", "asymmetric")
        assert "SYMMETRIC_DEFAULT" not in offered(screen, "#spec")
        assert "HMAC_256" not in offered(screen, "#spec")
        assert "SM2" not in offered(screen, "#spec")  # the engine refuses it
        assert offered(screen, "#usage") == ["ENCRYPT_DECRYPT", "SIGN_VERIFY"]  # RSA_2048
        await choose(pilot, "#spec", "ECC_NIST_P384")
        assert offered(screen, "#usage") == ["SIGN_VERIFY", "KEY_AGREEMENT"]
        await choose(pilot, "#spec", "ECC_NIST_EDWARDS25519")
        assert offered(screen, "#usage") == ["SIGN_VERIFY"]
        assert screen.query_one("#usage", Select).disabled
        await choose(pilot, "#key-type", "hmac")
        assert offered(screen, "#spec") == list(keyspecs.HMAC_SPECS)
        assert offered(screen, "#usage") == ["GENERATE_VERIFY_MAC"]
        await choose(pilot, "#key-type", "kem")
        assert "ML_KEM_512" not in offered(screen, "#spec")
        assert "EncapsulationAlgorithms: ML_KEM" in str(screen.query_one("#algorithms").render())


async def test_create_an_rsa_2048_signing_key(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await create_through_the_form(
            pilot,
            "signer",
            [("#key-type", "asymmetric"), ("#spec", "RSA_2048"), ("#usage", "SIGN_VERIFY")],
        )
        meta = described(engine, "alias/signer")
        assert (meta["KeySpec"], meta["KeyUsage"], meta["KeyState"]) == (
            "RSA_2048",
            "SIGN_VERIFY",
            "Enabled",
        )
        assert "RSASSA_PSS_SHA_256" in meta["SigningAlgorithms"]
        table = app.screen.query_one("#keys", DataTable)
        assert "RSA_2048 sign" in [str(c) for c in table.get_row(meta["KeyId"])]


async def test_create_an_hmac_key(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await create_through_the_form(pilot, "macs", [("#key-type", "hmac"), ("#spec", "HMAC_384")])
        meta = described(engine, "alias/macs")
        assert (meta["KeySpec"], meta["KeyUsage"]) == ("HMAC_384", "GENERATE_VERIFY_MAC")
        assert meta["MacAlgorithms"] == ["HMAC_SHA_384"]


async def test_create_an_ml_kem_key(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await create_through_the_form(
            pilot, "kem", [("#key-type", "kem"), ("#spec", "ML_KEM_1024")]
        )
        meta = described(engine, "alias/kem")
        assert (meta["KeySpec"], meta["KeyUsage"]) == ("ML_KEM_1024", "ENCAPSULATE_DECAPSULATE")


async def test_create_an_external_key_that_waits_for_its_material(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await create_through_the_form(pilot, "byok", [("#origin", "EXTERNAL")])
        meta = described(engine, "alias/byok")
        assert (meta["Origin"], meta["KeyState"]) == ("EXTERNAL", "PendingImport")
        table = app.screen.query_one("#keys", DataTable)
        assert "SYMMETRIC EXT" in [str(c) for c in table.get_row(meta["KeyId"])]


async def test_create_a_multi_region_key(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await create_through_the_form(pilot, "global", [("#multi", "multi")])
        meta = described(engine, "alias/global")
        assert meta["MultiRegion"] and meta["KeyId"].startswith("mrk-")
        assert meta["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
        table = app.screen.query_one("#keys", DataTable)
        assert "SYMMETRIC MR" in [str(c) for c in table.get_row(meta["KeyId"])]


async def test_a_refused_create_key_shows_the_aws_error_over_the_form_it_keeps(app, engine):
    denied = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*"}]}

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await choose(pilot, "#key-type", "hmac")
        path = app.config_dir / "bad-policy.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(__import__("json").dumps(denied), encoding="utf-8")
        await type_into(pilot, "#policy", str(path))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.code == "MalformedPolicyDocumentException"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#spec", Select).value == "HMAC_224"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_whole_form_fits_and_escape_cancels(app, engine, size):
    before = len(engine.call("ListKeys")["Keys"])
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        create = form.query_one("#create")
        assert create.region.bottom <= size[1] and create.region.right <= size[0]
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, CreateKeyScreen)
    assert len(engine.call("ListKeys")["Keys"]) == before


def test_the_key_lists_spec_usage_names_the_usage_only_where_the_spec_leaves_a_choice():
    from kmstui.ui.keytypes import spec_usage

    assert spec_usage("RSA_3072", "ENCRYPT_DECRYPT") == "RSA_3072 encrypt"
    assert spec_usage("ECC_NIST_P256", "KEY_AGREEMENT") == "P256 agree"
    assert spec_usage("ML_DSA_65", "SIGN_VERIFY") == "ML_DSA_65 sign"
    assert spec_usage("HMAC_512", "GENERATE_VERIFY_MAC") == "HMAC_512"
    assert spec_usage("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "EXTERNAL", True) == (
        "SYMMETRIC EXT MR"
    )
