"""The grant dialog offers only the grant operations AWS accepts for the key's spec
and usage (the rule CreateGrant applies, model.grantops.grant_operations_for)."""

from __future__ import annotations

import pytest
from consoletest import SIZE, key_id_by_alias, open_key, settle
from keyboard import tab_to
from textual.widgets import SelectionList

from kmstui.model.grantops import GRANT_OPERATIONS
from kmstui.ui.grants.dialogs import CreateGrantDialog, PrincipalField, offered_operations

COMMON = ["CreateGrant", "RetireGrant", "DescribeKey"]
KEYS = {
    "symmetric": (
        {},
        [
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "ReEncryptFrom",
            "ReEncryptTo",
            *COMMON,
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
        ],
    ),
    "rsa-sign": (
        {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"},
        ["Sign", "Verify", "GetPublicKey", *COMMON],
    ),
    "rsa-encrypt": (
        {"KeySpec": "RSA_3072", "KeyUsage": "ENCRYPT_DECRYPT"},
        ["Decrypt", "Encrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey", *COMMON],
    ),
    "hmac": (
        {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
        [
            *COMMON,
            "GenerateMac",
            "VerifyMac",
        ],
    ),
    "ecdh": (
        {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"},
        ["GetPublicKey", *COMMON, "DeriveSharedSecret"],
    ),
    "ml-kem": (
        {"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE"},
        ["GetPublicKey", *COMMON, "Encapsulate", "Decapsulate"],
    ),
}


@pytest.mark.parametrize("kind", list(KEYS))
def test_the_offered_operations_are_those_createGrant_accepts_for_the_key(engine, kind):
    params, expected = KEYS[kind]
    meta = engine.call("CreateKey", params)["KeyMetadata"]
    assert offered_operations(meta) == expected
    refused = [op for op in GRANT_OPERATIONS if op not in expected]
    for operation in refused[:3]:  # what is not offered, CreateGrant refuses
        with pytest.raises(Exception) as caught:
            engine.call(
                "CreateGrant",
                {
                    "KeyId": meta["KeyId"],
                    "GranteePrincipal": "arn:aws:iam::111122223333:root",
                    "Operations": [operation],
                },
            )
        assert caught.value.code == "ValidationException"


def test_without_the_keys_metadata_every_operation_is_offered():
    assert offered_operations(None) == list(GRANT_OPERATIONS)


async def grant_dialog(pilot, key_id: str) -> CreateGrantDialog:
    await open_key(pilot, key_id, tab="grants")
    await pilot.press("n")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, CreateGrantDialog)
    return dialog


def options(dialog) -> list[str]:
    listing = dialog.query_one("#grant-operations", SelectionList)
    return [listing.get_option_at_index(i).value for i in range(listing.option_count)]


async def test_a_symmetric_key_is_not_offered_sign_or_get_public_key(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await grant_dialog(pilot, key_id_by_alias(engine, "alias/app-data"))
        assert "Decrypt" in options(dialog)
        assert not {"Sign", "GetPublicKey", "GenerateMac"} & set(options(dialog))


async def test_a_signing_key_grants_sign_chosen_by_keyboard(app, engine):
    key_id = engine.call("CreateKey", KEYS["rsa-sign"][0])["KeyMetadata"]["KeyId"]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await grant_dialog(pilot, key_id)
        assert options(dialog) == KEYS["rsa-sign"][1]
        dialog.query_one(
            "#grant-grantee", PrincipalField
        ).value = "arn:aws:iam::111122223333:user/auditor"
        await tab_to(pilot, "#grant-operations")
        await pilot.press("space")  # the first: Sign
        await tab_to(pilot, "#dialog-confirm")
        await pilot.press("enter")
        await settle(pilot)
    grants = engine.call("ListGrants", {"KeyId": key_id})["Grants"]
    assert [g["Operations"] for g in grants] == [["Sign"]]
