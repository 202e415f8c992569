"""Waiting for a console's workers in pilot tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.worker import WorkerFailed


async def wait_for_workers(app) -> None:
    """Wait until the app's current workers end. A worker cancelled because a newer
    exclusive one replaced it counts as ended; a worker that failed still fails the test
    (Textual's own ``wait_for_complete`` raises for the cancelled ones too)."""
    results = await asyncio.gather(
        *[worker.wait() for worker in list(app.workers)], return_exceptions=True
    )
    for result in results:
        if isinstance(result, WorkerFailed):
            raise result


def lists_loading(app) -> bool:
    """A screen's list is still arriving a page at a time (the key list): asked for,
    though its worker may not have started yet, which ``wait_for_workers`` misses."""
    return any(getattr(screen, "loading_keys", False) for screen in app.screen_stack)


async def settle(pilot, timeout: float = 30.0) -> None:
    """Let workers finish, lists arrive whole and their messages be handled."""
    for _ in range(3):
        await pilot.pause()
        await wait_for_workers(pilot.app)
    deadline = time.monotonic() + timeout
    while lists_loading(pilot.app) and time.monotonic() < deadline:
        await pilot.pause(0.01)
        await wait_for_workers(pilot.app)
    await pilot.pause()


async def wait_until(
    pilot, predicate: Callable[[], bool], timeout: float = 10.0, what: str = ""
) -> None:
    """Let timers fire and workers finish until ``predicate`` holds (or fail)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.02)
        await wait_for_workers(pilot.app)
        await pilot.pause()
