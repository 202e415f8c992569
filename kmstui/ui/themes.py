"""Themes from TOML files: the bundled ones (``themes/``) and the user's
(``<config dir>/themes/``). A file that cannot be read becomes one problem message;
it never stops the console from starting."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.theme import Theme

DEFAULT_THEME = "kmstui-dark"
_COLOURS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)


@dataclass
class LoadedThemes:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def theme_from_toml(path: Path) -> Theme:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("missing 'name'")
    if not isinstance(data.get("primary"), str):
        raise ValueError("missing 'primary' colour")
    unknown = set(data) - {
        "name",
        "dark",
        "variables",
        "luminosity_spread",
        "text_alpha",
        *_COLOURS,
    }
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError("'variables' must be a table")
    options: dict[str, Any] = {c: data[c] for c in _COLOURS if c in data}
    options.update({k: float(data[k]) for k in ("luminosity_spread", "text_alpha") if k in data})
    theme = Theme(
        name=name,
        dark=bool(data.get("dark", True)),
        variables={str(k): str(v) for k, v in variables.items()},
        **options,
    )
    theme.to_color_system()  # raises on colours Textual cannot parse
    return theme


def load_themes(*folders: Path) -> LoadedThemes:
    loaded = LoadedThemes()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                loaded.themes.append(theme_from_toml(path))
            except Exception as exc:  # noqa: BLE001 - any broken file is reported, not fatal
                loaded.problems.append(f"{path.name}: {exc}")
    return loaded
