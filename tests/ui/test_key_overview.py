"""The key detail's Overview says what a key is: its public key as GetPublicKey gives
it, whether imported material is there and until when, and a multi-Region key's
Regions."""

from __future__ import annotations

import hashlib

from consoletest import FIXED_TIME, SIZE, new_key, open_key, settle
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from textual.widgets import Button, DataTable, Static

from kmstui.ui.screens.key_overview import PublicKeyView


def cell_texts(table: DataTable) -> list[str]:
    return [str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)]


async def test_the_public_key_pem_and_fingerprint_match_get_public_key(app, engine):
    key_id = new_key(engine, "alias/signer", KeySpec="ECC_NIST_P384", KeyUsage="SIGN_VERIFY")
    der = engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"]
    expected_pem = (
        serialization.load_der_public_key(der)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_key(pilot, key_id)
        view = screen.query_one(PublicKeyView)
        assert view.pem == expected_pem
        assert expected_pem.strip() in str(view.query_one("#public-key-pem", Static).render())
        shown = str(view.query_one("#public-key-fingerprint", Static).render())
        assert shown == f"SHA-256  {hashlib.sha256(der).hexdigest()}"
        copied = []
        app.copy_to_clipboard = copied.append
        view.query_one("#copy-pem", Button).focus()
        await pilot.press("enter")
        assert copied == [expected_pem]


def import_material(engine, key_id: str, valid_to: float) -> None:
    """GetParametersForImport, then ImportKeyMaterial of fresh material that expires."""
    params = engine.call(
        "GetParametersForImport",
        {"KeyId": key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"},
    )
    sha256 = hashes.SHA256()
    wrapped = serialization.load_der_public_key(params["PublicKey"]).encrypt(
        bytes(range(32)), padding.OAEP(mgf=padding.MGF1(sha256), algorithm=sha256, label=None)
    )
    engine.call(
        "ImportKeyMaterial",
        {
            "KeyId": key_id,
            "ImportToken": params["ImportToken"],
            "EncryptedKeyMaterial": wrapped,
            "ExpirationModel": "KEY_MATERIAL_EXPIRES",
            "ValidTo": valid_to,
        },
    )


def overview(screen) -> dict[str, str]:
    cells = cell_texts(screen.query_one("#overview-table", DataTable))
    return dict(zip(cells[::2], cells[1::2], strict=True))


async def test_the_overview_says_whether_imported_material_is_there_and_until_when(app, engine):
    waiting = new_key(engine, "alias/waiting", Origin="EXTERNAL")
    imported = new_key(engine, "alias/imported", Origin="EXTERNAL")
    import_material(engine, imported, FIXED_TIME + 86400)
    async with app.run_test(size=SIZE) as pilot:
        rows = overview(await open_key(pilot, waiting))
        assert (rows["Origin"], rows["Imported material"]) == (
            "EXTERNAL",
            "none yet (ImportKeyMaterial)",
        )
        await pilot.press("escape")
        await settle(pilot)
        rows = overview(await open_key(pilot, imported))
        assert rows["Imported material"] == "imported, expires 2027-01-16 08:00 UTC"
        assert rows["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
        assert rows["ValidTo"] == "2027-01-16 08:00 UTC"


async def test_the_overview_names_a_multi_region_keys_primary_and_replica_regions(app, engine):
    key_id = engine.call("CreateKey", {"MultiRegion": True})["KeyMetadata"]["KeyId"]
    engine.call("ReplicateKey", {"KeyId": key_id, "ReplicaRegion": "eu-west-1"})
    engine.call("ReplicateKey", {"KeyId": key_id, "ReplicaRegion": "ap-southeast-2"})
    async with app.run_test(size=SIZE) as pilot:
        rows = overview(await open_key(pilot, key_id))
        assert rows["MultiRegionKeyType"] == "PRIMARY"
        assert rows["Primary Region"] == "us-east-1 (this key)"
        assert set(rows["Replica Regions"].split(", ")) == {"eu-west-1", "ap-southeast-2"}
