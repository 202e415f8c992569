"""Try it, driven by the keyboard: each key type's own operations from its detail, as
the acting-as principal, with AWS's errors shown in place and secrets hidden until
asked for."""

from __future__ import annotations

import base64

import pytest
from consoletest import SIZE, key_id_by_alias, new_key, open_key, settle
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from textual.widgets import Button, Input, Select, Static, TextArea
from textual.widgets.select import InvalidSelectValueError

from kmstui.errors import AwsError
from kmstui.ui.tryit import TryItPane


async def open_try_it(pilot, key_id: str) -> TryItPane:
    """The key's detail, then alt+t: the Try it tab, its first field focused."""
    await open_key(pilot, key_id)
    await pilot.press("alt+t")
    await settle(pilot)
    return pilot.app.screen.query_one(TryItPane)


def result(pane: TryItPane) -> str:
    return str(pane.query_one("#result", Static).render())


def shown_secret(pane: TryItPane) -> str:
    return str(pane.query_one("#secret", Static).render())


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(c, c) for c in text])


def field(pane: TryItPane) -> str:
    return pane.query_one("#field", Input).value


def flushed_event_bytes(engine) -> bytes:
    """Every event the engine has: the ring the live views read, and the history on
    disk once flushed."""
    engine.event_log.flush()
    on_disk = b"".join(p.read_bytes() for p in engine.event_log.directory.rglob("*") if p.is_file())
    return b"\n".join(engine.events.recent.lines()) + on_disk


async def test_symmetric_encrypt_then_decrypt_round_trips_with_its_context(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_try_it(pilot, key_id)
        # algorithm, context, input as, plaintext
        await pilot.press("tab")
        await type_text(pilot, "team=payroll")
        await pilot.press("tab", "tab")
        await type_text(pilot, "pay day")
        await pilot.press("enter")  # Encrypt
        await settle(pilot)
        assert result(pane).startswith("✓ Encrypt: CiphertextBlob")
        blob = base64.b64decode(field(pane))
        # the ciphertext is bound to the context: without it, KMS refuses it
        with pytest.raises(AwsError) as refused:
            engine.call("Decrypt", {"CiphertextBlob": blob})
        assert refused.value.code == "InvalidCiphertextException"
        await pilot.press("tab", "tab", "enter")  # to the ciphertext, Decrypt
        await settle(pilot)
        assert result(pane) == "✓ Decrypt: Plaintext, 7 bytes"
        assert "pay day" not in shown_secret(pane)
        await pilot.press("tab", "V")  # off the text field, reveal
        assert base64.b64encode(b"pay day").decode() in shown_secret(pane)
        assert "'pay day'" in shown_secret(pane)


async def test_the_plaintext_never_reaches_the_event_history(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    secret = "correct horse battery"
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_try_it(pilot, key_id)
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, secret)
        await pilot.press("enter", "tab", "tab", "enter")
        await settle(pilot)
        assert result(pane).startswith("✓ Decrypt")
    names = [r["eventName"] for r in engine.events.recent]
    assert {"Encrypt", "Decrypt"} <= set(names)
    everything = flushed_event_bytes(engine)
    assert secret.encode() not in everything
    assert base64.b64encode(secret.encode()) not in everything


async def test_ecc_sign_verifies_and_a_changed_message_is_an_invalid_signature(app, engine):
    key_id = new_key(engine, "alias/signer", KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_try_it(pilot, key_id)
        # algorithm, message type, input as, message
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "ship it")
        await pilot.press("enter")  # Sign
        await settle(pilot)
        assert result(pane).startswith("✓ Sign: Signature")
        signature = base64.b64decode(field(pane))
        # the signature is the key's own: the public key verifies it, here
        der = engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"]
        public = serialization.load_der_public_key(der)
        public.verify(signature, b"ship it", ec.ECDSA(hashes.SHA256()))
        await pilot.press("tab", "tab", "enter")  # Verify
        await settle(pilot)
        assert result(pane) == "✓ Verify: SignatureValid true"
        await pilot.press("shift+tab", "shift+tab", "end", "exclamation_mark")  # tamper
        await pilot.press("tab", "tab", "enter")  # Verify again
        await settle(pilot)
        assert result(pane) == "✕ KMSInvalidSignatureException"


async def test_ed25519_offers_digest_only_with_the_prehash_algorithm(app, engine):
    key_id = new_key(engine, "alias/ed", KeySpec="ECC_NIST_EDWARDS25519", KeyUsage="SIGN_VERIFY")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_try_it(pilot, key_id)
        algorithm = pane.query_one("#algorithm", Select)
        kinds = pane.query_one("#message-type", Select)
        for name, digest_offered in (
            ("ED25519_SHA_512", False),
            ("ED25519_PH_SHA_512", True),
            ("ED25519_SHA_512", False),
        ):
            algorithm.value = name
            await settle(pilot)
            assert kinds.value == "RAW"
            if digest_offered:
                kinds.value = "DIGEST"
                kinds.value = "RAW"
            else:
                with pytest.raises(InvalidSelectValueError):
                    kinds.value = "DIGEST"
        # what is offered signs: RAW with ED25519_SHA_512
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "hello")
        await pilot.press("enter")  # Sign
        await settle(pilot)
        assert result(pane).startswith("✓ Sign: Signature"), result(pane)


