"""The console's one table of keys, read from the bindings themselves.

:func:`registry` finds every class in ``kmstui.ui`` that declares bindings;
:func:`keys_markdown` renders ``docs/keys.md`` from it (``scripts/keys_doc.py`` writes
the file, and a test fails when the file is stale), and help shows the same table.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass

from textual.binding import Binding

from kmstui.ui.actions import DIALOG_VERBS, VERBS, VerbBinding


@dataclass(frozen=True)
class Entry:
    owner: str  # the class that declares the binding
    binding: Binding

    @property
    def verb(self) -> str:
        return getattr(self.binding, "verb", "")

    @property
    def keys(self) -> list[str]:
        return [key.strip() for key in self.binding.key.split(",")]

    @property
    def dialog(self) -> bool:

        return self.owner in _modal_names()


def _console_classes() -> list[type]:
    from textual.dom import DOMNode

    import kmstui.ui as package

    found: dict[str, type] = {}
    for module_info in pkgutil.walk_packages(package.__path__, "kmstui.ui."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, DOMNode)
                and value.__module__ == module.__name__
            ):
                found[f"{value.__module__}.{name}"] = value
    return [found[name] for name in sorted(found)]


def _modal_names() -> set[str]:
    from textual.screen import ModalScreen

    return {cls.__name__ for cls in _console_classes() if issubclass(cls, ModalScreen)}


def registry() -> list[Entry]:
    """Every binding the console declares, with the class that declares it."""
    entries = []
    for cls in _console_classes():
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding):
                entries.append(Entry(cls.__name__, binding))
    return entries


# How a key is written for people, where Textual's name for it is not the key itself.
KEY_NAMES = {
    "question_mark": "?",
    "colon": ":",
    "slash": "/",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "plus": "+",
    "equals_sign": "=",
    "minus": "-",
    "escape": "esc",
}


def key_name(key: str) -> str:
    return KEY_NAMES.get(key, key)


def _keys_cell(keys: str) -> str:
    return ", ".join(f"`{key_name(k)}`" for k in keys.split(","))


def keys_markdown(entries: list[Entry] | None = None) -> str:
    entries = registry() if entries is None else entries
    lines = [
        "# Keys",
        "",
        "Generated from the console's bindings by `scripts/keys_doc.py`; do not edit.",
        "",
        "A key means one verb on every screen: `n` is always *new* (a key, a grant, a",
        "volume ...), `x` always *delete*. Printable keys never act while a text field or",
        "the policy editor has the focus; they are text there. Remap any command by its",
        'id in `config.toml`: `[keymap]` `"key.disable" = "ctrl+d"`.',
        "",
    ]
    for title, table, dialog in (("Screens", VERBS, False), ("Dialogs", DIALOG_VERBS, True)):
        lines += [f"## {title}", "", "| Keys | Verb | Commands (id) |", "| --- | --- | --- |"]
        for verb, (keys, meaning) in table.items():
            users = sorted(
                {
                    f"{e.binding.description} ({e.binding.id})"
                    for e in entries
                    if e.verb == verb and e.dialog == dialog and e.binding.id
                }
            )
            if not users:
                continue
            lines.append(f"| {_keys_cell(keys)} | {verb}: {meaning} | {'; '.join(users)} |")
        lines.append("")
    return "\n".join(lines)


__all__ = ["Entry", "VerbBinding", "keys_markdown", "registry"]
