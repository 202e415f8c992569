"""The Region the console works in, switched at run time.

Every console request is made in the acting-as caller's Region, so switching the
Region is switching that caller's Region: the key list then lists that Region's keys,
and a key detail of another Region closes (a multi-Region key opens again in the new
Region as its related key there). A switch asks first about unsaved policy edits, as
leaving a section does."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kmstui.caller import REGION
from kmstui.ui.actions import Action
from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import plain

# The commercial AWS Regions (partition aws), the choices a switch or a replica offers
# before any other Region name typed in.
AWS_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
)

REGION_ACTION = Action(
    "region.switch",
    "region",
    "app.switch_region",
    "Switch Region",
    "Choose the Region the console works in (its keys are listed)",
    show=False,
)


def region_problem(text: str) -> str | None:
    if not REGION.fullmatch(text.strip()):
        return f"{text.strip()!r} is not a Region name (such as eu-west-1)."
    return None


class RegionScreen(Dialog[str]):
    """Choose a Region from ``choices`` ((Region, note) pairs), or, when ``other``,
    type any Region name. Dismisses with the Region."""

    DEFAULT_CSS = """
    RegionScreen #other { margin-top: 1; }
    """

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[str, str]],
        current: str | None = None,
        *,
        other: bool = True,
        hint: str = "",
    ):
        super().__init__()
        self.title_text, self.choices, self.current = title, list(choices), current
        self.other, self.hint = other, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(plain(self.title_text), classes="dialog-title")
            if self.hint:
                yield Static(plain(self.hint), classes="hint")
            options = [
                Option(
                    Text(f"{'▶ ' if region == self.current else '  '}{region:<16}{note}"),
                    id=region,
                )
                for region, note in self.choices
            ]
            yield OptionList(*options, id="regions")
            if self.other:
                yield Input(placeholder="another Region: type its name, Enter", id="other")
            yield Static("", id="problem", classes="problem")
            yield Label("Enter chooses · Escape cancels", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        regions = [region for region, _ in self.choices]
        if self.current in regions:
            options.highlighted = regions.index(self.current)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Input.Submitted, "#other")
    def _typed(self, event: Input.Submitted) -> None:
        problem = region_problem(event.value)
        if problem:
            self.query_one("#problem", Static).update(plain(f"✕ {problem}"))
            return
        self.dismiss(event.value.strip())


def console_region(node) -> str:
    """The Region the console works in (its requests' Region), for ``node`` of it."""
    acting = getattr(node.app, "acting_as", None)
    if acting is not None and not callable(acting):  # a pane host may hold a getter
        return acting.region
    from kmstui.ui.seam import backend_of

    return backend_of(node).region


def region_choices(app, first: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """``first``, then the engine's default Region, then every AWS Region."""
    from kmstui.ui.seam import backend_if_open

    backend = backend_if_open(app)
    default = backend.region if backend is not None else AWS_REGIONS[0]
    out = dict(first)
    out.setdefault(default, "the engine's default")
    for region in AWS_REGIONS:
        out.setdefault(region, "")
    return list(out.items())


def switch_region(app, region: str, then: Callable[[], None] | None = None) -> None:
    """Work in ``region`` from now on (after asking about unsaved policy edits)."""
    from kmstui.ui.messages import DataChanged
    from kmstui.ui.unsaved import all_screens, leave_after_asking

    def switch() -> None:
        if region != app.acting_as.region:
            app.acting_as = app.acting_as.in_region(region)
            if app.backend is not None:
                app.backend.follow_region(region)  # the Monitor's feeds read it too
            app.notify(f"Region {region}", markup=False)
            app.screen.post_message(DataChanged())
        if then is not None:
            then()

    leave_after_asking(app, all_screens(app), switch)


def choose_region(app) -> None:
    """The Region switcher (f5, the palette, a click on the Region in the top bar)."""

    def chosen(region: str | None) -> None:
        if region:
            switch_region(app, region)

    app.push_screen(
        RegionScreen(
            "Work in Region",
            region_choices(app),
            app.acting_as.region,
            hint="The console lists and acts on the keys of this Region.",
        ),
        chosen,
    )
