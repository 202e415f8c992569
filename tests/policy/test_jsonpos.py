"""The positioned JSON parser: values remember where they are."""

from __future__ import annotations

from kmstui.policy import parse_policy
from kmstui.policy.findings import LineIndex

TEXT = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow"}\n  ]\n}'


def test_values_carry_their_offsets():
    root = parse_policy(TEXT).root
    version = root.value["Version"]
    assert TEXT[version.start : version.end] == '"2012-10-17"'


def test_object_keys_carry_their_offsets_in_text_order():
    root = parse_policy(TEXT).root
    keys = [(name, TEXT[start:end]) for name, start, end, _ in root.pairs]
    assert keys == [("Version", '"Version"'), ("Statement", '"Statement"')]


def test_offsets_become_lines_and_columns_from_one():
    root = parse_policy(TEXT).root
    effect = root.value["Statement"].value[0].value["Effect"]
    where = LineIndex(TEXT).position(effect.start)
    assert (where.line, where.column) == (4, 16)


def test_duplicate_keys_are_recorded_not_silently_dropped():
    result = parse_policy('{"a": 1, "a": 2}')
    assert result.ok
    assert [(d.key, d.start, d.first_start) for d in result.duplicates] == [("a", 9, 1)]


def test_escaped_strings_are_decoded():
    assert parse_policy('"a\\u00e9\\n"').root.value == "a\u00e9\n"


def test_numbers_keep_integer_and_float_types():
    assert parse_policy("[1, 1.5, -2e3]").root.to_python() == [1, 1.5, -2000.0]


def test_syntax_error_stops_with_message_and_offset():
    result = parse_policy('{"a": [1, 2,]}')
    assert not result.ok
    assert (result.error, result.error_offset) == ("Trailing comma before ']'", 12)
