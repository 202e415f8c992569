"""Every case of the shared reference files gives the documented result."""

from __future__ import annotations

import pytest

from kmstui.policy import ERROR, kms_rejection, simulate_case, validate_policy

from .conftest import load_examples

DECISIONS = load_examples("policy_examples.json")
VALIDATIONS = load_examples("policy_validation_examples.json")

# Reference wording -> our finding code.
FINDING_CODES = {
    "Restrict access to service principal": "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
    "kms:ViaService value": "VIA_SERVICE_WITHOUT_REGION",
    "carries no encryption context": "UNSATISFIABLE_CONDITION",
    "Allow with NotPrincipal": "ALLOW_WITH_NOT_PRINCIPAL",
    "Wildcard without like operator": "WILDCARD_WITHOUT_LIKE_OPERATOR",
    "Principal '*' Allow without a restricting condition": "UNRESTRICTED_PUBLIC_PRINCIPAL",
}
ERROR_CODES = {
    "JSON syntax error": ("JSON_SYNTAX_ERROR", "trailing comma before ']'"),
    "Statement has no Principal": ("MISSING_PRINCIPAL", "statement has no principal"),
    "Action and NotAction": (
        "UNSUPPORTED_ELEMENT_COMBINATION",
        "action and notaction cannot be used in the same statement",
    ),
    "These condition keys are not permitted": (
        "KEY_NOT_PERMITTED_IN_KEY_POLICY",
        "these condition keys are not permitted in a key policy: aws:resourcetag",
    ),
    "The new key policy will not allow": (
        "POLICY_LOCKOUT",
        "the new key policy will not allow you to update the key policy in the future.",
    ),
}


def _expected_code(text: str, table: dict):
    for fragment, code in table.items():
        if fragment in text:
            return code
    raise AssertionError(f"no code mapped for reference text {text!r}")


def _validate(case):
    return validate_policy(
        case["policy_text"],
        caller=case.get("caller"),
        bypass_policy_lockout_safety_check=case.get("bypass_policy_lockout_safety_check", False),
    )


@pytest.mark.parametrize("case", DECISIONS, ids=[c["name"] for c in DECISIONS])
def test_decision_example(case):
    assert simulate_case(case)["decision"] == case["expected"]


@pytest.mark.parametrize("case", VALIDATIONS, ids=[c["name"] for c in VALIDATIONS])
def test_validation_example(case):
    findings = _validate(case)
    rejection = kms_rejection(findings)
    if case["api_accepts"]:
        assert rejection is None, rejection
        expected = sorted(
            (text.split(" ", 1)[0], _expected_code(text, FINDING_CODES))
            for text in case["expected_findings"]
        )
        assert sorted((f.severity, f.code) for f in findings) == expected
    else:
        assert rejection is not None
        code, fragment = _expected_code(case["expected_error"], ERROR_CODES)
        assert rejection.code == code
        assert fragment in rejection.message.lower()
        assert all(f.severity == ERROR for f in findings)


def test_seed_policy_findings_are_exactly_the_three_documented():
    findings = _validate(VALIDATIONS[0])
    assert [f.severity for f in findings if f.severity == ERROR] == []
    assert {f.code for f in findings} == {
        "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
        "VIA_SERVICE_WITHOUT_REGION",
        "UNSATISFIABLE_CONDITION",
    }
    assert len(findings) == 3


def test_trailing_comma_is_reported_at_the_documented_line_and_column():
    case = next(c for c in VALIDATIONS if c["name"] == "json_trailing_comma")
    rejection = kms_rejection(_validate(case))
    where = case["expected_location"]
    assert (rejection.span.start.line, rejection.span.start.column) == (
        where["line"],
        where["column"],
    )


def test_decision_explanation_names_the_deciding_statement():
    seed = DECISIONS[0]
    result = simulate_case(seed)
    assert result["explanation"]["matched"][0]["statement"] == "Enable IAM User Permissions"
