"""The console on a backend that guards writes (as on AWS or another endpoint): a
change read-only is refused with the reason on screen; with writes allowed each change
is shown as the exact call and sent only once confirmed, a destructive one once its
alias is typed; what the backend cannot do says so before it is tried."""

from __future__ import annotations

import time

from consoletest import SIZE, key_id_by_alias, select_key
from gated import ENDPOINT, GatedBackend
from textual.widgets import Button, Input, Static

from kmstui.ui.dialogs.confirm_call import ConfirmCallScreen
from kmstui.ui.dialogs.create_key import CreateKeyScreen
from kmstui.ui.dialogs.error import ErrorScreen
from kmstui.ui.dialogs.schedule_deletion import ScheduleDeletionScreen


def console(engine, tmp_path, *, allow_writes: bool):
    from textual.widgets import Input

    from kmstui.ui.app import KmsConsole

    Input.cursor_blink = False  # type: ignore[assignment]
    backend = GatedBackend(engine, allow_writes=allow_writes)
    return KmsConsole(backend=backend, config_dir=tmp_path / "config"), backend


def shown(app, screen_type, selector: str) -> bool:
    """``app`` shows a ``screen_type`` whose ``selector`` is mounted and whose focus is
    set (not only pushed: its keys would go nowhere yet)."""
    screen = app.screen
    return isinstance(screen, screen_type) and bool(screen.query(selector)) and bool(screen.focused)


