"""What the policy editor's mixins (saving, files, finding navigation) use of the
pane they are mixed into, declared for the type checker; at run time the mixins'
base is ``object`` and the pane (:class:`~kmstui.ui.policy.pane.PolicyEditorPane`)
supplies all of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.message import Message
    from textual.widget import Widget

    from kmstui.backends import Backend
    from kmstui.caller import Caller
    from kmstui.policy import Finding
    from kmstui.ui.host import InConsole

    from .editor import PolicyTextArea
    from .findings_table import FindingsTable

    class PaneHost(InConsole, Widget):
        backend: Backend
        key_id: str | None
        acting_as: Callable[[], Caller]
        _on_save: Callable[[str], None] | None
        _stored_text: str
        _baseline: str
        _laid_out: bool
        _bypass: bool
        _findings: list[Finding]

        class Saved(Message):
            def __init__(self, key_id: str | None, text: str) -> None: ...

        @property
        def editor(self) -> PolicyTextArea: ...

        @property
        def findings_table(self) -> FindingsTable: ...

        @property
        def modified(self) -> bool: ...

        def _update_status(self) -> None: ...

else:
    PaneHost = object
