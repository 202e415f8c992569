"""One declaration per console action, and one table of verbs and their keys.

A :class:`Action` feeds the key binding (with a stable id users remap in
``config.toml``), the footer, the help overlay, the command palette and
``docs/keys.md``, so they can never disagree. Every action names a verb from
:data:`VERBS`; its key is the verb's key unless the verb has several (the sections,
the tabs), so a key means one verb on every screen: ``n`` creates a key on one screen
and a volume on another, and is never anything but "new".

Dialogs answer a question, and their keys are the answers' (``y`` yes, ``n`` no, ``s``
save, ``d`` discard); :data:`DIALOG_VERBS` holds those, checked the same way among
dialogs.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

# verb: (its keys, what it means). Keys as Textual names them, comma-separated.
VERBS: dict[str, tuple[str, str]] = {
    # moving about (the k9s / lazygit conventions)
    "open": ("enter", "open the selected item (drill in)"),
    "back": ("escape", "go back, or close"),
    "help": ("question_mark,f1", "list the keys of this screen"),
    "palette": ("colon,ctrl+p", "search every command, from anywhere"),
    "quit": ("q,ctrl+q", "leave the console"),
    "section": ("1,2,3,4", "show a section"),
    "previous-tab": ("left_square_bracket", "show the tab to the left"),
    "next-tab": ("right_square_bracket", "show the tab to the right"),
    "tab": ("alt+o,alt+p,alt+g,alt+r,alt+a,alt+e,alt+t", "show a tab by its initial"),
    "up": ("k,up", "move up"),
    "down": ("j,down", "move down"),
    "top": ("g,home", "move to the first row"),
    "bottom": ("G,end", "move to the last row (the Monitor follows new events)"),
    "page-up": ("pageup", "move up a page"),
    "page-down": ("pagedown", "move down a page"),
    "filter": ("slash", "filter the list as you type"),
    "sort": ("s", "sort by the next column"),
    "refresh": ("ctrl+r", "read again"),
    "show-own-calls": ("o", "show or hide the console's own read requests"),
    # acting on things
    "new": ("n", "create one (a key, a grant, a volume, a policy ...)"),
    "edit": ("e", "change the selected item"),
    "delete": ("x", "delete, revoke or remove the selected item (asks first)"),
    "copy": ("y", "copy to the clipboard"),
    "enable": ("E", "enable the selected item"),
    "disable": ("D", "disable the selected item"),
    "undelete": ("u", "cancel a scheduled deletion"),
    "retire": ("R", "retire the selected grant"),
    "rotate": ("r", "rotate the key material now"),
    "auto-rotation": ("O", "turn automatic rotation on or off"),
    "tag": ("T", "add tags"),
    "alias": ("L", "add an alias"),
    "test": ("t", "encrypt and decrypt a sample"),
    "reveal": ("V", "show or hide a plaintext or secret the screen masks"),
    "attach": ("a", "attach the selected volume"),
    "detach": ("d", "detach the selected volume"),
    "snapshot": ("S", "snapshot the selected volume"),
    "copy-snapshot": ("K", "copy a snapshot under another key"),
    "workload": ("w", "run an I/O workload"),
    "export-nbd": ("N", "serve the volume to block-device tools over NBD (loopback)"),
    "stop": ("W", "stop what runs (a workload, an instance)"),
    "start": ("b", "start (boot) the selected instance"),
    "instances": ("i", "manage instances"),
    "caller-model": ("m", "switch the EBS caller model (aws or seed)"),
    "encryption-default": ("B", "EBS encryption by default and its default key"),
    "pause": ("p", "pause or resume"),
    "faster": ("plus,equals_sign", "more updates a second"),
    "slower": ("minus", "fewer updates a second"),
    "graphs": ("v", "show or hide the graphs"),
    "act-as": ("A,ctrl+t", "choose the principal the console acts as"),
    "region": ("f5", "choose the Region the console works in"),
    "import": ("I", "import key material (wrapping key, token, wrapped material)"),
    "replicate": ("M", "replicate a multi-Region key into another Region"),
    "primary-region": ("P", "move a multi-Region key's primary to another Region"),
    "advance-clock": ("C", "move the engine clock forward"),
    "theme": ("f3", "pick a colour theme"),
    "screenshot": ("f12", "save the screen as an SVG file"),
    # the policy editor (text keys are Textual's TextArea's own and posting's)
    "save": ("ctrl+s", "save (after reviewing the diff)"),
    "diff": ("ctrl+g", "show the edit against the stored text"),
    "next-finding": ("f8", "move to the next finding"),
    "previous-finding": ("shift+f8", "move to the previous finding"),
    "simulate": ("f9", "show or hide the simulator"),
    "load": ("ctrl+o", "load from a file"),
    "export": ("f2", "write to a file"),
    "format": ("f4", "lay the text out again"),
    "select-all": ("ctrl+a", "select all the text"),
    "undo": ("ctrl+z", "undo"),
    "redo": ("ctrl+y", "redo"),
    "copy-text": ("ctrl+c", "copy the selected text"),
    "cut": ("ctrl+x", "cut the selected text"),
    "paste": ("ctrl+v", "paste"),
    "find": ("ctrl+f", "find text"),
}

DIALOG_VERBS: dict[str, tuple[str, str]] = {
    "yes": ("y", "go ahead"),
    "no": ("n", "do nothing"),
    "cancel": ("escape", "close without doing anything"),
    "ok": ("enter", "close the message"),
    "copy": ("c", "copy what the dialog shows"),
    "save": ("s", "save (after reviewing the diff)"),
    "discard": ("d", "drop the unsaved edits"),
    "restore": ("r", "put a kept edit back"),
    "close-help": ("question_mark,f1,q", "close help with the key that opened it"),
}


@dataclass(frozen=True)
class VerbBinding(Binding):
    """A binding that knows its verb (for the one table of keys)."""

    verb: str = ""


@dataclass(frozen=True)
class Action:
    id: str  # "key.disable": the noun, then what it does
    verb: str  # a key of VERBS (or DIALOG_VERBS for a dialog's answers)
    action: str
    description: str
    tooltip: str
    key: str | None = None  # one of the verb's keys; None: all of them
    show: bool = True
    key_display: str | None = None
    priority: bool = False
    group: str | None = None  # consecutive actions of a group share one footer label
    dialog: bool = False

    def __post_init__(self) -> None:
        table = DIALOG_VERBS if self.dialog else VERBS
        if self.verb not in table:
            raise ValueError(f"{self.id}: unknown verb {self.verb!r}")
        keys = table[self.verb][0].split(",")
        if self.key is not None and not set(self.key.split(",")) <= set(keys):
            raise ValueError(f"{self.id}: {self.key!r} is not a key of the verb {self.verb!r}")

    @property
    def keys(self) -> str:
        table = DIALOG_VERBS if self.dialog else VERBS
        return self.key if self.key is not None else table[self.verb][0]

    @property
    def noun(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def palette_title(self) -> str:
        return f"{self.noun}: {self.description.lower()}"

    def binding(self) -> VerbBinding:
        return VerbBinding(
            self.keys,
            self.action,
            self.description,
            show=self.show,
            key_display=self.key_display,
            priority=self.priority,
            tooltip=self.tooltip,
            id=self.id,
            group=Binding.Group(self.group, compact=True) if self.group else None,
            verb=self.verb,
        )


def dialog_action(id: str, verb: str, action: str, description: str, tooltip: str, **kw) -> Action:
    return Action(id, verb, action, description, tooltip, dialog=True, **kw)


def bindings(*actions: Action) -> list[BindingType]:
    """A class's ``BINDINGS``, typed as Textual types them."""
    return [a.binding() for a in actions]


def palette_title(binding: Binding) -> str | None:
    """The palette's "noun: verb" name of a binding, or None for bindings without an id."""
    if not binding.id or not binding.description:
        return None
    noun = binding.id.split(".", 1)[0]
    return f"{noun}: {binding.description.lower()}"
