"""The command palette: every action that applies now, named "noun: verb".

Commands come from the bindings active on the screen the palette was opened from
(so an action disabled there is not offered), then every other screen's actions,
which go where they live first (:mod:`kmstui.ui.jump`), plus one command per
principal to act as and per theme."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from kmstui.ui.actions import palette_title
from kmstui.ui.seam import backend_if_open


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]


class ConsoleCommands(Provider):
    def _commands(self) -> list[PaletteCommand]:
        app, screen = self.app, self.screen
        out: list[PaletteCommand] = []
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            title = palette_title(binding)
            if not title or not active.enabled or title in seen or binding.id == "palette.open":
                continue
            seen.add(title)
            out.append(
                PaletteCommand(
                    title, binding.tooltip, partial(active.node.run_action, binding.action)
                )
            )
        from kmstui.ui.jump import elsewhere, go_and_run

        # Not the actions this screen has but cannot do now (enable on an enabled key).
        owners = {type(node).__name__ for node in [screen, *screen.query("*")]}
        for command in elsewhere(seen, owners):
            out.append(
                PaletteCommand(command.title, command.help, partial(go_and_run, app, command))
            )
        from kmstui.ui.principals import principal_choices

        current = app.acting_as.principal
        backend = backend_if_open(screen)
        for principal in principal_choices(backend) if backend is not None else []:
            if principal.arn != current:
                out.append(
                    PaletteCommand(
                        f"acting as: {principal.label}",
                        f"Make requests as {principal.arn}",
                        partial(app.act_as, principal.arn),
                    )
                )
        for name in sorted(app.available_themes):
            if name != app.theme:
                out.append(
                    PaletteCommand(
                        f"theme: use {name}",
                        "Switch the colour theme",
                        partial(setattr, app, "theme", name),
                    )
                )
        return out

    async def discover(self) -> Hits:
        for command in self._commands():
            if command.title.startswith(("theme:", "acting as:")):
                continue
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
