"""The line at the top of every section: the sections with their number keys, the
endpoint's URL while ``--serve`` serves it, where the console is when it is not its own
engine (an AWS account, another endpoint), the acting-as principal and the Region
(click either to switch) and the engine date."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Static

from kmstui.caller import Caller
from kmstui.ui.format import markup, short_arn
from kmstui.ui.host import InConsole
from kmstui.ui.seam import backend_if_open


class ActingAs(InConsole, Static):
    """Who requests are made as. Clicking opens the switcher."""

    def on_mount(self) -> None:
        self.watch(self.app, "acting_as", self._show)

    def _show(self, caller: Caller) -> None:
        backend = backend_if_open(self)
        if backend is None:
            return
        who = short_arn(caller.principal)
        own = f" ({backend.account})"
        self.update(markup("as [b]$who[/b]", who=who.removesuffix(own)))  # others' accounts shown
        self.tooltip = "Switch principal (A)"

    async def on_click(self) -> None:
        await self.app.run_action("app.switch_principal")


class RegionShown(Static):
    """The Region the console works in. Clicking opens the switcher."""

    def on_mount(self) -> None:
        self.watch(self.app, "acting_as", self._show)

    def _show(self, caller: Caller) -> None:
        if backend_if_open(self) is not None:
            self.update(caller.region)
            self.tooltip = "Switch Region (f5)"

    async def on_click(self) -> None:
        await self.app.run_action("app.switch_region")


class Where(Static):
    """Where the console is, when it is not its own engine: ``AWS 123456789012 (profile
    prod)`` or the endpoint's URL, in a colour the embedded engine never shows, so a
    real account is never mistaken for the emulator. Hidden on the embedded engine.
    The short form (below 140 columns) is ``AWS`` and the account, or another
    endpoint's account alone, in the same colour; the tooltip has the rest."""

    def __init__(self, *, short: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.short = short

    def on_mount(self) -> None:
        self.watch(self.app, "acting_as", self._show)

    def _show(self, caller: Caller) -> None:
        backend = backend_if_open(self)
        location = backend.location if backend is not None else None
        remote = location is not None and location.remote
        self.set_class(remote, "-on")
        if location is None or not remote:
            return
        self.set_class(location.kind == "aws", "-aws")
        self.set_class(location.kind == "endpoint", "-endpoint")
        if self.short:  # AWS says so; another endpoint's colour does
            text = f"AWS {location.account}" if location.kind == "aws" else location.account
        elif location.kind == "aws":
            text = f"AWS {location.account}"
            if location.profile:
                text += f" ({location.profile})"
        else:
            url = location.endpoint_url or ""
            text = f"{url.split('://', 1)[-1]} {location.account}"
        self.update(text)
        self.tooltip = f"{location.label(caller.region)}\nas {caller.principal}"


class Serving(Static):
    """The endpoint SDKs can call while the console serves it; hidden otherwise. The
    short form (narrow terminals) is the port alone."""

    def __init__(self, *, short: bool = False, **kwargs):
        super().__init__(classes="serving", **kwargs)
        self.short = short

    def on_mount(self) -> None:
        self.watch(self.app, "serve_url", self._show)

    def _show(self, url: str) -> None:
        self.set_class(bool(url), "-on")
        self.update(f"⇄ :{url.rsplit(':', 1)[-1]}" if self.short else f"serving {url}")
        self.tooltip = f"aws kms list-keys --endpoint-url {url}" if url else None


class EngineDate(Static):
    def on_mount(self) -> None:
        self.watch(
            self.app, "clock_text", lambda text: self.update(f"engine time {text}" if text else "")
        )


class TopBar(InConsole, Horizontal):
    def __init__(self, current: str):
        super().__init__()
        self.current = current

    def on_mount(self) -> None:
        self.watch(self.app, "acting_as", self._where)

    def _where(self, caller: Caller) -> None:
        backend = backend_if_open(self)
        self.set_class(backend is not None and backend.location.remote, "-remote")

    def compose(self) -> ComposeResult:
        from kmstui.ui.app import SECTIONS

        yield Label("kmstui", id="brand")
        for number, (mode, title) in enumerate(SECTIONS, start=1):
            label = Label(f"{number} {title}", classes="section", name=mode)
            if mode == self.current:
                label.add_class("-current")
            yield label
        yield Static(id="spacer")
        yield Serving(id="serving")
        yield Serving(id="serving-short", short=True)
        yield Where(id="where")
        yield Where(id="where-short", short=True)
        yield ActingAs(id="acting-as")
        yield RegionShown(id="region")
        yield EngineDate(id="engine-date")

    def on_click(self, event) -> None:
        widget = event.widget
        if isinstance(widget, Label) and widget.has_class("section") and widget.name:
            self.app.go_to_section(widget.name)
