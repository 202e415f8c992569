"""The policy editor pane: a key policy (or an identity policy) edited with live
validation, a findings list, a live simulator, and a reviewed save.

Reading the stored policy, validation and simulation run in thread workers (validation
and simulation debounced after the last keystroke); each result carries the generation
of the text it was computed for, and a result for text that has since changed is
dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Static, TextArea
from textual.worker import get_current_worker

from kmstui.caller import Caller
from kmstui.errors import AwsError
from kmstui.policy import ERROR, IDENTITY_POLICY, KEY_POLICY, Finding, validate_policy
from kmstui.ui.actions import Action, bindings
from kmstui.ui.principals import known_arns

from .editor import PolicyTextArea
from .files import FilesMixin
from .findings_table import FindingsTable, summarize
from .navigation import FindingsNavigationMixin
from .saving import SavingMixin
from .simulate import Question, SimulatePanel, describe_decision

if TYPE_CHECKING:
    from kmstui.backends import Backend

DEBOUNCE_SECONDS = 0.2
NARROW_WIDTH = 100
BYPASS_WARNING = (
    "BypassPolicyLockoutSafetyCheck is on: KMS will accept a policy that locks you out "
    "of this key. Leave it off unless you mean to hand the key to someone else."
)


def _bypass_label(on: bool) -> str:
    return f"Bypass lockout check: {'ON' if on else 'off'}"


class ValidationDone(Message):
    def __init__(self, generation: int, findings: list[Finding]) -> None:
        self.generation = generation
        self.findings = findings
        super().__init__()


class StoredRead(Message):
    """GetKeyPolicy answered: the stored text, or why it could not be read."""

    def __init__(self, text: str | None, problem: str | None = None) -> None:
        self.text, self.problem = text, problem
        super().__init__()


class SimulationDone(Message):
    def __init__(self, generation: int, answer: Text) -> None:
        self.generation = generation
        self.answer = answer
        super().__init__()


def display_text(stored: str) -> tuple[str, bool]:
    """The text to edit for a stored policy: a one-line policy (as KMS often holds
    them) is laid out with two-space indents; anything else is kept as it is.
    Returns the text and whether it was laid out."""
    if "\n" in stored.strip():
        return stored, False
    try:
        document = json.loads(stored)
    except ValueError:
        return stored, False
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n", True


class PolicyEditorPane(FindingsNavigationMixin, SavingMixin, FilesMixin, Widget):
    """Edit a key policy (``key_id`` given) or an identity policy (``initial_text``
    and ``on_save`` given) with live validation."""

    DEFAULT_CSS = """
    PolicyEditorPane {
        height: 1fr;
        layout: vertical;
        & #policy-main { height: 1fr; }
        & #policy-left { width: 1fr; height: 1fr; }
        & #policy-editor { height: 1fr; min-height: 5; border: none; }
        & #policy-findings {
            height: 7;
            border-top: solid $panel-lighten-2;
            overflow-x: hidden;
        }
        & #policy-detail { height: auto; max-height: 2; color: $text-muted; padding: 0 1; }
        & #policy-simulate {
            width: 46;
            border-left: solid $panel-lighten-2;
        }
        & #policy-statusbar { height: 1; background: $panel; }
        & #policy-status { width: 1fr; padding: 0 1; }
        & #policy-bypass { width: auto; }
        &.-simulate-hidden #policy-simulate { display: none; }
        &.-narrow #policy-main { layout: vertical; }
        &.-narrow #policy-findings { height: 5; }
        &.-narrow #policy-simulate {
            width: 1fr;
            height: 12;
            border-left: none;
            border-top: solid $panel-lighten-2;
        }
        &.-narrow #policy-simulate .sim-field { layout: horizontal; height: 1; }
        &.-narrow #policy-simulate .sim-field Label { width: 12; }
        &.-narrow #policy-simulate .sim-field.-continued Label { display: block; }
        &.-narrow #policy-simulate #simulate-answer-scroll { margin-top: 0; }
        &.-narrow.-simulate-shown #policy-findings { display: none; }
        &.-narrow.-simulate-shown #policy-detail { display: none; }
    }
    """

    BINDINGS = bindings(
        Action(
            "policy.save",
            "save",
            "save",
            "Save",
            "Review the diff, then save as the acting principal (PutKeyPolicy for a key)",
        ),
        Action(
            "policy.diff", "diff", "diff", "Diff", "Show the edited policy against the stored one"
        ),
        Action(
            "policy.next_finding",
            "next-finding",
            "next_finding",
            "Next finding",
            "Move the cursor to the next finding and highlight it",
        ),
        Action(
            "policy.previous_finding",
            "previous-finding",
            "previous_finding",
            "Prev finding",
            "Move the cursor to the previous finding and highlight it",
            show=False,
        ),
        Action(
            "policy.simulate",
            "simulate",
            "toggle_simulate",
            "Simulate",
            "Show or hide the simulate panel",
        ),
        Action(
            "policy.load",
            "load",
            "load",
            "Load",
            "Replace the editor text with a policy read from a file",
        ),
        Action("policy.export", "export", "export", "Export", "Write the editor text to a file"),
        Action(
            "policy.copy",
            "copy",
            "copy",
            "Copy",
            "Copy the whole policy (in the editor: ctrl+a, then ctrl+c)",
            show=False,
        ),
        Action(
            "policy.format",
            "format",
            "format",
            "Format",
            "Lay the policy out with two-space indents",
            show=False,
        ),
    )

    class Saved(Message):
        """A policy was saved (PutKeyPolicy succeeded, or ``on_save`` returned)."""

        def __init__(self, key_id: str | None, text: str) -> None:
            self.key_id = key_id
            self.text = text
            super().__init__()

    def __init__(
        self,
        backend: Backend,
        key_id: str | None,
        acting_as: Callable[[], Caller],
        *,
        policy_type: str = KEY_POLICY,
        initial_text: str | None = None,
        on_save: Callable[[str], None] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.backend = backend
        self.key_id = key_id
        self.acting_as = acting_as
        self.policy_type = policy_type
        self._on_save = on_save
        self._initial_text = initial_text
        self._stored_text = ""
        self._baseline = ""
        self._laid_out = False
        self._load_problem: str | None = None
        self._bypass = False
        self._findings: list[Finding] = []
        self._generation = 0
        self._question_generation = 0
        self._validate_timer: Timer | None = None
        self._simulate_timer: Timer | None = None
        self._simulate_wanted: bool | None = None

    # -- composition ------------------------------------------------------------------
    @property
    def simulates(self) -> bool:
        """The simulator needs a key (its grants and the principal's access to it)."""
        return self.key_id is not None and self.policy_type == KEY_POLICY

    @property
    def reads_stored(self) -> bool:
        """A key's stored policy, read with GetKeyPolicy (not given as text)."""
        return self.key_id is not None and self._initial_text is None

    def compose(self) -> ComposeResult:
        if not self.reads_stored:
            self._stored_text = self._baseline = self._initial_text or ""
        with Horizontal(id="policy-main"):
            with Vertical(id="policy-left"):
                yield PolicyTextArea(self._baseline, id="policy-editor")
                yield FindingsTable(id="policy-findings")
                yield Static("", id="policy-detail")
            if self.simulates:
                yield SimulatePanel(
                    self._known_principals(), self._acting_principal(), id="policy-simulate"
                )
        with Horizontal(id="policy-statusbar"):
            yield Static("", id="policy-status")
            if self.policy_type == KEY_POLICY:
                yield Checkbox(
                    _bypass_label(False),
                    False,
                    id="policy-bypass",
                    compact=True,
                    tooltip=BYPASS_WARNING,
                )

    def on_mount(self) -> None:
        self.editor.focus()
        self._update_status()
        if self.reads_stored:
            self._read_stored()  # then validates, simulates and offers a recovery
            return
        self._start_validation()
        self._start_simulation()
        self.call_after_refresh(self.offer_recovery)

    @property
    def editor(self) -> PolicyTextArea:
        return self.query_one("#policy-editor", PolicyTextArea)

    @property
    def findings_table(self) -> FindingsTable:
        return self.query_one("#policy-findings", FindingsTable)

    @property
    def text(self) -> str:
        return self.editor.text

    @property
    def findings(self) -> list[Finding]:
        """The findings for the text as it was when last validated."""
        return list(self._findings)

    @property
    def modified(self) -> bool:
        return self.editor.text != self._baseline

    @work(thread=True, exclusive=True, group="policy-read", exit_on_error=False)
    def _read_stored(self) -> None:
        try:
            response = self.backend.call(
                "GetKeyPolicy",
                {"KeyId": self.key_id, "PolicyName": "default"},
                caller=self.acting_as(),
            )
        except AwsError as exc:
            self.post_message(StoredRead(None, f"GetKeyPolicy failed: {exc.code}: {exc.message}"))
            return
        self.post_message(StoredRead(response["Policy"]))

    @on(StoredRead)
    def _stored_read(self, message: StoredRead) -> None:
        message.stop()
        self._load_problem = message.problem
        if message.text is not None:
            self._stored_text = message.text
            self._baseline, self._laid_out = display_text(self._stored_text)
            # The stored text is no edit: what was computed for the text before is not
            # for this one, and nothing waits for a debounce.
            self._generation += 1
            self._question_generation += 1
            with self.editor.prevent(TextArea.Changed):
                self.editor.load_stored(self._baseline)
        self._update_status()
        self._start_validation()
        self._start_simulation()
        self.call_after_refresh(self.offer_recovery)

    def reload(self) -> None:
        """Read the stored policy again, dropping unsaved edits."""
        self._read_stored()

    def _acting_principal(self) -> str:
        try:
            return self.acting_as().principal
        except Exception:  # the shell's callback should not break the editor
            return self.backend.root_caller().principal

    def _known_principals(self) -> list[str]:
        return known_arns(self.backend, self._acting_principal())

    # -- responsive layout ------------------------------------------------------------
    def on_resize(self) -> None:
        self._apply_layout()

    def _apply_layout(self) -> None:
        narrow = self.size.width < NARROW_WIDTH
        self.set_class(narrow, "-narrow")
        shown = self._simulate_wanted if self._simulate_wanted is not None else not narrow
        self.set_class(not shown, "-simulate-hidden")
        self.set_class(shown, "-simulate-shown")

    def action_toggle_simulate(self) -> None:
        if not self.simulates:
            self.notify("The simulator works on a key's policy.", severity="warning")
            return
        self._simulate_wanted = self.has_class("-simulate-hidden")
        self._apply_layout()

    # -- validation -------------------------------------------------------------------
    @on(TextArea.Changed, "#policy-editor")
    def _text_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.editor.shown_span = None  # the highlighted finding's place has moved
        self._generation += 1
        self._question_generation += 1
        self._update_status()
        if self._validate_timer is not None:
            self._validate_timer.stop()
        self._validate_timer = self.set_timer(DEBOUNCE_SECONDS, self._start_validation)
        self._schedule_simulation()

    def revalidate(self) -> None:
        """Validate again now (after the acting-as principal changed, say)."""
        self._start_validation()
        self._start_simulation()

    def _start_validation(self) -> None:
        self._validate_timer = None
        caller = None
        if self.policy_type == KEY_POLICY:
            try:
                caller = self.acting_as()
            except Exception:
                caller = self.backend.root_caller()
        self._validate(self._generation, self.editor.text, caller, self._bypass)

    @work(thread=True, exclusive=True, group="validate", exit_on_error=False)
    def _validate(self, generation: int, text: str, caller: Caller | None, bypass: bool) -> None:
        if caller is not None and self.policy_type == KEY_POLICY:
            findings = self.backend.validate_key_policy(text, caller, bypass=bypass)
        else:
            findings = validate_policy(text, policy_type=self.policy_type or IDENTITY_POLICY)
        if not get_current_worker().is_cancelled:
            self.post_message(ValidationDone(generation, list(findings)))

    @on(ValidationDone)
    def _validation_done(self, message: ValidationDone) -> None:
        message.stop()
        if message.generation != self._generation:
            return  # computed for text that has changed since
        self._findings = message.findings
        self.editor.show_findings(self._findings)
        self.findings_table.show(self._findings)
        self._show_detail_for_cursor()
        self._update_status()

    # -- findings navigation (navigation.py) -----------------------------------------
    @on(FindingsTable.Chosen)
    def _finding_chosen(self, message: FindingsTable.Chosen) -> None:
        self.finding_chosen(message)

    @on(DataTable.RowHighlighted, "#policy-findings")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.finding_highlighted(event)

    @on(TextArea.SelectionChanged, "#policy-editor")
    def _cursor_moved(self, event: TextArea.SelectionChanged) -> None:
        self.cursor_moved(event)

    # -- status -----------------------------------------------------------------------
    def _update_status(self) -> None:
        status = Text()
        if self._load_problem:
            status.append(self._load_problem, style="bold #ff5f5f")
        else:
            errors = sum(1 for f in self._findings if f.severity == ERROR)
            status.append(
                summarize(self._findings),
                style="bold #ff5f5f" if errors else ("" if self._findings else "#87d787"),
            )
            if self.modified:
                status.append(" · modified")
        if self._bypass:
            status.append(" · BYPASS LOCKOUT CHECK ON", style="bold #ffd75f")
        self.query_one("#policy-status", Static).update(status)

    @on(Checkbox.Changed, "#policy-bypass")
    def _bypass_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._bypass = event.value
        event.checkbox.label = _bypass_label(self._bypass)
        if self._bypass:
            self.notify(BYPASS_WARNING, title="Lockout safety check", severity="warning")
        self._update_status()
        self._start_validation()

    # -- simulation -------------------------------------------------------------------
    @on(SimulatePanel.Changed)
    def _question_changed(self, message: SimulatePanel.Changed) -> None:
        message.stop()
        self._question_generation += 1
        self._schedule_simulation()

    def _schedule_simulation(self) -> None:
        if not self.simulates:
            return
        if self._simulate_timer is not None:
            self._simulate_timer.stop()
        self._simulate_timer = self.set_timer(DEBOUNCE_SECONDS, self._start_simulation)

    def _start_simulation(self) -> None:
        self._simulate_timer = None
        if not self.simulates:
            return
        panel = self.query_one(SimulatePanel)
        question = panel.question()
        if question is None:
            panel.show_answer("")
            return
        if self.key_id is not None:  # a key's policy: ``simulates`` says so
            self._simulate(self._question_generation, self.key_id, self.editor.text, question)

    @work(thread=True, exclusive=True, group="simulate", exit_on_error=False)
    def _simulate(self, generation: int, key_id: str, text: str, question: Question) -> None:
        try:
            decision = self.backend.simulate(
                policy_text=text,
                principal=question.principal,
                action=question.action,
                key_id=key_id,
                encryption_context=question.encryption_context or None,
                via_service=question.via_service,
            )
            answer = describe_decision(decision)
        except AwsError as exc:
            answer = Text(f"{exc.code}: {exc.message}")
        except Exception as exc:  # a half-typed policy must not break the panel
            answer = Text(f"Cannot simulate this text: {exc}")
        if not get_current_worker().is_cancelled:
            self.post_message(SimulationDone(generation, answer))

    @on(SimulationDone)
    def _simulation_done(self, message: SimulationDone) -> None:
        message.stop()
        if message.generation != self._question_generation:
            return
        self.query_one(SimulatePanel).show_answer(message.answer)
