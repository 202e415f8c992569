"""The command palette: every action that applies now, named "noun: verb".

Commands come from the bindings active on the screen the palette was opened from
(so an action disabled there is not offered), then every other screen's actions,
which go where they live first (:mod:`kmstui.ui.jump`), plus one command per
principal to act as, per Region to work in and per theme."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from kmstui.ui.actions import palette_title
from kmstui.ui.capabilities import reason
from kmstui.ui.seam import backend_if_open

if TYPE_CHECKING:
    from kmstui.ui.app import KmsConsole


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]


def binding_ids() -> dict[str, str]:
    """Every console command's palette title -> its binding id."""
    from kmstui.ui.keys import registry

    return {
        title: entry.binding.id
        for entry in registry()
        if entry.binding.id and (title := palette_title(entry.binding))
    }


class ConsoleCommands(Provider):
    # ``self.app`` is the console's (a Provider is no MessagePump: InConsole does not fit)
    if TYPE_CHECKING:

        @property
        def app(self) -> KmsConsole: ...

    def _commands(self) -> list[PaletteCommand]:
        app, screen = self.app, self.screen
        out: list[PaletteCommand] = []
        seen: set[str] = set()
        backend = backend_if_open(screen)
        for active in screen.active_bindings.values():
            binding = active.binding
            title = palette_title(binding)
            if not title or title in seen or binding.id == "palette.open":
                continue
            why = reason(backend, binding.id)
            if not active.enabled and not why:
                continue
            seen.add(title)
            out.append(
                PaletteCommand(
                    f"{title} ({why})" if why else title,
                    why or binding.tooltip,
                    partial(app.run_action, binding.action, active.node),
                )
            )
        from kmstui.ui.jump import elsewhere, go_and_run

        # Not the actions this screen has but cannot do now (enable on an enabled key).
        owners = {type(node).__name__ for node in [screen, *screen.query("*")]}
        ids = binding_ids()
        for command in elsewhere(seen, owners):
            why = reason(backend, ids.get(command.title))
            out.append(
                PaletteCommand(
                    f"{command.title} ({why})" if why else command.title,
                    why or command.help,
                    partial(go_and_run, app, command),
                )
            )
        from kmstui.ui.principals import principal_choices

        current = app.acting_as.principal
        act_as_any = backend is not None and bool(backend.capabilities.act_as_any)
        for principal in principal_choices(backend) if backend is not None and act_as_any else []:
            if principal.arn != current:
                out.append(
                    PaletteCommand(
                        f"acting as: {principal.label}",
                        f"Make requests as {principal.arn}",
                        partial(app.act_as, principal.arn),
                    )
                )
        from kmstui.ui.region import region_choices, switch_region

        for region, _note in region_choices(app) if app.backend is not None else ():
            if region != app.acting_as.region:
                out.append(
                    PaletteCommand(
                        f"region: work in {region}",
                        f"List and act on the keys of {region}",
                        partial(switch_region, app, region),
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
            if command.title.startswith(("theme:", "acting as:", "region: work in")):
                continue
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
