"""The console's app as its screens, widgets and palette see it.

Textual types ``self.app`` as any :class:`~textual.app.App`; the console's parts call
what only :class:`~kmstui.ui.app.KmsConsole` has (``call``, ``submit``, ``perform``,
``acting_as`` ...). Mixing :class:`InConsole` in first says so to the type checker;
the app's own mixins (requests, serving, app-wide actions) derive from :class:`AppHost`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual import getters
    from textual.app import App
    from textual.message_pump import MessagePump

    from kmstui.backends import Backend
    from kmstui.caller import Caller
    from kmstui.ui.app import KmsConsole
    from kmstui.ui.seam import Answer

    _Node = MessagePump
else:
    _Node = object


class InConsole(_Node):
    """A part of the console: ``self.app`` is the console's app. At run time this adds
    nothing (not even a check: a test may mount a part in an app of its own)."""

    if TYPE_CHECKING:
        app = getters.app(KmsConsole)


if TYPE_CHECKING:

    class AppHost(App[Any]):
        """What the console app's mixins (requests, serving, app-wide actions) use of
        one another and of :class:`~kmstui.ui.app.KmsConsole`, declared for the type
        checker; at run time their base is ``object``."""

        backend: Backend | None
        acting_as: Caller
        clock_text: str
        serve_url: str
        unanswered: set[Answer]  # confirmations on screen

        def open_backend(self) -> Backend: ...

        def perform(
            self,
            label: str,
            job: Callable[[Callable[[str, dict], dict]], Any],
            *,
            then: Callable[[Any], None] | None = None,
            success: str | None = None,
        ) -> None: ...

else:
    AppHost = object
