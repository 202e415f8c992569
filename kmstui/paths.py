"""Where kmstui keeps things: the data directory (state) and the config directory
(config.toml, user themes, the root key). The root key never lives in the data
directory, so a copy of the data directory alone reveals no key."""

from __future__ import annotations

import os
import stat
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


def make_private_dir(path: str | os.PathLike) -> Path:
    """Create the folder ``path`` and any missing parents private to this user (0700)
    whatever the umask; an existing ``path`` that others can reach is made 0700."""
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path
