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


async def settle(pilot) -> None:
    """Let workers finish and their messages be handled."""
    for _ in range(3):
        await pilot.pause()
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
