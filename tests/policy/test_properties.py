"""Property-based tests: no input, however malformed, makes the package raise.

The editor validates on every keystroke, so every half-typed document must
come back as findings. Failures hidden by the validator's safety net would
show up as VALIDATOR_FAILURE findings, so the properties forbid those too.
"""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmstui.policy import (
    IDENTITY_POLICY,
    Request,
    compile_policy,
    evaluate,
    parse_policy,
    validate_policy,
)

from .conftest import ALICE, KEY_ARN, load_examples

SEED_TEXT = load_examples("policy_validation_examples.json")[0]["policy_text"]
PRETTY_SEED = json.dumps(json.loads(SEED_TEXT), indent=2)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

element_names = st.sampled_from(
    [
        "Version",
        "Statement",
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "AWS",
        "Service",
        "StringEquals",
        "ForAnyValue:StringLike",
        "NumericLessThanIfExists",
        "Null",
        "ArnLike",
        "IpAddress",
        "kms:ViaService",
        "kms:EncryptionContext:x",
        "aws:SourceIp",
        "Allow",
        "Deny",
        "*",
        "kms:Decrypt",
        "kms:*",
        "2012-10-17",
        "${aws:username}",
        "arn:aws:iam::111122223333:root",
    ]
)
policy_like = st.recursive(
    element_names | json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(element_names, children, max_size=5)
    ),
    max_leaves=30,
)


def _check(findings, text):
    lines = text.count("\n") + 1
    for finding in findings:
        assert finding.code != "VALIDATOR_FAILURE", finding
        assert 1 <= finding.span.start.line <= lines
        assert finding.span.start.column >= 1
        assert finding.span.start <= finding.span.end


@SETTINGS
@given(st.text())
def test_random_text_never_raises(text):
    _check(validate_policy(text), text)
    _check(validate_policy(text, policy_type=IDENTITY_POLICY, caller=ALICE), text)


@SETTINGS
@given(st.data())
def test_mutated_policies_never_raise(data):
    text = data.draw(st.sampled_from([SEED_TEXT, PRETTY_SEED]))
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        piece = data.draw(
            st.sampled_from(
                list('{}[]:,"\\ \n') + ["NaN", "//", "'", "true", "\x00", "é", "${", "*"]
            )
        )
        if action == "delete":
            text = text[:pos] + text[pos + 1 :]
        elif action == "insert":
            text = text[:pos] + piece + text[pos:]
        else:
            text = text[:pos] + piece + text[pos + 1 :]
    _check(validate_policy(text, caller=ALICE), text)


@SETTINGS
@given(json_values)
def test_random_json_values_never_raise(value):
    text = json.dumps(value)
    _check(validate_policy(text), text)


@SETTINGS
@given(policy_like)
def test_policy_shaped_documents_never_raise_anywhere(value):
    text = json.dumps(value, indent=2)
    _check(validate_policy(text, caller=ALICE), text)
    _check(validate_policy(text, policy_type=IDENTITY_POLICY), text)
    if isinstance(value, dict):
        compiled = compile_policy(value)
        request = Request(ALICE, "kms:Decrypt", KEY_ARN, {"aws:SourceIp": "10.0.0.1"})
        evaluate(
            request,
            key_policy=compiled,
            identity_policies=[compiled],
            grants=[value] if isinstance(value, dict) else [],
        )


@SETTINGS
@given(json_values)
def test_parser_reads_valid_json_as_json_loads_does(value):
    text = json.dumps(value, indent=1)
    result = parse_policy(text)
    assert result.ok
    assert result.root.to_python() == json.loads(text)


@SETTINGS
@given(st.text(alphabet='{}[]:,"0123456789.eE+-tfrunalsN \n\\/', max_size=40))
def test_parser_accepts_only_what_json_accepts(text):
    result = parse_policy(text)
    try:
        expected = json.loads(text)
    except (ValueError, RecursionError):
        assert not result.ok
        return
    if result.ok:
        got = result.root.to_python()
        assert got == expected or (isinstance(expected, float) and math.isnan(expected))
    else:
        # The only valid JSON we refuse is what KMS refuses too: NaN and Infinity.
        assert any(w in text for w in ("NaN", "Infinity")), (text, result.error)


def test_deep_nesting_is_a_syntax_error_not_a_crash():
    text = "[" * 5_000 + "]" * 5_000
    finding = validate_policy(text)[0]
    assert finding.code == "JSON_SYNTAX_ERROR"
    assert "too deep" in finding.message
