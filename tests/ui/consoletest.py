"""Helpers the console tests share."""

from __future__ import annotations

from tests.workers import settle, wait_until

__all__ = [
    "FIXED_TIME",
    "SIZE",
    "key_id_by_alias",
    "make_app",
    "new_key",
    "open_key",
    "select_key",
    "settle",
]

FIXED_TIME = 1_800_000_000.0
SIZE = (120, 40)


def make_app(engine, tmp_path):
    from textual.widgets import Input

    from kmstui.ui.app import KmsConsole

    Input.cursor_blink = False  # type: ignore[assignment]
    return KmsConsole(engine, config_dir=tmp_path / "config")


def key_id_by_alias(engine, alias: str) -> str:
    aliases = engine.call("ListAliases")["Aliases"]
    return next(a["TargetKeyId"] for a in aliases if a["AliasName"] == alias)


def new_key(engine, alias: str, **params) -> str:
    """CreateKey with ``params``, named by ``alias``."""
    key_id = engine.call("CreateKey", params)["KeyMetadata"]["KeyId"]
    engine.call("CreateAlias", {"AliasName": alias, "TargetKeyId": key_id})
    return key_id


async def select_key(pilot, key_id: str) -> None:
    """Move the key list's cursor to ``key_id`` (once the list shows it)."""
    from textual.widgets import DataTable

    table = pilot.app.screen.query_one("#keys", DataTable)
    await wait_until(
        pilot, lambda: key_id in [row.value for row in table.rows], what=f"{key_id} in the list"
    )
    table.move_cursor(row=table.get_row_index(key_id))
    await pilot.pause()


async def open_key(pilot, key_id: str | None = None, tab: str | None = None):
    """Open a key's detail (``key_id``, else the selected key), on ``tab`` if given,
    and return its screen. The tab opens as the keys open it, so its table has the
    focus and its keys work."""
    from kmstui.ui.screens.key_detail import KeyDetailScreen

    if key_id is not None:
        await select_key(pilot, key_id)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, KeyDetailScreen)
    assert key_id is None or screen.key_id == key_id
    if tab is not None:
        screen.action_show_tab(tab)
        await settle(pilot)
    return screen
