"""What the console holds once its backend is open is frozen for the garbage collector
while it runs (a full collection then walks only what came after it), and given back
when the console closes, so a process that opens consoles one after another (these
tests) keeps none of them."""

from __future__ import annotations

import gc

from kmstui.backends import EmbeddedBackend
from tests.workers import wait_until


async def test_what_the_console_holds_once_open_is_frozen_until_it_closes(engine, tmp_path):
    from kmstui.ui.app import KmsConsole

    app = KmsConsole(open_backend=lambda: EmbeddedBackend(engine), config_dir=tmp_path / "c")
    assert gc.get_freeze_count() == 0
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.backend is not None, what="the backend")
        await pilot.pause()
        assert gc.get_freeze_count() > 1000  # the modules, the app, the engine's state
    assert gc.get_freeze_count() == 0
