"""Waiting for a console's workers in pilot tests."""

from __future__ import annotations

import asyncio

from textual.worker import WorkerFailed


async def wait_for_workers(app) -> None:
    """Wait until the app's current workers end. A worker cancelled because a newer
    exclusive one replaced it counts as ended; a worker that failed still fails the test
    (Textual's own ``wait_for_complete`` raises for the cancelled ones too)."""
    results = await asyncio.gather(*[worker.wait() for worker in list(app.workers)],
                                   return_exceptions=True)
    for result in results:
        if isinstance(result, WorkerFailed):
            raise result
