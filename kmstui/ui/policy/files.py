"""The policy editor's files and clipboard: load, export, copy and format."""

from __future__ import annotations

import json
from pathlib import Path

from rich.markup import escape

from .dialogs import ConfirmDialog, MessageDialog, PathDialog
from .host import PaneHost


class FilesMixin(PaneHost):
    """Load, export, copy and format for :class:`PolicyEditorPane`."""

    def action_load(self) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self.load_file(Path(path).expanduser())

        self.app.push_screen(PathDialog("Load a policy from a file", confirm="Load"), chosen)

    def load_file(self, path: Path) -> bool:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.app.push_screen(
                MessageDialog("Could not load the policy", f"{path}: {reason}", severity="error")
            )
            return False
        editor = self.editor
        editor.replace(text, (0, 0), editor.document.end)
        editor.move_cursor((0, 0))
        self.notify(escape(f"Loaded {path}"))
        return True

    def action_export(self) -> None:
        default = f"{self.key_id}-policy.json" if self.key_id else "policy.json"

        def chosen(path: str | None) -> None:
            if not path:
                return
            target = Path(path).expanduser()

            def replace(yes: bool | None) -> None:
                if yes:
                    self.export_file(target)

            if target.exists():
                self.app.push_screen(
                    ConfirmDialog(
                        "Replace the file?",
                        f"{target} exists. Replace it?",
                        confirm="Replace",
                        destructive=True,
                    ),
                    replace,
                )
            else:
                self.export_file(target)

        self.app.push_screen(
            PathDialog("Export the policy to a file", value=default, confirm="Export"), chosen
        )

    def export_file(self, path: Path) -> bool:
        try:
            path.write_text(self.editor.text, encoding="utf-8")
        except OSError as exc:
            self.app.push_screen(
                MessageDialog(
                    "Could not export the policy",
                    f"{path}: {exc.strerror or exc}",
                    severity="error",
                )
            )
            return False
        self.notify(escape(f"Wrote {path}"))
        return True

    def action_copy(self) -> None:
        text = self.editor.text
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied the policy ({len(text)} characters).")

    def action_format(self) -> None:
        try:
            document = json.loads(self.editor.text)
        except ValueError as exc:
            self.notify(escape(f"Cannot format: {exc}"), severity="warning")
            return
        editor = self.editor
        editor.replace(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n", (0, 0), editor.document.end
        )