async def until(pilot, predicate, what: str, timeout: float = 10.0) -> None:
    """Let the console run until ``predicate`` holds. Not ``settle``: a worker waiting
    for a confirmation ends only once the dialog is answered."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def keys_listed(pilot) -> None:
    await until(
        pilot,
        lambda: pilot.app.screen.query("#keys") and pilot.app.screen.query_one("#keys").row_count,
        "the key list",
    )


def key_ids(engine) -> set[str]:
    return {k["KeyId"] for k in engine.call("ListKeys", {"Limit": 1000})["Keys"]}


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


# -- read-only ------------------------------------------------------------------------
async def test_a_write_read_only_is_refused_with_the_reason_on_screen(engine, tmp_path):
    app, backend = console(engine, tmp_path, allow_writes=False)
    before = key_ids(engine)
    async with app.run_test(size=SIZE) as pilot:
        await keys_listed(pilot)
        app.submit("CreateKey", {"Description": "not on a read-only console"})
        await until(pilot, lambda: shown(app, ErrorScreen, "#error-message"), "the refusal")
        screen = app.screen
        assert "ReadOnly" in text_of(screen, "#error-code")
        assert "CreateKey" in text_of(screen, "#error-code")
        message = text_of(screen, "#error-message")
        assert message.startswith("read-only: CreateKey was not sent")
        assert "start kmstui with --allow-writes" in message
    assert key_ids(engine) == before
    assert "CreateKey" not in backend.sent


async def test_read_only_the_new_key_action_says_why_instead_of_opening_the_form(engine, tmp_path):
    app, _backend = console(engine, tmp_path, allow_writes=False)
    async with app.run_test(size=SIZE) as pilot:
        await keys_listed(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, CreateKeyScreen)
        said = [m for m in notes(app) if m.startswith("New: read-only:")]
        assert said and "--allow-writes" in said[0]


async def test_read_only_writes_are_dimmed_and_help_and_the_palette_say_why(engine, tmp_path):
    from kmstui.ui.commands import ConsoleCommands
    from kmstui.ui.screens.help import help_rows

    app, _backend = console(engine, tmp_path, allow_writes=False)
    async with app.run_test(size=SIZE) as pilot:
        await keys_listed(pilot)
        bindings = {a.binding.id: a for a in app.screen.active_bindings.values()}
        assert not bindings["key.create"].enabled  # the footer shows it dimmed
        assert bindings["keys.refresh"].enabled  # reads are not
        rows = {row[3]: row[1] for row in help_rows(app.screen)}
        assert rows["key.create"].startswith("key: new (read-only: ")
        assert "(" not in rows["keys.refresh"]
        titles = {c.title: c.help for c in ConsoleCommands(app.screen)._commands()}
        create = next(t for t in titles if t.startswith("key: new"))
        assert "read-only: " in create and "--allow-writes" in titles[create]
        # a command of another screen says so too
        assert any(t.startswith("volume: create (read-only: ") for t in titles)


async def test_each_missing_capability_says_why_before_it_is_tried(engine, tmp_path):
    from kmstui.ui.commands import ConsoleCommands
    from kmstui.ui.screens.help import help_rows

    app, _backend = console(engine, tmp_path, allow_writes=True)
    async with app.run_test(size=SIZE) as pilot:
        await keys_listed(pilot)
        rows = {row[3]: row[1] for row in help_rows(app.screen)}
        assert rows["clock.advance"].endswith("(unavailable: the endpoint keeps its own time)")
        assert rows["acting-as.switch"].endswith(
            "(unavailable: acting as another principal needs its credentials)"
        )
        assert rows["key.create"] == "key: new"  # writes allowed: no reason
        titles = [c.title for c in ConsoleCommands(app.screen)._commands()]
        assert not [t for t in titles if t.startswith("acting as:")]  # no principal to pick
        expected = {
            "volume: workload": "unavailable: an endpoint runs no block I/O",
            "volume: caller model": "unavailable: EC2 decides how it calls KMS",
        }
        for start, why in expected.items():
            matching = [t for t in titles if t.lower().startswith(start)]
            assert matching and all(t.endswith(f"({why})") for t in matching), start
        await pilot.press("A")
        await pilot.pause()
        assert "Act as: unavailable: acting as another principal needs its credentials" in notes(
            app
        )
        await pilot.press("C")
        await pilot.pause()
        assert "Engine clock: unavailable: the endpoint keeps its own time" in notes(app)


# -- confirm before write -------------------------------------------------------------
async def _new_key_dialog(pilot, description: str) -> None:
    app = pilot.app
    await keys_listed(pilot)
    await pilot.press("n")
    await until(pilot, lambda: shown(app, CreateKeyScreen, "#create"), "the new-key form")
    app.screen.query_one("#description", Input).value = description
    await pilot.click("#create")
    await until(pilot, lambda: shown(app, ConfirmCallScreen, "#send"), "the confirmation")


async def test_a_confirmed_write_is_sent_and_the_dialog_shows_the_exact_call(engine, tmp_path):
    app, backend = console(engine, tmp_path, allow_writes=True)
    before = key_ids(engine)
    async with app.run_test(size=SIZE) as pilot:
        await _new_key_dialog(pilot, "Payroll exports")
        screen = app.screen
        assert isinstance(screen, ConfirmCallScreen)
        assert text_of(screen, "#call-cli") == "aws kms create-key"
        assert text_of(screen, "#call-where").startswith(f"To {ENDPOINT} 111122223333")
        assert '"Description": "Payroll exports"' in text_of(screen, "#call-params-text")
        assert not screen.query("#call-typed")  # not destructive: nothing to type
        assert "CreateKey" not in backend.sent  # nothing sent while it asks
        await pilot.press("enter")
        await until(pilot, lambda: "CreateKey" in backend.sent, "CreateKey sent")
        await until(pilot, lambda: key_ids(engine) != before, "the new key")
    [new] = key_ids(engine) - before
    meta = engine.call("DescribeKey", {"KeyId": new})["KeyMetadata"]
    assert meta["Description"] == "Payroll exports"


async def test_y_sends_too(engine, tmp_path):
    app, backend = console(engine, tmp_path, allow_writes=True)
    before = key_ids(engine)
    async with app.run_test(size=SIZE) as pilot:
        await _new_key_dialog(pilot, "by y")
        await pilot.press("y")
        await until(pilot, lambda: key_ids(engine) != before, "the new key")
    assert "CreateKey" in backend.sent


async def test_a_cancelled_write_is_not_sent_and_says_so(engine, tmp_path):
    app, backend = console(engine, tmp_path, allow_writes=True)
    before = key_ids(engine)
    async with app.run_test(size=SIZE) as pilot:
        await _new_key_dialog(pilot, "never made")
        await pilot.press("escape")
        await until(
            pilot,
            lambda: "CreateKey was not sent: you did not confirm it." in notes(app),
            "the note",
        )
        await pilot.pause()
        # back on the form, to change it or leave
        assert isinstance(app.screen, CreateKeyScreen), app.screen
        assert app._exception is None
    assert key_ids(engine) == before
    assert "CreateKey" not in backend.sent


async def test_a_destructive_call_is_sent_only_once_the_alias_is_typed(engine, tmp_path):
    app, backend = console(engine, tmp_path, allow_writes=True)
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await keys_listed(pilot)
        await select_key(pilot, key_id)
        await pilot.press("x")
        await until(pilot, lambda: shown(app, ScheduleDeletionScreen, "Input"), "the prompt")
        app.screen.query_one(Input).value = "7"
        await pilot.press("enter")
        await until(pilot, lambda: shown(app, ConfirmCallScreen, "#send"), "the confirmation")
        screen = app.screen
        assert isinstance(screen, ConfirmCallScreen)
        assert text_of(screen, "#call-cli") == "aws kms schedule-key-deletion"
        assert text_of(screen, "#call-type-label") == "Type alias/app-data to send it:"
        send = screen.query_one("#send", Button)
        assert send.disabled
        typed = screen.query_one("#call-typed", Input)
        assert typed.has_focus
        await pilot.press(*"alias/app")
        await pilot.press("enter")  # not yet what it asks for: stays, says so
        await pilot.pause()
        assert app.screen is screen and send.disabled
        assert "Type alias/app-data exactly" in text_of(screen, "#problem")
        assert "ScheduleKeyDeletion" not in backend.sent
        await pilot.press(*"-data")
        await pilot.pause()
        assert not send.disabled
        await pilot.press("enter")
        await until(pilot, lambda: "ScheduleKeyDeletion" in backend.sent, "the deletion sent")
        await until(pilot, lambda: app.screen is not screen, "the dialog closed")
    meta = engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion"


async def test_a_confirmation_open_when_the_console_closes_sends_nothing(engine, tmp_path):
    app, backend = console(engine, tmp_path, allow_writes=True)
    before = key_ids(engine)
    async with app.run_test(size=SIZE) as pilot:
        await _new_key_dialog(pilot, "left open")
    assert key_ids(engine) == before
    assert "CreateKey" not in backend.sent


async def test_a_request_confirmed_from_the_ui_loop_is_refused_not_waited_for(engine, tmp_path):
    from kmstui.backends import WriteRequest

    app, _backend = console(engine, tmp_path, allow_writes=True)
    async with app.run_test(size=SIZE) as pilot:
        await keys_listed(pilot)
        assert app.confirm_call(WriteRequest("kms", "CreateKey", {}, "write")) is False
        assert not isinstance(app.screen, ConfirmCallScreen)


def test_the_embedded_console_asks_nothing(engine, tmp_path):
    from kmstui.ui.app import KmsConsole

    app = KmsConsole(engine, config_dir=tmp_path / "config")
    assert app.backend is not None and app.backend.capabilities.writes


async def test_try_it_read_only_confirms_each_use_and_keeps_the_plaintext_masked(engine, tmp_path):
    from consoletest import open_key

    from kmstui.ui.tryit import TryItPane

    app, backend = console(engine, tmp_path, allow_writes=False)
    key_id = key_id_by_alias(engine, "alias/app-data")
    async with app.run_test(size=SIZE) as pilot:
        await keys_listed(pilot)
        await open_key(pilot, key_id)
        await pilot.press("alt+t")
        await until(pilot, lambda: bool(app.screen.query(TryItPane)), "Try it")
        pane = app.screen.query_one(TryItPane)
        await pilot.press("tab", "tab", "tab", *"pay", "space", *"day", "enter")  # Encrypt
        await until(pilot, lambda: shown(app, ConfirmCallScreen, "#send"), "the confirmation")
        screen = app.screen
        assert isinstance(screen, ConfirmCallScreen) and screen.request.kind == "use"
        assert text_of(screen, "#call-cli") == "aws kms encrypt"
        params = text_of(screen, "#call-params-text")
        assert '"Plaintext": "<7 bytes, hidden>"' in params and "pay day" not in params
        assert "Encrypt" not in backend.sent
        await pilot.press("enter")
        await until(
            pilot,
            lambda: str(pane.query_one("#result", Static).render()).startswith("✓ Encrypt"),
            "the ciphertext",
        )
        await pilot.press("tab", "tab", "enter")  # Decrypt
        await until(pilot, lambda: shown(app, ConfirmCallScreen, "#send"), "the confirmation")
        assert text_of(app.screen, "#call-cli") == "aws kms decrypt"
        await pilot.press("enter")
        await until(
            pilot,
            lambda: str(pane.query_one("#result", Static).render()).startswith("✓ Decrypt"),
            "the plaintext",
        )
        assert "pay day" not in str(pane.query_one("#secret", Static).render())
    assert ["Encrypt", "Decrypt"] == [op for op in backend.sent if op in ("Encrypt", "Decrypt")]
