"""The console through the AWS backend on a served engine: read-only, a change is
refused with the reason on screen and nothing reaches the endpoint; with writes allowed
a destructive change is sent once the key's alias is typed in the confirmation."""

from __future__ import annotations

import time

from textual.widgets import DataTable, Input, Static

from kmstui.ui.dialogs.confirm_call import ConfirmCallScreen
from kmstui.ui.dialogs.error import ErrorScreen
from kmstui.ui.dialogs.schedule_deletion import ScheduleDeletionScreen
from tests.aws.served_engine import console_on, seeded_endpoint

SIZE = (120, 40)


def shown(app, screen_type, selector: str) -> bool:
    """``app`` shows a ``screen_type`` whose ``selector`` is mounted and whose focus is
    set (not only pushed: its keys would go nowhere yet)."""
    screen = app.screen
    return isinstance(screen, screen_type) and bool(screen.query(selector)) and bool(screen.focused)


async def until(pilot, predicate, what: str, timeout: float = 15.0) -> None:
    """Let the console run until ``predicate`` holds (not waiting for its workers: one
    waiting for a confirmation ends only once the dialog is answered)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def aliases_shown(app) -> set[str]:
    """The aliases in the key list, once it is whole and described (before that a key's
    actions wait for its state)."""
    tables = app.screen.query("#keys")
    if not tables or not getattr(app.screen, "loaded", False):
        return set()
    table = tables.first(DataTable)
    return {str(table.get_row_at(i)[0]) for i in range(table.row_count)}


def key_id_by_alias(engine, alias: str) -> str:
    aliases = engine.call("ListAliases")["Aliases"]
    return next(a["TargetKeyId"] for a in aliases if a["AliasName"] == alias)


async def test_read_only_a_change_is_refused_on_screen_and_nothing_is_sent(tmp_path):
    with seeded_endpoint(tmp_path) as (engine, url):
        before = engine.call("ListKeys")["Keys"]
        published = engine.events.published
        app = console_on(url, tmp_path, kind="endpoint")
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: "alias/app-data" in aliases_shown(app), "the key list")
            await pilot.press("n")
            await pilot.pause()
            said = [n.message for n in app._notifications]
            assert any(m.startswith("New: read-only: ") for m in said), said
            app.submit("CreateKey", {"Description": "not sent"})
            await until(pilot, lambda: shown(app, ErrorScreen, "#error-message"), "the refusal")
            message = str(app.screen.query_one("#error-message", Static).render())
            assert message.startswith("read-only: CreateKey was not sent")
            assert "--allow-writes" in message
        assert engine.call("ListKeys")["Keys"] == before
        new = engine.events.published - published  # the console's reads, and no CreateKey
        since = list(engine.events.recent)[-new:] if new else []
        assert new and "CreateKey" not in [r["eventName"] for r in since]


async def test_a_destructive_change_is_sent_once_the_alias_is_typed(tmp_path):
    with seeded_endpoint(tmp_path) as (engine, url):
        key_id = key_id_by_alias(engine, "alias/app-data")
        app = console_on(url, tmp_path, kind="endpoint", allow_writes=True)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: "alias/app-data" in aliases_shown(app), "the key list")
            table = app.screen.query_one("#keys", DataTable)
            table.move_cursor(row=table.get_row_index(key_id))
            await pilot.press("x")
            await until(pilot, lambda: shown(app, ScheduleDeletionScreen, "Input"), "the prompt")
            app.screen.query_one(Input).value = "7"
            await pilot.press("enter")
            await until(pilot, lambda: shown(app, ConfirmCallScreen, "#send"), "the confirmation")
            screen = app.screen
            assert isinstance(screen, ConfirmCallScreen)
            assert str(screen.query_one("#call-cli", Static).render()) == (
                "aws kms schedule-key-deletion"
            )
            assert str(screen.query_one("#call-where", Static).render()).startswith(f"To {url}")
            assert screen.request.type_to_confirm == "alias/app-data"
            await pilot.press(*"alias/app-data", "enter")
            await until(
                pilot,
                lambda: (
                    engine.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"]
                    == "PendingDeletion"
                ),
                "the deletion scheduled",
            )
