"""The simulate panel: who, doing what, with which encryption context and service,
and the answer for the policy text being edited (effect, what decided, and why
the other statements and grants did not apply)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select, Static

from kmstui.policy import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, KMS_ACTIONS

_EFFECT_STYLES = {
    ALLOW: "bold #87d787",
    EXPLICIT_DENY: "bold #ff5f5f",
    IMPLICIT_DENY: "bold #ffd75f",
}
ACTION_NAMES = sorted(name.removeprefix("kms:") for name in KMS_ACTIONS)


class ContextSyntaxError(ValueError):
    pass


def parse_encryption_context(text: str) -> dict[str, str]:
    """``"k=v,k2=v2"`` -> ``{"k": "v", "k2": "v2"}``; blank -> ``{}``. The value is
    everything after the first ``=``, so ARNs with ``=`` in them survive."""
    context: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ContextSyntaxError(f"{item!r} is not key=value")
        context[key.strip()] = value.strip()
    return context


@dataclass(frozen=True)
class Question:
    """What the simulate panel asks: everything but the policy text."""

    principal: str
    action: str
    encryption_context: dict
    via_service: str | None

    def key(self) -> tuple:
        return (
            self.principal,
            self.action,
            tuple(sorted(self.encryption_context.items())),
            self.via_service,
        )


def entry_label(entry: dict) -> str:
    """``key policy statement "Sid"``, ``identity policy P statement #2``, ``grant 1a2b3c4d``."""
    if entry.get("source") == "grant":
        return f"grant {str(entry.get('grant_id') or '?')[:8]}"
    statement = entry.get("statement")
    label = f'"{statement}"' if isinstance(statement, str) else f"#{statement}"
    if entry.get("source") == "identity-policy":
        policy = entry.get("policy")
        where = f"identity policy {policy}" if isinstance(policy, str) else "identity policy"
        return f"{where} statement {label}"
    return f"key policy statement {label}"


def describe_decision(decision) -> Text:
    """The decision as words: the effect, what decided it, why the rest missed, and
    (on a remote account) what the simulator could not see."""
    text = Text()
    text.append(decision.effect, style=_EFFECT_STYLES.get(decision.effect, "bold"))
    decisive = list(getattr(decision, "decisive", []) or [])
    if decisive:
        text.append("\nDecided by:", style="bold")
        for entry in decisive:
            text.append(f"\n  {entry_label(entry)}")
    if decision.reason:
        text.append(f"\nWhy: {decision.reason}")
    if getattr(decision, "note", None):
        text.append(f"\nNote: {decision.note}")
    others = [e for e in decision.matched if e not in decisive]
    if others:
        text.append("\nAlso matched:", style="bold")
        for entry in others:
            how = entry.get("effect", "?")
            if entry.get("delegation"):
                how += ", delegates to IAM policies"
            text.append(f"\n  {entry_label(entry)} ({how})")
    if decision.not_matched:
        text.append("\nDid not match:", style="bold")
        for entry in decision.not_matched:
            text.append(f"\n  {entry_label(entry)}: ", style="")
            text.append(str(entry.get("reason") or "did not apply"), style="italic")
    unseen = list(getattr(decision, "unseen", None) or [])
    if unseen:  # a remote account's: what the decision could not take into account
        text.append("\nCannot see (not part of this answer):", style="bold")
        for what in unseen:
            text.append(f"\n  {what}", style="#ffd75f")
    return text


class SimulatePanel(Vertical):
    """Inputs for a request and the live answer. Posts :class:`SimulatePanel.Changed`
    when the question changes; the pane answers with :meth:`show_answer`."""

    DEFAULT_CSS = """
    SimulatePanel {
        height: 1fr;
        padding: 0 1;
        & .sim-field { layout: vertical; height: auto; }
        & .sim-field.-continued Label { display: none; }
        & Label { color: $text-muted; }
        & #simulate-answer-scroll { height: 1fr; margin-top: 1; }
        & #simulate-problem { color: $warning; height: auto; }
    }

    """

    class Changed(Message):
        pass

    def __init__(self, principals: Sequence[str], default_principal: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._principals = list(dict.fromkeys(principals))
        self._default_principal = default_principal
        self._answer = Text()

    def compose(self) -> ComposeResult:
        # Each field is a label over its input; a narrow pane puts them side by side.
        with Horizontal(classes="sim-field"):
            yield Label("Principal")
            yield Select(
                [(Text(p), p) for p in self._principals],
                prompt="Known principals",
                id="simulate-known",
                compact=True,
            )
        with Horizontal(classes="sim-field -continued"):
            yield Label("")
            yield Input(
                self._default_principal,
                id="simulate-principal",
                compact=True,
                placeholder="principal ARN or service",
                suggester=SuggestFromList(self._principals, case_sensitive=False),
            )
        with Horizontal(classes="sim-field"):
            yield Label("Action")
            yield Input(
                "Decrypt",
                id="simulate-action",
                compact=True,
                placeholder="Decrypt",
                suggester=SuggestFromList(ACTION_NAMES, case_sensitive=False),
            )
        with Horizontal(classes="sim-field"):
            yield Label("Context")
            yield Input(
                id="simulate-context", compact=True, placeholder="encryption context: k=v,k2=v2"
            )
        with Horizontal(classes="sim-field"):
            yield Label("Via service")
            yield Input(
                id="simulate-via", compact=True, placeholder="optional: ec2.us-east-1.amazonaws.com"
            )
        yield Static("", id="simulate-problem")
        with VerticalScroll(id="simulate-answer-scroll"):
            yield Static("", id="simulate-answer")

    def question(self) -> Question | None:
        """The current question, or None (with the reason shown) when it is incomplete."""
        principal = self.query_one("#simulate-principal", Input).value.strip()
        action = self.query_one("#simulate-action", Input).value.strip()
        via = self.query_one("#simulate-via", Input).value.strip() or None
        problem = self.query_one("#simulate-problem", Static)
        if not principal or not action:
            problem.update(Text("Enter a principal and an action."))
            return None
        try:
            context = parse_encryption_context(self.query_one("#simulate-context", Input).value)
        except ContextSyntaxError as exc:
            problem.update(Text(f"Encryption context: {exc}"))
            return None
        problem.update("")
        return Question(principal, action, context, via)

    def set_principal(self, principal: str) -> None:
        self.query_one("#simulate-principal", Input).value = principal

    def set_action(self, action: str) -> None:
        self.query_one("#simulate-action", Input).value = action

    def show_answer(self, answer: Text | str) -> None:
        self._answer = answer if isinstance(answer, Text) else Text(answer)
        self.query_one("#simulate-answer", Static).update(self._answer)

    @property
    def answer_text(self) -> str:
        """The answer as plain text (for tests and screen readers)."""
        return self._answer.plain

    @on(Select.Changed, "#simulate-known")
    def _known_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.set_principal(event.value)

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed())
