"""Where kmstui keeps things: the data directory (state) and the config directory
(config.toml, user themes, the root key). The root key never lives in the data
directory, so a copy of the data directory alone reveals no key."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "kmstui"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """``--data-dir``, else ``KMSTUI_HOME``, else the platform's user data dir."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("KMSTUI_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME))


def config_dir(explicit: str | os.PathLike | None = None) -> Path:
    """``KMSTUI_CONFIG``, else the platform's user config dir."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("KMSTUI_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME))


def resource_dir(name: str) -> Path:
    """A bundled resource folder (``themes``, ``sample_data``): inside the installed
    package, or at the top of a source checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "_resources" / name
    if installed.is_dir():
        return installed
    return package.parent / name
