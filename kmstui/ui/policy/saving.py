"""Saving the policy editor's text: the diff review, the save (on a worker), discarding,
and the recovery file for edits the terminal closed on."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import work
from textual.message import Message

from kmstui.backends import WriteRefused
from kmstui.errors import AwsError
from kmstui.policy import ERROR

from . import recovery
from .dialogs import DiffDialog, MessageDialog
from .diff import diff_stats, render_diff, unified_diff
from .host import PaneHost


class SaveDone(Message):
    """The save answered: ``problem`` is (title, text) when it did not go through,
    ``declined`` what to say when the user chose not to send it."""

    def __init__(
        self,
        text: str,
        then: Callable[[], None] | None,
        problem: tuple[str, str] | None,
        declined: str | None = None,
    ) -> None:
        self.text, self.then, self.problem, self.declined = text, then, problem, declined
        super().__init__()


class SavingMixin(PaneHost):
    """Diff, save, discard and recovery for :class:`PolicyEditorPane`."""

    def _diff_lines(self, text: str) -> list[str]:
        base = self._baseline if self._laid_out else self._stored_text
        name = f"stored ({self.key_id})" if self.key_id else "stored"
        return unified_diff(base, text, stored_name=name, edited_name="edited")

    def _diff_notes(self, lines: list[str]) -> list[str]:
        added, removed = diff_stats(lines)
        notes = [f"{added} line(s) added, {removed} line(s) removed."]
        if self._laid_out:
            notes.append("The stored policy is one line; it is compared in the editor's layout.")
        return notes

    def action_diff(self) -> None:
        lines = self._diff_lines(self.editor.text)
        if not lines:
            self.notify("The policy is unchanged.")
            return
        self.app.push_screen(
            DiffDialog(
                "Changes to the policy",
                render_diff(lines),
                notes=self._diff_notes(lines),
                save_label=None,
            )
        )

    def action_save(self) -> None:
        self.save()

    def save(self, then: Callable[[], None] | None = None) -> None:
        """Review the diff, then save; ``then`` runs once the policy is saved (not when
        the review is cancelled or the save rejected)."""
        if self.key_id is None and self._on_save is None:
            self.notify("Nothing to save this policy to.", severity="warning")
            return
        text = self.editor.text
        lines = self._diff_lines(text)
        if not lines:
            self.notify("The policy is unchanged; nothing to save.")
            return
        errors = sum(1 for f in self._findings if f.severity == ERROR)
        warning = ""
        if errors:
            warning = (
                f"The validator reports {errors} error{'s' if errors != 1 else ''}; "
                "KMS is likely to reject this policy."
            )
        notes = self._diff_notes(lines)
        if self._bypass:
            notes.append("BypassPolicyLockoutSafetyCheck: on.")
        title = f"Save the key policy of {self.key_id}?" if self.key_id else "Save the policy?"

        def confirmed(save: bool | None) -> None:
            if save:
                self._put(text, then)

        self.app.push_screen(
            DiffDialog(title, render_diff(lines), notes=notes, warning=warning), confirmed
        )

    @work(thread=True, exclusive=True, group="policy-save", exit_on_error=False)
    def _put(self, text: str, then: Callable[[], None] | None) -> None:
        """PutKeyPolicy (or the ``on_save`` callback) on a worker; ``then`` runs once
        it went through."""
        operation = "PutKeyPolicy" if self._on_save is None else "Save"
        problem: tuple[str, str] | None
        declined = None
        try:
            if self._on_save is not None:
                self._on_save(text)
            else:
                self.backend.call(
                    "PutKeyPolicy",
                    {
                        "KeyId": self.key_id,
                        "PolicyName": "default",
                        "Policy": text,
                        "BypassPolicyLockoutSafetyCheck": self._bypass,
                    },
                    caller=self.acting_as(),
                )
        except WriteRefused as exc:
            problem = None if exc.declined else (f"{operation} was not sent", exc.message)
            declined = exc.message if exc.declined else None
        except AwsError as exc:
            problem = (f"{operation} was rejected", f"{exc.code}: {exc.message}")
        except Exception as exc:
            problem = (f"{operation} failed", f"{type(exc).__name__}: {exc}")
        else:
            problem = None
        self.post_message(SaveDone(text, then, problem, declined))

    def on_save_done(self, message: SaveDone) -> None:  # by name: @on needs a widget class
        message.stop()
        if message.declined is not None:  # the edits stay, unsaved
            self.notify(f"{message.declined} The edits are kept, not saved.", markup=False)
            return
        if message.problem is not None:
            title, text = message.problem
            self.app.push_screen(MessageDialog(title, text, severity="error"))
            return
        text = message.text
        self._stored_text = text
        self._baseline = text
        self._laid_out = False
        self._update_status()
        self.notify("Key policy saved." if self._on_save is None else "Policy saved.")
        self._forget_recovery()
        self.post_message(self.Saved(self.key_id, text))
        if message.then is not None:
            message.then()

    def discard(self) -> None:
        """Drop the unsaved edits: the editor shows the stored policy again."""
        self.editor.load_text(self._baseline)
        self._forget_recovery()
        self._update_status()

    # -- recovery ---------------------------------------------------------------------
    def _recovery_dir(self):
        data_dir = self.backend.data_dir
        return data_dir if self.key_id is not None and data_dir is not None else None

    def keep_for_recovery(self) -> str | None:
        """Write the unsaved edit where the editor will offer it next time; returns
        the file's path, or None when there is nothing to keep (or nowhere)."""
        where = self._recovery_dir()
        if where is None or self.key_id is None or not self.modified:
            return None
        try:
            return str(recovery.keep(where, self.key_id, self.editor.text))
        except OSError:
            return None

    def _forget_recovery(self) -> None:
        where = self._recovery_dir()
        if where is not None and self.key_id is not None:
            try:
                recovery.forget(where, self.key_id)
            except OSError:
                pass

    def offer_recovery(self) -> None:
        """Offer an edit kept when the terminal last closed on this key's editor."""
        where = self._recovery_dir()
        kept = (
            recovery.find(where, self.key_id)
            if where is not None and self.key_id is not None
            else None
        )
        if kept is None:
            return
        if kept.text == self._baseline:
            self._forget_recovery()
            return
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(kept.kept_at))

        from kmstui.ui.dialogs.unsaved import DISCARD, RESTORE, RecoveryScreen

        def chosen(choice: str | None) -> None:
            if choice == RESTORE:
                editor = self.editor
                editor.replace(kept.text, (0, 0), editor.document.end)
                editor.move_cursor((0, 0))
                self.notify("Restored the unsaved edit. Save it with ctrl+s.")
            elif choice == DISCARD:
                self._forget_recovery()

        self.app.push_screen(
            RecoveryScreen(
                f"The console closed on {when} with unsaved edits to the policy of "
                f"{self.key_id}. Restore them into the editor?"
            ),
            chosen,
        )
