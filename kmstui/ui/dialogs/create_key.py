"""CreateKey's form: description, alias, key policy (the default or a file) and tags.

The dialog checks what it can before the engine sees anything (alias name shape,
readable policy file, tag syntax) and returns a :class:`NewKey`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import markup
from kmstui.ui.models import parse_tags

_ALIAS = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")


@dataclass
class NewKey:
    description: str = ""
    alias: str | None = None
    policy: str | None = None  # None: KMS's default key policy
    tags: list[dict] = field(default_factory=list)


def read_form(description: str, alias: str, policy_path: str, tags: str) -> NewKey:
    """The form's values as a NewKey; ValueError names the first bad field."""
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


class CreateKeyScreen(Dialog[NewKey]):
    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide"):
            yield Label("Create key (symmetric, ENCRYPT_DECRYPT)", classes="dialog-title")
            yield Label("Description")
            yield Input(id="description", placeholder="what this key protects")
            yield Label("Alias")
            yield Input(id="alias", placeholder="alias/my-key (optional)")
            yield Label("Key policy file")
            yield Input(id="policy", placeholder="empty: the default key policy")
            yield Label("Tags")
            yield Input(id="tags", placeholder="team=storage, env=demo")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Create", id="create", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#description", Input).focus()

    @on(Button.Pressed, "#create")
    @on(Input.Submitted)
    def create(self) -> None:
        def value(name: str) -> str:
            return self.query_one(f"#{name}", Input).value

        try:
            new = read_form(value("description"), value("alias"), value("policy"), value("tags"))
        except ValueError as exc:
            self.query_one("#problem", Static).update(markup("✕ $problem", problem=exc))
            return
        self.dismiss(new)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
