"""The policy editor pane the key detail and principals screens mount."""

from .pane import PolicyEditorPane

__all__ = ["PolicyEditorPane"]
