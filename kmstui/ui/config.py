"""The console's settings in ``<config dir>/config.toml``: the theme and the keymap.

``[keymap]`` maps binding ids to keys (``"key.disable" = "ctrl+d"``). The file is read
with tomllib; the console writes back only what it owns (the theme), keeping the rest.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kmstui.paths import make_private_dir
from kmstui.store.storage import atomic_write_bytes

FILE_NAME = "config.toml"


@dataclass
class ConsoleConfig:
    path: Path
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None

    @classmethod
    def load(cls, config_dir: Path) -> ConsoleConfig:
        path = Path(config_dir) / FILE_NAME
        if not path.exists():
            return cls(path=path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return cls(path=path, problem=f"{path}: {exc}")
        theme = raw.get("theme") if isinstance(raw.get("theme"), str) else None
        keymap_raw = raw.get("keymap", {})
        keymap = (
            {str(k): str(v) for k, v in keymap_raw.items() if isinstance(v, str)}
            if isinstance(keymap_raw, dict)
            else {}
        )
        return cls(path=path, theme=theme, keymap=keymap, raw=raw)

    def save_theme(self, theme: str) -> None:
        self.theme = theme
        self.raw = {**self.raw, "theme": theme}
        if self.problem:  # never overwrite a file we could not read
            return
        make_private_dir(self.path.parent)
        atomic_write_bytes(self.path, dumps(self.raw).encode("utf-8"), 0o600)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _key(name: str) -> str:
    bare = name.replace("-", "").replace("_", "").isalnum()
    return name if bare else _value(name)


def dumps(data: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer: scalars and arrays first, then tables."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for name, table in data.items():
        if isinstance(table, dict):
            full = f"{prefix}.{_key(name)}" if prefix else _key(name)
            lines += ["", f"[{full}]", dumps(table, full).rstrip("\n")]
    return "\n".join(line for line in lines) + "\n"
