"""The grants pane the key detail screen mounts."""

from .pane import GrantsPane

__all__ = ["GrantsPane"]
