"""The key detail's Try it tab: a key's own operations, tried from the console."""

from kmstui.ui.tryit.pane import TryItPane

__all__ = ["TryItPane"]
