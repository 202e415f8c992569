"""An account of 2,500 keys on a real `kmstui serve`, through the AWS backend: the key
list pages through ListKeys and ListAliases (moto's ListKeys never truncates, so only
a server that pages can show this), its first rows show before the rest are listed,
and every key arrives once, with its alias, described."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter

import pytest
from textual.widgets import DataTable, Static

from kmstui.aws.account import Where
from kmstui.backends.aws import open_aws
from tests import served
from tests.aws.many_keys import CREDENTIALS, serve_keys
from tests.workers import wait_until

KEYS = 2500


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    base = tmp_path_factory.mktemp("many-keys")
    process, url, made = serve_keys(base, KEYS)
    yield url, made
    served.stop(process)


def console(url: str, tmp_path, wrap):
    from textual.widgets import Input

    from kmstui.ui.app import KmsConsole

    Input.cursor_blink = False  # type: ignore[assignment]
    where = Where(region="us-east-1", endpoint_url=url, fallback_credentials=CREDENTIALS)

    def opened():
        backend = open_aws(where, data_dir=tmp_path / "home")
        backend.call = wrap(backend.call)  # type: ignore[method-assign]
        return backend

    return KmsConsole(open_backend=opened, config_dir=tmp_path / "config")


async def poll(pilot, predicate, timeout: float, what: str) -> None:
    """Wait for ``predicate`` without waiting for workers (the load is held back)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


async def test_thousands_of_keys_arrive_page_by_page_each_once_with_its_alias(account, tmp_path):
    from kmstui.ui.screens.keys import KeysScreen

    url, made = account
    listed: list[str] = []  # every key id ListKeys answered with, in order
    pages: list[dict] = []  # ListKeys' and ListAliases' requests
    first_rows_seen = threading.Event()

    def wrap(call):
        def recorded(operation, params=None, *, caller):
            if operation in ("ListKeys", "ListAliases"):
                pages.append({"Operation": operation, **(params or {})})
            if operation == "ListKeys" and (params or {}).get("Marker"):
                first_rows_seen.wait(60)  # the rest only once the first rows showed
            answer = call(operation, params, caller=caller)
            if operation == "ListKeys":
                listed.extend(key["KeyId"] for key in answer["Keys"])
            return answer

        return recorded

    app = console(url, tmp_path, wrap)
    async with app.run_test(size=(120, 40)) as pilot:
        await poll(pilot, lambda: isinstance(app.screen, KeysScreen), 60, "the key list")
        screen = app.screen
        assert isinstance(screen, KeysScreen)
        table = screen.query_one("#keys", DataTable)
        await poll(pilot, lambda: table.row_count > 0, 60, "the first rows")
        # Rows on screen while the other keys are not even listed yet
        assert 0 < table.row_count < KEYS
        assert screen.loading_keys
        status = str(screen.query_one("#status", Static).render())
        assert "keys read …" in status
        first = [row.value for row in table.rows]
        assert "…" in [str(cell) for cell in table.get_row(first[-1])]  # not described yet
        first_rows_seen.set()
        await wait_until(pilot, lambda: screen.loaded, timeout=600, what="every key described")
        await asyncio.sleep(0)
        shown = [row.value for row in table.rows]
        status = str(screen.query_one("#status", Static).render())

    # Each key listed once, shown once: none repeated, none skipped
    assert len(listed) == KEYS and Counter(listed).most_common(1)[0][1] == 1
    assert set(listed) == set(made)
    assert len(shown) == KEYS and set(shown) == set(made)
    # Paged: a short first page, then the largest ones; ListAliases a page at a time
    key_pages = [p for p in pages if p["Operation"] == "ListKeys"]
    assert [p.get("Limit") for p in key_pages] == [100, 1000, 1000, 1000]
    assert len([p for p in pages if p["Operation"] == "ListAliases"]) >= KEYS // 100
    # Every key with its one alias, described
    rows = {row.key_id: row for row in screen.rows}
    assert {key_id: row.aliases for key_id, row in rows.items()} == {
        key_id: [alias] for key_id, alias in made.items()
    }
    assert all(row.described and not row.problem for row in rows.values())
    assert {row.state for row in rows.values()} == {"Enabled"}
    assert status.startswith(f"{KEYS} of {KEYS} keys") and "…" not in status
