"""The name F12 saves a screen under: a new one each time."""

from __future__ import annotations

import re
import time
from pathlib import Path

from textual.app import App


def screenshot_name(app: App, folder: Path) -> str:
    """A new file name each time: the section, the screen or dialog on top (when it
    is not the section's own), the time, and a counter if that name is taken."""
    section = getattr(app, "current_mode", "") or "screen"
    parts = ["kmstui", section]
    if len(app.screen_stack) > 1:
        kind = type(app.screen).__name__.removesuffix("Screen").removesuffix("Dialog")
        parts.append(re.sub(r"(?<!^)(?=[A-Z])", "-", kind).lower() or "dialog")
    parts.append(time.strftime("%Y%m%d-%H%M%S"))
    stem = "-".join(parts)
    name, n = f"{stem}.svg", 1
    while (folder / name).exists():
        n += 1
        name = f"{stem}-{n}.svg"
    return name
