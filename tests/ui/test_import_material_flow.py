"""Importing key material through the console, end to end: the wrapping public key and
import token downloaded to 0600 files, the material wrapped outside kmstui with that
public key (here with `cryptography`), imported, and deleted again."""

from __future__ import annotations

import os
import stat

from consoletest import SIZE, open_key, settle
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from keyboard import choose, tab_to, type_into
from textual.widgets import Input, Select

from kmstui.ui.dialogs.confirm import ConfirmScreen
from kmstui.ui.dialogs.error import ErrorScreen
from kmstui.ui.dialogs.import_material import (
    ImportMaterialScreen,
    parameter_files,
    wrapping_algorithms,
    wrapping_key_specs,
)


def external_key(engine, spec: str = "SYMMETRIC_DEFAULT", usage: str = "ENCRYPT_DECRYPT") -> str:
    params = {"Origin": "EXTERNAL", "KeySpec": spec, "KeyUsage": usage}
    return engine.call("CreateKey", params)["KeyMetadata"]["KeyId"]


def state_of(engine, key_id: str) -> str:
    return engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"]


def test_only_the_wrapping_choices_the_engine_takes_for_the_spec_are_offered():
    assert wrapping_algorithms("RSA_2048") == ["RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"]
    assert wrapping_algorithms("SYMMETRIC_DEFAULT") == [
        "RSAES_OAEP_SHA_1",
        "RSAES_OAEP_SHA_256",
        "RSA_AES_KEY_WRAP_SHA_1",
        "RSA_AES_KEY_WRAP_SHA_256",
    ]  # neither RSAES_PKCS1_V1_5 nor SM2PKE
    assert wrapping_key_specs("ECC_NIST_P521", "RSAES_OAEP_SHA_256") == ["RSA_3072", "RSA_4096"]
    assert wrapping_key_specs("ECC_NIST_P521", "RSA_AES_KEY_WRAP_SHA_256") == [
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
    ]


async def open_import(pilot, key_id: str | None = None) -> ImportMaterialScreen:
    """I on the key's detail (opened from the list first when ``key_id`` is given)."""
    await settle(pilot)
    if key_id is not None:
        await open_key(pilot, key_id)
    await pilot.press("I")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ImportMaterialScreen)
    return dialog


async def test_import_material_end_to_end_then_delete_it(app, engine, tmp_path):
    key_id = external_key(engine)
    assert state_of(engine, key_id) == "PendingImport"
    folder = tmp_path / "import"
    folder.mkdir()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_import(pilot, key_id)
        assert not dialog.query("#delete")  # nothing imported yet
        await choose(pilot, "#wrapping-algorithm", "RSAES_OAEP_SHA_256")
        await choose(pilot, "#wrapping-spec", "RSA_3072")
        await tab_to(pilot, "#folder")
        dialog.query_one("#folder", Input).value = ""
        await pilot.press(*str(folder), "enter")  # Enter in the folder downloads
        await settle(pilot)
        public_path, token_path = parameter_files(folder, key_id)
        for path in (public_path, token_path):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        shown = str(dialog.query_one("#downloaded").render())
        assert str(public_path) in shown and str(token_path) in shown
        assert dialog.query_one("#token", Input).value == str(token_path)

        # outside kmstui: wrap 256 bits of material with the downloaded public key
        assert serialization.load_der_public_key(public_path.read_bytes()).key_size == 3072
        material = tmp_path / "EncryptedKeyMaterial.bin"
        material.write_bytes(wrap_for(public_path, os.urandom(32)))

        await type_into(pilot, "#material", str(material))
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ImportMaterialScreen)
        assert state_of(engine, key_id) == "Enabled"
        assert "Enabled" in str(app.screen.query_one("#key-title").render())

        # and delete it again, after confirming
        dialog = await open_import(pilot)
        await tab_to(pilot, "#delete")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert state_of(engine, key_id) == "PendingImport"


def wrap_for(public_path, material: bytes) -> bytes:
    """What a person does outside kmstui: RSAES_OAEP_SHA_256 with the downloaded key."""
    public = serialization.load_der_public_key(public_path.read_bytes())
    sha256 = hashes.SHA256()
    return public.encrypt(
        material, padding.OAEP(mgf=padding.MGF1(sha256), algorithm=sha256, label=None)
    )


async def test_new_material_for_rotation_waits_pending_rotation(app, engine, tmp_path):
    key_id = external_key(engine)
    async with app.run_test(size=SIZE) as pilot:
        for import_type in ("", "NEW_KEY_MATERIAL"):
            dialog = await open_import(pilot, key_id if not import_type else None)
            await choose(pilot, "#wrapping-algorithm", "RSAES_OAEP_SHA_256")
            dialog.query_one("#folder", Input).value = str(tmp_path)
            dialog.download()
            await settle(pilot)
            public_path, _ = parameter_files(tmp_path, key_id)
            wrapped = tmp_path / f"material{import_type}.bin"
            wrapped.write_bytes(wrap_for(public_path, os.urandom(32)))
            dialog.query_one("#material", Input).value = str(wrapped)
            if import_type:
                await choose(pilot, "#import-type", import_type)
            await tab_to(pilot, "#import")
            await pilot.press("enter")
            await settle(pilot)
            assert not isinstance(app.screen, ImportMaterialScreen)
    rotations = engine.call(
        "ListKeyRotations", {"KeyId": key_id, "IncludeKeyMaterial": "ALL_KEY_MATERIAL"}
    )["Rotations"]
    assert [r["KeyMaterialState"] for r in rotations] == ["CURRENT", "PENDING_ROTATION"]


async def test_material_wrapped_for_another_token_is_refused_as_aws_names_it(app, engine, tmp_path):
    key_id = external_key(engine, "HMAC_256", "GENERATE_VERIFY_MAC")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_import(pilot, key_id)
        dialog.query_one("#folder", Input).value = str(tmp_path)
        await tab_to(pilot, "#download")
        await pilot.press("enter")
        await settle(pilot)
        garbage = tmp_path / "not-wrapped.bin"
        garbage.write_bytes(b"\x01" * 384)
        await type_into(pilot, "#material", str(garbage))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.code == "InvalidCiphertextException"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is dialog  # the form is still there
        assert state_of(engine, key_id) == "PendingImport"


async def test_an_expiring_import_needs_a_valid_to_date(app, engine, tmp_path):
    key_id = external_key(engine)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_import(pilot, key_id)
        assert dialog.query_one("#valid-to", Input).disabled
        await choose(pilot, "#expiration", "KEY_MATERIAL_EXPIRES")
        assert not dialog.query_one("#valid-to", Input).disabled
        (tmp_path / "m.bin").write_bytes(b"x")
        (tmp_path / "t.bin").write_bytes(b"x")
        dialog.query_one("#material", Input).value = str(tmp_path / "m.bin")
        dialog.query_one("#token", Input).value = str(tmp_path / "t.bin")
        dialog.query_one("#valid-to", Input).value = "next week"
        await tab_to(pilot, "#import")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert "ValidTo" in str(dialog.query_one("#problem").render())
        assert dialog.query_one("#expiration", Select).value == "KEY_MATERIAL_EXPIRES"


def test_valid_to_is_read_as_a_utc_date_or_date_and_time():
    from datetime import UTC, datetime

    from kmstui.ui.dialogs.import_material import parse_valid_to

    assert parse_valid_to("2027-02-01") == datetime(2027, 2, 1, tzinfo=UTC).timestamp()
    assert (
        parse_valid_to(" 2027-02-01 13:30 ") == datetime(2027, 2, 1, 13, 30, tzinfo=UTC).timestamp()
    )
