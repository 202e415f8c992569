"""One set of keys: every binding has a verb, a key means one verb everywhere,
docs/keys.md is the registry's table, and printable keys are text in text fields."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from consoletest import SIZE, key_id_by_alias, open_key, settle
from textual.widgets import Input, TextArea

from kmstui.ui.actions import DIALOG_VERBS, VERBS, VerbBinding
from kmstui.ui.keys import keys_markdown, registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "keys.md"


def test_docs_keys_md_is_the_registry_table():
    assert DOC.read_text(encoding="utf-8") == keys_markdown(), (
        "docs/keys.md is stale: run python scripts/keys_doc.py"
    )


def test_every_binding_has_a_verb_and_only_its_verbs_keys():
    for entry in registry():
        assert isinstance(entry.binding, VerbBinding), f"{entry.owner}: {entry.binding.key}"
        table = DIALOG_VERBS if entry.dialog else VERBS
        assert entry.verb in table, f"{entry.owner}: {entry.binding.id}"
        assert set(entry.keys) <= set(table[entry.verb][0].split(",")), entry.binding.id


def test_a_key_means_one_verb_on_every_screen_and_in_every_dialog():
    for dialog in (False, True):
        verbs_of = defaultdict(set)
        for entry in registry():
            if entry.dialog == dialog:
                for key in entry.keys:
                    verbs_of[key].add(entry.verb)
        assert verbs_of, "no bindings found"
        clashes = {key: verbs for key, verbs in verbs_of.items() if len(verbs) > 1}
        assert not clashes


def printable_keys() -> list[tuple[str, str]]:
    """(key name, the character it types) for every printable key in the table."""
    named = {
        "question_mark": "?",
        "colon": ":",
        "slash": "/",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "plus": "+",
        "equals_sign": "=",
        "minus": "-",
    }
    keys = {key for entry in registry() for key in entry.keys}
    found = {(key, key) for key in keys if len(key) == 1}
    found |= {(key, named[key]) for key in keys if key in named}
    return sorted(found)


async def type_every_printable_key(pilot, field) -> None:
    app = pilot.app
    screen, mode = app.screen, app.current_mode
    field.focus()
    await settle(pilot)
    typed = ""
    for key, character in printable_keys():
        await pilot.press(key)
        typed += character
        assert app.is_running, key
        assert app.screen is screen and app.current_mode == mode, key
        assert app.focused is field, key
    await settle(pilot)
    text = field.value if isinstance(field, Input) else field.text
    assert typed in text


async def test_printable_keys_are_text_in_the_key_filter(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_every_printable_key(pilot, app.screen.query_one("#filter", Input))


async def test_printable_keys_are_text_in_the_policy_editor_and_the_simulator(app, engine):
    async with app.run_test(size=SIZE) as pilot:
        await open_key(pilot, key_id_by_alias(engine, "alias/ebs-volumes"), tab="policy")
        await type_every_printable_key(pilot, app.screen.query_one("#simulate-via", Input))
        editor = app.screen.query_one("#policy-editor", TextArea)
        editor.move_cursor(editor.document.end)
        await type_every_printable_key(pilot, editor)
