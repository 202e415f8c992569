"""The registry of EC2 operations (the engine's one dispatch path runs them)."""

from __future__ import annotations

from kmstui.dispatch import CallContext, Operations

OPERATIONS = Operations()
operation = OPERATIONS.operation

__all__ = ["OPERATIONS", "CallContext", "operation"]
