"""Messages workers post back to the main thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message import Message

from kmstui.errors import AwsError


class EngineReply(Message):
    """An engine request finished: ``result`` on success, ``error`` otherwise."""

    def __init__(
        self,
        label: str,
        result: Any = None,
        error: AwsError | None = None,
        then: Callable[[Any], None] | None = None,
        success: str | None = None,
    ):
        super().__init__()
        self.label = label
        self.result = result
        self.error = error
        self.then = then
        self.success = success


class DataChanged(Message):
    """Something in the engine changed; visible views should read again."""
