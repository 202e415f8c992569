"""The console's side of the backend seam: the one place every request goes through
(:meth:`RequestsMixin.call`, ``submit`` and ``perform``, always on a worker thread),
and :func:`backend_of`, how screens and widgets reach the backend (typed, so mypy
checks what they ask of it).

Screens never know which backend they have (the embedded engine today): they ask
:func:`backend_of` and read its capabilities, each with the reason it is missing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work

from kmstui.backends import Unavailable, WriteRefused, WriteRequest
from kmstui.caller import Caller
from kmstui.errors import AwsError
from kmstui.ui.host import AppHost
from kmstui.ui.messages import DataChanged, EngineReply

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from kmstui.backends import Backend


def backend_of(node: DOMNode) -> Backend:
    """The backend of the console ``node`` is mounted in. LookupError before it is
    open: a screen that can show before then asks :func:`backend_if_open`."""
    backend = backend_if_open(node)
    if backend is None:
        raise LookupError("the console's data directory is not open yet")
    return backend


def backend_if_open(node: DOMNode) -> Backend | None:
    """The backend of the console ``node`` is mounted in; None until it is open (or in
    an app that has none)."""
    return getattr(node.app, "backend", None)


class Answer:
    """The user's answer to one confirmation, waited for on a worker thread."""

    def __init__(self) -> None:
        self.given = threading.Event()
        self.send = False

    def give(self, send: bool) -> None:
        if not self.given.is_set():
            self.send = send
            self.given.set()


class RequestsMixin(AppHost):
    """Requests as the acting-as principal, on workers, for
    :class:`kmstui.ui.app.KmsConsole`; errors come back as a dialog."""

    def call(self, operation: str, params: dict | None = None) -> dict:
        """Every request the console makes, as the acting-as principal, marked with the
        console's user agent (its events say the console made them). Blocks: call it
        from a worker (``submit`` and ``perform`` do)."""
        return self.open_backend().call(operation, params or {}, caller=self.console_caller())

    def open_backend(self) -> Backend:
        """The backend; LookupError before it is open (until then the console offers
        nothing that needs it)."""
        if self.backend is None:
            raise LookupError("the console's data directory is not open yet")
        return self.backend

    def console_caller(self) -> Caller:
        """The acting-as principal with the console's user agent: the caller every
        console request is made as (the panes that call the backend themselves too)."""
        from dataclasses import replace

        from kmstui.ui.own_calls import CONSOLE_USER_AGENT

        return replace(self.acting_as, user_agent=CONSOLE_USER_AGENT)

    def perform(
        self,
        label: str,
        job: Callable[[Callable[[str, dict], dict]], Any],
        *,
        then: Callable[[Any], None] | None = None,
        success: str | None = None,
    ) -> None:
        """Run ``job(call)`` on a worker thread; errors come back as a dialog."""
        self._perform(label, job, then, success)

    def submit(
        self,
        operation: str,
        params: dict,
        *,
        then: Callable[[Any], None] | None = None,
        success: str | None = None,
    ) -> None:
        self._perform(operation, lambda call: call(operation, params), then, success)

    @work(thread=True, exit_on_error=False, group="engine")
    def _perform(self, label: str, job, then, success) -> None:
        try:
            result = job(self.call)
        except AwsError as exc:
            self.post_message(EngineReply(label, error=exc))
            return
        except ValueError as exc:  # a value the engine could not take, said plainly
            self.post_message(
                EngineReply(label, error=AwsError(str(exc), code="ValidationException"))
            )
            return
        except Unavailable as exc:  # what the backend cannot do, with its reason
            self.post_message(EngineReply(label, error=AwsError(str(exc), code="Unavailable")))
            return
        self.post_message(EngineReply(label, result=result, then=then, success=success))

    def on_engine_reply(self, reply: EngineReply) -> None:
        self.clock_text = self._engine_date()
        if reply.error is not None:
            if isinstance(reply.error, WriteRefused) and reply.error.declined:
                self.notify(reply.error.message, markup=False)  # the user said no: no dialog
            else:
                self.show_error(reply.error, reply.label)
            self.screen.post_message(DataChanged())
            return
        if reply.success:
            self.notify(reply.success, markup=False)
        if reply.then is not None:
            reply.then(reply.result)
        self.screen.post_message(DataChanged())

    # -- asking before a write --------------------------------------------------------
    def confirm_call(self, request: WriteRequest) -> bool:
        """The backend's ``Confirm``: asks the user, on a worker thread, whether to send
        ``request`` (the dialog shows on the UI loop; this waits for the answer). Never
        asks from the UI loop itself (it would wait on itself): that is a no."""
        if not self.is_running or threading.get_ident() == self._thread_id:
            return False
        answer = Answer()
        try:
            self.call_from_thread(self._ask_to_send, request, answer)
        except RuntimeError:  # the console closed meanwhile
            return False
        while not answer.given.wait(0.5):
            if not self.is_running:
                return False
        return answer.send

    def _ask_to_send(self, request: WriteRequest, answer: Answer) -> None:
        from kmstui.ui.dialogs.confirm_call import ConfirmCallScreen

        self.unanswered.add(answer)

        def answered(send: bool | None) -> None:
            self.unanswered.discard(answer)
            answer.give(bool(send))

        self.push_screen(ConfirmCallScreen(request, self._where()), answered)

    def _where(self) -> str:
        """Where a request goes and as whom, for the confirmation."""
        from kmstui.ui.format import short_arn

        backend = self.backend
        region = self.acting_as.region
        place = backend.location.label(region) if backend is not None else region
        return f"To {place}, as {short_arn(self.acting_as.principal)}"

    def answer_unanswered(self) -> None:
        """The console closes: every confirmation still open is a no."""
        for answer in list(self.unanswered):
            answer.give(False)
        self.unanswered.clear()

    def show_error(self, error: AwsError, operation: str = "") -> None:
        from kmstui.ui.dialogs.error import ErrorScreen

        self.push_screen(ErrorScreen(error.code, error.message, operation))

    def refresh_clock(self) -> None:
        """Show the engine time again (a reactive: unchanged text redraws nothing)."""
        if self.backend is not None:
            self.clock_text = self._engine_date()

    def _engine_date(self) -> str:
        from kmstui.ui.format import date

        clock = self.backend.clock if self.backend is not None else None
        return date(clock.now()) if clock is not None else ""
