"""The key detail's Try it tab: the key's own operations, made as the acting-as
principal on the console's worker, with each refusal's AWS error shown in place.

Plaintexts and shared secrets that come back are masked until revealed; the newest
output is copied as base64."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from kmstui.ui.actions import Action, bindings
from kmstui.ui.format import plain
from kmstui.ui.host import InConsole
from kmstui.ui.tryit.forms import (
    BASE64,
    TEXT,
    Form,
    InputProblem,
    Outcome,
    Request,
    b64,
    decode,
    encryption_context,
    form_for,
    masked,
    message_types_for,
    public_key_der,
    run,
    shown_secret,
)

ENCODINGS = [("Text (UTF-8)", TEXT), ("Base64", BASE64)]


def _row(label: str, *widgets: Widget) -> Horizontal:
    return Horizontal(Label(label, classes="tryit-label"), *widgets, classes="tryit-row")


class TryItPane(InConsole, VerticalScroll):
    """One key's Try it form; :meth:`show_key` builds it from DescribeKey's answer."""

    DEFAULT_CSS = """
    TryItPane { padding: 0 1; }
    TryItPane .tryit-row { height: auto; margin-bottom: 1; }
    TryItPane .tryit-row .tryit-label { width: 16; }
    TryItPane .tryit-row Input { width: 1fr; }
    TryItPane .tryit-row Select { width: 36; }
    TryItPane .tryit-row Button { margin-left: 1; }
    TryItPane #result, TryItPane #secret { width: 1fr; }
    TryItPane TextArea { height: 4; margin-bottom: 1; }
    """

    BINDINGS = bindings(
        Action(
            "tryit.copy",
            "copy",
            "copy_output",
            "Copy output",
            "Copy the newest output as base64 (a hidden secret once V shows it)",
        ),
        Action(
            "tryit.reveal",
            "reveal",
            "reveal",
            "Reveal",
            "Show or hide the plaintext or shared secret that came back",
        ),
    )

    def __init__(self, key_id: str, **kwargs):
        super().__init__(can_focus=False, **kwargs)
        self.key_id = key_id
        self.form: Form | None = None
        self.secret: bytes | None = None  # the newest plaintext or shared secret
        self.secret_label = "Secret"
        self.revealed = False
        # the newest output: what it is, its bytes, and whether it is the secret
        self.output: tuple[str, bytes, bool] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Reading the key…", id="tryit-about", classes="note")

    # -- building ---------------------------------------------------------------------
    def show_key(self, metadata: dict) -> None:
        """Build the form for this key, once (a key's usage and spec never change)."""
        if self.form is not None:
            return
        form = form_for(metadata)
        about = self.query_one("#tryit-about", Static)
        if form is None or not form.algorithms:
            about.update(plain(f"Nothing to try for KeyUsage {metadata.get('KeyUsage')}."))
            return
        self.form = form
        self.key_id = metadata.get("KeyId", self.key_id)
        about.update(plain(f"{form.title}, as the acting-as principal (A changes who)."))
        self.mount_all(self._widgets(form))

    def _widgets(self, form: Form) -> list[Widget]:
        choices = [(name, name) for name in form.algorithms]
        rows: list[Widget] = [
            _row(
                "Algorithm",
                Select(
                    choices,
                    value=form.algorithms[0],
                    allow_blank=False,
                    compact=True,
                    id="algorithm",
                ),
            )
        ]
        if form.message_types:
            types = [(name, name) for name in message_types_for(form, form.algorithms[0])]
            rows.append(
                _row(
                    "Message type",
                    Select(types, value="RAW", allow_blank=False, compact=True, id="message-type"),
                )
            )
        if form.context:
            rows.append(
                _row(
                    "Context",
                    Input(placeholder="key=value, key2=value2", compact=True, id="context"),
                )
            )
        make = Button(form.make, id="make", compact=True)
        if form.usage == "KEY_AGREEMENT":
            rows.append(_row("Peer public key"))
            rows.append(
                TextArea(
                    id="input",
                    compact=True,
                    soft_wrap=True,
                    placeholder="Paste the peer's public key: PEM, or base64 of its DER",
                )
            )
            rows.append(_row("", make))
        elif form.input_label is not None:
            rows.append(
                _row(
                    "Input as",
                    Select(ENCODINGS, value=TEXT, allow_blank=False, compact=True, id="encoding"),
                )
            )
            rows.append(_row(form.input_label, Input(compact=True, id="input"), make))
        else:
            rows.append(_row("", make))
        if form.field_label is not None and form.check is not None:
            field = Input(placeholder="base64", compact=True, id="field")
            rows.append(
                _row(f"{form.field_label}", field, Button(form.check, id="check", compact=True))
            )
        rows.append(_row("Result", Static("", id="result")))
        rows.append(
            Horizontal(
                Label("", id="secret-label", classes="tryit-label"),
                Static("", id="secret"),
                classes="tryit-row",
            )
        )
        return rows

    # -- running ----------------------------------------------------------------------
    @on(Button.Pressed, "#make")
    def _make(self, event: Button.Pressed) -> None:
        event.stop()
        if self.form is not None:
            self._try(self.form.make)

    @on(Button.Pressed, "#check")
    def _check(self, event: Button.Pressed) -> None:
        event.stop()
        if self.form is not None and self.form.check is not None:
            self._try(self.form.check)

    @on(Input.Submitted, "#input")
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.form is not None:
            self._try(self.form.make)

    @on(Select.Changed, "#algorithm")
    def _algorithm_changed(self, event: Select.Changed) -> None:
        """Offer only the message types the chosen algorithm takes."""
        form = self.form
        if form is None or not form.message_types:
            return
        kinds = self.query_one("#message-type", Select)
        kinds.set_options([(name, name) for name in message_types_for(form, str(event.value))])
        kinds.value = "RAW"

    @on(Input.Submitted, "#field")
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.form is not None and self.form.check is not None:
            self._try(self.form.check)

    def _value(self, selector: str) -> str:
        widget = self.query_one(selector)
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            return str(widget.value)
        assert isinstance(widget, Input)
        return widget.value

    def request(self, operation: str) -> Request:
        """What the form holds, as the operation takes it; InputProblem when a value
        cannot be sent."""
        form = self.form
        assert form is not None
        data, field, context = b"", b"", None
        if form.usage == "KEY_AGREEMENT":
            data = public_key_der(self._value("#input"))
        elif form.input_label is not None:
            data = decode(self._value("#input"), self._value("#encoding"), form.input_label)
        if operation == form.check and form.field_label is not None:
            field = decode(self._value("#field"), BASE64, form.field_label)
            if not field:
                raise InputProblem(f"{form.field_label} is empty: {form.make} first, or paste one.")
        if form.context:
            context = encryption_context(self._value("#context"))
        return Request(
            key_id=self.key_id,
            algorithm=self._value("#algorithm"),
            data=data,
            field=field,
            message_type=self._value("#message-type") if form.message_types else None,
            context=context,
        )

    def _try(self, operation: str) -> None:
        form = self.form
        assert form is not None
        try:
            request = self.request(operation)
        except InputProblem as exc:
            self._say(f"✕ {exc}")
            return
        self._say(f"{operation}…")
        self.app.perform(
            operation, lambda call: run(call, form, operation, request), then=self._answered
        )

    def _say(self, text: str) -> None:
        self.query_one("#result", Static).update(plain(text))

    def _answered(self, outcome: Outcome) -> None:
        if not self.is_mounted:
            return
        self._say(outcome.summary)
        if outcome.field is not None and self.form is not None:
            self.query_one("#field", Input).value = b64(outcome.field)
            self.output = (self.form.field_label or "Output", outcome.field, False)
        if outcome.secret is not None:
            self.secret, self.revealed = outcome.secret, False
            self.secret_label = "Plaintext" if outcome.operation == "Decrypt" else "Shared secret"
            self.output = (self.secret_label, outcome.secret, True)
            self._show_secret()

    def _show_secret(self) -> None:
        if self.secret is None:
            return
        self.query_one("#secret-label", Label).update(self.secret_label)
        shown = shown_secret(self.secret) if self.revealed else masked(self.secret) + " (V shows)"
        self.query_one("#secret", Static).update(plain(shown))

    # -- actions ----------------------------------------------------------------------
    def action_reveal(self) -> None:
        if self.secret is None:
            self.notify("No plaintext or shared secret has come back yet.", markup=False)
            return
        self.revealed = not self.revealed
        self._show_secret()

    def action_copy_output(self) -> None:
        if self.output is None:
            self.notify("Nothing to copy yet.", markup=False)
            return
        what, value, secret = self.output
        if secret and not self.revealed:
            self.notify(
                f"The {what.lower()} is hidden: V shows it, then y copies it.", markup=False
            )
            return
        self.app.copy_to_clipboard(b64(value))
        self.notify(f"{what} copied (base64)", markup=False)