async def test_hmac_generates_a_mac_that_verifies_and_a_changed_one_does_not(app, engine):
    key_id = new_key(engine, "alias/mac", KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_try_it(pilot, key_id)
        await pilot.press("tab", "tab")  # algorithm, input as, message
        await type_text(pilot, "order 42")
        await pilot.press("enter")  # GenerateMac
        await settle(pilot)
        assert result(pane) == "✓ GenerateMac: Mac, 32 bytes"
        mac = field(pane)
        answer = engine.call(
            "VerifyMac",
            {
                "KeyId": key_id,
                "Message": b"order 42",
                "MacAlgorithm": "HMAC_SHA_256",
                "Mac": base64.b64decode(mac),
            },
        )
        assert answer["MacValid"] is True
        await pilot.press("tab", "tab", "enter")  # VerifyMac
        await settle(pilot)
        assert result(pane) == "✓ VerifyMac: MacValid true"
        other = bytes([base64.b64decode(mac)[0] ^ 1]) + base64.b64decode(mac)[1:]
        pane.query_one("#field", Input).value = base64.b64encode(other).decode()
        await pilot.press("enter")
        await settle(pilot)
        assert result(pane) == "✕ KMSInvalidMacException"


async def test_a_disabled_key_answers_disabled_exception_in_place(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    engine.call("DisableKey", {"KeyId": key_id})
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_try_it(pilot, key_id)
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "hello")
        await pilot.press("enter")
        await settle(pilot)
        assert result(pane).startswith("✕ DisabledException: ")
        assert key_id in result(pane)
        assert field(pane) == ""


async def test_rsa_oaep_encrypts_and_decrypts_with_the_chosen_algorithm(app, engine):
    key_id = new_key(engine, "alias/rsa", KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_try_it(pilot, key_id)
        await pilot.press("enter", "down", "enter")  # the algorithm: RSAES_OAEP_SHA_256
        assert pane.query_one("#algorithm", Select).value == "RSAES_OAEP_SHA_256"
        await pilot.press("tab", "tab")  # input as, plaintext
        await type_text(pilot, "wrapped")
        await pilot.press("enter", "tab", "tab", "enter")  # Encrypt, Decrypt
        await settle(pilot)
        assert result(pane) == "✓ Decrypt: Plaintext, 7 bytes"
        assert pane.secret == b"wrapped"
        # a ciphertext made here, with the public key, decrypts in the console
        der = engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"]
        oaep = padding.OAEP(
            mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
        )
        outside = serialization.load_der_public_key(der).encrypt(b"from outside", oaep)
        pane.query_one("#field", Input).value = base64.b64encode(outside).decode()
        await pilot.press("shift+tab", "shift+tab", "tab", "tab", "enter")
        await settle(pilot)
        assert pane.secret == b"from outside"


async def test_ml_kem_encapsulates_then_decapsulates_the_same_secret(app, engine):
    key_id = new_key(engine, "alias/kem", KeySpec="ML_KEM_768", KeyUsage="ENCAPSULATE_DECAPSULATE")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_try_it(pilot, key_id)
        await pilot.press("tab", "enter")  # Encapsulate
        await settle(pilot)
        assert result(pane).startswith(
            "✓ Encapsulate: SharedSecretCiphertextBlob, 1088 bytes; SharedSecret, 32 bytes"
        )
        sent = pane.secret
        assert sent is not None and "hidden" in shown_secret(pane)
        await pilot.press("tab", "tab", "enter")  # the ciphertext, Decapsulate
        await settle(pilot)
        assert result(pane) == "✓ Decapsulate: SharedSecret, 32 bytes"
        assert pane.secret == sent
        assert base64.b64encode(sent).decode() not in shown_secret(pane)
        await pilot.press("V")
        assert base64.b64encode(sent).decode() in shown_secret(pane)
    assert base64.b64encode(sent) not in flushed_event_bytes(engine)


async def test_key_agreement_derives_the_secret_the_peer_derives(app, engine):
    key_id = new_key(engine, "alias/ecdh", KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
    peer = ec.generate_private_key(ec.SECP256R1())
    pem = peer.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_try_it(pilot, key_id)
        await pilot.press("tab")
        pane.query_one("#input", TextArea).load_text(pem.decode())  # pasted
        await pilot.press("tab", "enter")  # DeriveSharedSecret
        await settle(pilot)
        assert result(pane) == "✓ DeriveSharedSecret: SharedSecret, 32 bytes"
        der = engine.call("GetPublicKey", {"KeyId": key_id})["PublicKey"]
        theirs = peer.exchange(ec.ECDH(), serialization.load_der_public_key(der))
        assert pane.secret == theirs
    assert base64.b64encode(theirs) not in flushed_event_bytes(engine)


async def test_only_the_operations_of_the_keys_usage_are_offered(app, engine):
    key_id = new_key(engine, "alias/signer", KeySpec="ML_DSA_44", KeyUsage="SIGN_VERIFY")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_try_it(pilot, key_id)
        buttons = [str(b.label) for b in pane.query(Button)]
        assert buttons == ["Sign", "Verify"]
        types = pane.query_one("#message-type", Select)
        assert [value for _, value in types._options] == ["RAW", "EXTERNAL_MU"]
        assert not pane.query("#context")
        assert not app.screen.check_action("test_encrypt", ())


@pytest.mark.parametrize(
    ("params", "then", "offered"),
    [
        ({}, None, True),
        ({}, "DisableKey", False),
        ({"Origin": "EXTERNAL"}, None, False),  # PendingImport: no material yet
    ],
    ids=["enabled", "disabled", "pending-import"],
)
async def test_test_encrypt_is_offered_only_while_kms_would_answer_it(
    app, engine, params, then, offered
):
    key_id = new_key(engine, "alias/round-trip", **params)
    if then:
        engine.call(then, {"KeyId": key_id})
    async with app.run_test(size=SIZE) as pilot:
        await open_try_it(pilot, key_id)
        assert app.screen.check_action("test_encrypt", ()) is offered


async def encrypt_hello(pilot, key_id: str) -> TryItPane:
    pane = await open_try_it(pilot, key_id)
    await pilot.press("tab", "tab", "tab")
    await type_text(pilot, "hello")
    await pilot.press("enter")
    await settle(pilot)
    return pane


async def test_the_acting_as_principal_makes_the_call_and_its_refusal_is_shown(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    auditor = f"arn:aws:iam::{engine.account}:user/auditor"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.act_as(auditor)
        pane = await encrypt_hello(pilot, key_id)
        assert result(pane).startswith(f"✕ AccessDeniedException: User: {auditor} is not")
    event = [r for r in engine.events.recent if r["eventName"] == "Encrypt"][-1]
    assert (event["userIdentity"]["arn"], event["errorCode"]) == (auditor, "AccessDeniedException")


async def test_a_key_pending_deletion_answers_kms_invalid_state_exception(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    engine.call("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    async with app.run_test(size=SIZE) as pilot:
        pane = await encrypt_hello(pilot, key_id)
        assert result(pane).startswith("✕ KMSInvalidStateException: ")


async def test_input_that_is_not_base64_is_refused_before_any_call(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_try_it(pilot, key_id)
        before = len(engine.events.recent)
        await pilot.press("tab", "tab", "enter", "down", "enter")  # input as Base64
        assert pane.query_one("#encoding", Select).value == "base64"
        await pilot.press("tab")
        await type_text(pilot, "not base64!")
        await pilot.press("enter")
        await settle(pilot)
        assert result(pane) == "✕ Plaintext is not valid base64."
        assert [r["eventName"] for r in engine.events.recent[before:]].count("Encrypt") == 0


async def test_y_copies_the_newest_output_and_a_hidden_secret_only_once_shown(app, engine):
    key_id = key_id_by_alias(engine, "alias/app-data")
    copied: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        app.copy_to_clipboard = copied.append
        pane = await encrypt_hello(pilot, key_id)
        await pilot.press("tab", "y")  # on the Encrypt button
        assert copied == [field(pane)]
        await pilot.press("tab", "tab", "enter")  # Decrypt
        await settle(pilot)
        await pilot.press("y")
        assert copied == [field(pane)]  # hidden: not copied
        await pilot.press("V", "y")
        assert copied[-1] == base64.b64encode(b"hello").decode()
