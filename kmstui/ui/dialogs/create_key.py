"""CreateKey's form: the key's type, then only the specs and usages valid for it (from
the engine's KeySpec x KeyUsage table), its origin and multi-Region; then description,
alias, key policy (the default or a file) and tags.

The dialog checks what it can before the engine sees anything (alias name shape,
readable policy file, tag syntax), then makes the request itself: a refusal is shown
as AWS names it over the form, which stays as it was; success closes the dialog with
the new key's KeyMetadata."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from kmstui.model import keyspecs
from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import markup, plain, shorten
from kmstui.ui.host import InConsole
from kmstui.ui.keytypes import KEY_TYPES, ORIGINS, specs_of, usages_of
from kmstui.ui.models import create_key, parse_tags

_ALIAS = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")


@dataclass
class NewKey:
    description: str = ""
    alias: str | None = None
    policy: str | None = None  # None: KMS's default key policy
    tags: list[dict] = field(default_factory=list)
    key_spec: str = keyspecs.SYMMETRIC
    key_usage: str = "ENCRYPT_DECRYPT"
    origin: str = "AWS_KMS"
    multi_region: bool = False

    def create_key_params(self) -> dict[str, Any]:
        """The CreateKey request, with AWS's member names."""
        params: dict[str, Any] = {
            "Description": self.description,
            "KeySpec": self.key_spec,
            "KeyUsage": self.key_usage,
            "Origin": self.origin,
            "Tags": self.tags,
        }
        if self.multi_region:
            params["MultiRegion"] = True
        if self.policy is not None:
            params["Policy"] = self.policy
        return params


def read_form(description: str, alias: str, policy_path: str, tags: str) -> NewKey:
    """The form's text values as a NewKey; ValueError names the first bad field."""
    new = NewKey(description=description.strip())
    alias = alias.strip()
    if alias:
        if not alias.startswith("alias/"):
            alias = f"alias/{alias}"
        if alias.startswith("alias/aws/"):
            raise ValueError("Alias: names starting with alias/aws/ are reserved for AWS.")
        if not _ALIAS.match(alias):
            raise ValueError("Alias: use letters, digits, '/', '_' and '-' after alias/.")
        new.alias = alias
    if policy_path.strip():
        path = Path(policy_path.strip()).expanduser()
        try:
            new.policy = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"Policy file: cannot read {path}: {exc.__class__.__name__}") from None
    try:
        new.tags = parse_tags(tags)
    except ValueError as exc:
        raise ValueError(f"Tags: {exc}") from None
    return new


def algorithms_hint(spec: str, usage: str, width: int = 66) -> str:
    """The algorithms a key of this spec and usage has, as DescribeKey names them."""
    ((member, names),) = keyspecs.metadata_algorithms(spec, usage).items()
    return shorten(f"{member}: {', '.join(names)}", width)


class CreateKeyScreen(InConsole, Dialog[dict]):
    DEFAULT_CSS = """
    CreateKeyScreen #create-form {
        layout: grid;
        grid-size: 2;
        grid-columns: 14 1fr;
        grid-rows: auto;
        grid-gutter: 0 1;
        height: auto;
    }
    CreateKeyScreen #create-form Label { color: $text-muted; }
    CreateKeyScreen #algorithms { color: $text-muted; height: 1; }
    CreateKeyScreen Select { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide"):
            yield Label("Create key", classes="dialog-title")
            with Grid(id="create-form"):
                yield Label("Key type")
                yield Select(
                    [(label, kind) for kind, label in KEY_TYPES],
                    value="symmetric",
                    allow_blank=False,
                    compact=True,
                    id="key-type",
                )
                for name, values in self._offered.items():
                    yield Label(f"Key {name}")
                    yield Select(
                        [(value, value) for value in values],
                        allow_blank=False,
                        compact=True,
                        id=name,
                    )
                yield Label("Origin")
                yield Select(
                    [(label, origin) for origin, label in ORIGINS],
                    allow_blank=False,
                    compact=True,
                    id="origin",
                )
                yield Label("Regions")
                yield Select(
                    [
                        ("Single-Region: this Region only", "single"),
                        ("Multi-Region: an mrk- key to replicate", "multi"),
                    ],
                    allow_blank=False,
                    compact=True,
                    id="multi",
                )
                yield Label("Description")
                yield Input(id="description", compact=True, placeholder="what this key protects")
                yield Label("Alias")
                yield Input(id="alias", compact=True, placeholder="alias/my-key (optional)")
                yield Label("Policy file")
                yield Input(id="policy", compact=True, placeholder="empty: the default key policy")
                yield Label("Tags")
                yield Input(id="tags", compact=True, placeholder="team=storage, env=demo")
            yield Static("", id="algorithms")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Create", id="create", variant="primary")

    def __init__(self) -> None:
        super().__init__()
        # the values each select offers now
        self._offered = {
            "spec": specs_of("symmetric"),
            "usage": list(usages_of(keyspecs.SYMMETRIC)),
        }

    def on_mount(self) -> None:
        self._offer("spec", self._offered["spec"])
        self.query_one("#key-type", Select).focus()

    # -- only what is valid can be chosen --------------------------------------------
    def _value(self, name: str) -> str:
        return str(self.query_one(f"#{name}", Select).value)

    def _offer(self, name: str, values: list[str] | tuple[str, ...]) -> None:
        """Offer ``values`` in the ``name`` select, the first one chosen; one valid
        value is shown, not offered (disabled: Tab passes it by). The usages follow
        the spec, and the algorithms line both."""
        select = self.query_one(f"#{name}", Select)
        if self._offered.get(name) != list(values):
            self._offered[name] = list(values)
            select.set_options([(value, value) for value in values])
            select.value = values[0]
        select.disabled = len(values) <= 1
        if name == "spec":
            self._offer("usage", usages_of(self._value("spec")))
        else:
            self._usage_changed()

    @on(Select.Changed, "#key-type")
    def _type_changed(self) -> None:
        self._offer("spec", specs_of(self._value("key-type")))

    @on(Select.Changed, "#spec")
    def _spec_changed(self) -> None:
        self._offer("usage", usages_of(self._value("spec")))

    @on(Select.Changed, "#usage")
    def _usage_changed(self) -> None:
        spec, usage = self._value("spec"), self._value("usage")
        if usage in usages_of(spec):  # not while the usages still follow a new spec
            self.query_one("#algorithms", Static).update(plain(algorithms_hint(spec, usage)))

    # -- creating ---------------------------------------------------------------------
    def new_key(self) -> NewKey:
        """The form as a NewKey; ValueError names the first bad field."""

        def text(name: str) -> str:
            return self.query_one(f"#{name}", Input).value

        new = read_form(text("description"), text("alias"), text("policy"), text("tags"))
        new.key_spec, new.key_usage = self._value("spec"), self._value("usage")
        new.origin = self._value("origin")
        new.multi_region = self._value("multi") == "multi"
        return new

    @on(Button.Pressed, "#create")
    @on(Input.Submitted)
    def create(self) -> None:
        problem = self.query_one("#problem", Static)
        try:
            new = self.new_key()
        except ValueError as exc:
            problem.update(markup("✕ $problem", problem=exc))
            return
        problem.update("")
        self.app.perform("CreateKey", lambda call: create_key(call, new), then=self._created)

    def _created(self, result: tuple[dict, Any]) -> None:
        meta, alias_error = result
        self.dismiss(meta)
        if alias_error is not None:  # the key exists; only its alias was refused
            self.app.show_error(alias_error, "CreateAlias")

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
