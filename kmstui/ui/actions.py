"""One declaration per console action.

A :class:`Action` feeds the key binding (with a stable id users remap in
``config.toml``), the footer, the help overlay and the command palette, so the four
can never disagree. The palette names an action "noun: verb" from its id's first
part and its description.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    id: str  # "key.disable": the noun, then the verb
    key: str
    action: str
    description: str
    tooltip: str
    show: bool = True
    key_display: str | None = None
    priority: bool = False
    group: str | None = None  # consecutive actions of a group share one footer label

    @property
    def noun(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def palette_title(self) -> str:
        return f"{self.noun}: {self.description.lower()}"

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.description,
            show=self.show,
            key_display=self.key_display,
            priority=self.priority,
            tooltip=self.tooltip,
            id=self.id,
            group=Binding.Group(self.group, compact=True) if self.group else None,
        )


def bindings(*actions: Action) -> list[Binding]:
    return [a.binding() for a in actions]


def palette_title(binding: Binding) -> str | None:
    """The palette's "noun: verb" name of a binding, or None for bindings without an id."""
    if not binding.id or not binding.description:
        return None
    noun = binding.id.split(".", 1)[0]
    return f"{noun}: {binding.description.lower()}"
