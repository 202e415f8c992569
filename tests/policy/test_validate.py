"""Validation findings: one behaviour each, with the line and column they point at."""

from __future__ import annotations

import json

import pytest

from kmstui.policy import (
    ERROR,
    IDENTITY_POLICY,
    SECURITY_WARNING,
    SUGGESTION,
    WARNING,
    Finding,
    kms_rejection,
    validate_policy,
)

from .conftest import ALICE, ENABLE_IAM, ROOT, statement


def text_of(*statements, version="2012-10-17", **top) -> str:
    doc = {"Version": version} if version else {}
    doc.update(top)
    doc["Statement"] = list(statements)
    return json.dumps(doc, indent=2)


def where(text: str, fragment: str, nth: int = 0) -> tuple[int, int]:
    """Line and column (from 1) of the nth occurrence of ``fragment``."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(fragment, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def only(findings: list[Finding], code: str) -> Finding:
    hits = [f for f in findings if f.code == code]
    assert len(hits) == 1, findings
    return hits[0]


def start(finding: Finding) -> tuple[int, int]:
    return finding.span.start.line, finding.span.start.column


def codes(text: str, **kw) -> set[str]:
    return {f.code for f in validate_policy(text, **kw)}


CLEAN = text_of(ENABLE_IAM, statement(principal=ALICE, action=["kms:Decrypt", "kms:Encrypt"]))


def test_clean_key_policy_has_no_findings():
    assert validate_policy(CLEAN) == []


# JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ('{\n  "Version": "2012-10-17",\n}', 3, 1, "trailing comma"),
        ('{"a": [1, 2, ]}', 1, 14, "trailing comma"),
        ('{\n  // note\n  "Version": "2012-10-17"\n}', 2, 3, "comments"),
        ('{"Version": NaN}', 1, 13, "nan"),
        ('{"Version": Infinity}', 1, 13, "infinity"),
        ('{"Version": -Infinity}', 1, 13, "infinity"),
        ("{'Version': '2012-10-17'}", 1, 2, "double quotes"),
        ('{"Version": "2012-10-17', 1, 13, "unterminated string"),
        ('{"Version": "x"} {}', 1, 18, "extra data"),
        ("", 1, 1, "empty"),
        ('{"Version" "x"}', 1, 12, "':'"),
        ('{"Version": tru}', 1, 13, "unexpected"),
    ],
)
def test_json_syntax_error_is_reported_where_it_is(text, line, column, words):
    finding = only(validate_policy(text), "JSON_SYNTAX_ERROR")
    assert finding.severity == ERROR
    assert start(finding) == (line, column)
    assert words in finding.message.lower()


def test_json_syntax_error_position_follows_pythons_json_convention():
    text = '{\n  "Statement": [\n    {"Effect": "Allow"},,\n  ]\n}'
    with pytest.raises(json.JSONDecodeError) as exc:
        json.loads(text)
    finding = only(validate_policy(text), "JSON_SYNTAX_ERROR")
    assert start(finding) == (exc.value.lineno, exc.value.colno)


def test_duplicate_key_is_an_error_at_the_repeated_key():
    text = '{\n  "Version": "2012-10-17",\n  "Version": "2008-10-17",\n  "Statement": []\n}'
    finding = only(validate_policy(text), "DUPLICATE_KEYS")
    assert finding.severity == ERROR
    assert start(finding) == (3, 3)
    assert "line 2, column 3" in finding.message


def test_duplicate_keys_inside_statements_are_found_too():
    text = text_of(statement(principal=ALICE)).replace(
        '"Effect"', '"Action": "kms:Encrypt",\n"Effect"'
    )
    assert "DUPLICATE_KEYS" in codes(text)


# Document and statement grammar ------------------------------------------------------


def test_policy_that_is_not_an_object_is_a_type_error():
    assert only(validate_policy("[]"), "DATA_TYPE_MISMATCH").severity == ERROR


def test_unknown_top_level_element_is_an_error_with_a_suggestion():
    text = text_of(ENABLE_IAM, Statment=[])
    finding = only(validate_policy(text), "INVALID_POLICY_ELEMENT")
    assert finding.severity == ERROR
    assert start(finding) == where(text, '"Statment"')
    assert "Did you mean Statement?" in finding.message


def test_unknown_statement_element_is_an_error():
    text = text_of({**ENABLE_IAM, "Actions": "kms:*"})
    assert start(only(validate_policy(text), "INVALID_POLICY_ELEMENT")) == where(text, '"Actions"')


def test_missing_version_is_a_warning_at_the_policy_start():
    finding = only(validate_policy(text_of(ENABLE_IAM, version=None)), "MISSING_VERSION")
    assert (finding.severity, start(finding)) == (WARNING, (1, 1))


def test_unknown_version_is_an_error():
    text = text_of(ENABLE_IAM, version="2012-10-18")
    finding = only(validate_policy(text), "INVALID_VERSION")
    assert (finding.severity, start(finding)) == (ERROR, where(text, '"2012-10-18"'))


def test_version_2008_is_accepted():
    assert validate_policy(text_of(ENABLE_IAM, version="2008-10-17")) == []


def test_missing_statement_is_an_error():
    assert only(validate_policy('{"Version": "2012-10-17"}'), "MISSING_STATEMENT").severity == (
        ERROR
    )


def test_statement_may_be_a_single_object():
    text = json.dumps({"Version": "2012-10-17", "Statement": ENABLE_IAM})
    assert validate_policy(text) == []


def test_statement_that_is_not_an_object_is_a_type_error():
    text = text_of("oops")
    assert start(only(validate_policy(text), "DATA_TYPE_MISMATCH")) == where(text, '"oops"')


def test_missing_effect_is_an_error_at_the_statement():
    st = {k: v for k, v in ENABLE_IAM.items() if k != "Effect"}
    text = text_of(st)
    finding = only(validate_policy(text), "MISSING_EFFECT")
    assert (finding.severity, start(finding)) == (ERROR, where(text, "{", 1))


def test_effect_must_be_allow_or_deny():
    text = text_of({**ENABLE_IAM, "Effect": "allow"})
    finding = only(validate_policy(text), "INVALID_EFFECT")
    assert (finding.severity, start(finding)) == (ERROR, where(text, '"allow"'))


def test_sid_may_contain_spaces_in_a_key_policy():
    assert validate_policy(text_of(ENABLE_IAM)) == []


def test_sid_with_spaces_is_an_error_in_an_identity_policy():
    text = text_of({"Sid": "Not ok", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})
    finding = only(validate_policy(text, policy_type=IDENTITY_POLICY), "UNSUPPORTED_SID")
    assert (finding.severity, start(finding)) == (ERROR, where(text, '"Not ok"'))


def test_action_with_not_action_is_an_error_at_not_action():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, NotAction="kms:Encrypt"))
    finding = only(validate_policy(text), "UNSUPPORTED_ELEMENT_COMBINATION")
    assert (finding.severity, start(finding)) == (ERROR, where(text, '"NotAction"'))


def test_resource_with_not_resource_is_an_error():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, NotResource="*"))
    assert start(only(validate_policy(text), "UNSUPPORTED_ELEMENT_COMBINATION")) == where(
        text, '"NotResource"'
    )


def test_principal_with_not_principal_is_an_error():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, NotPrincipal={"AWS": ROOT}))
    assert start(only(validate_policy(text), "UNSUPPORTED_ELEMENT_COMBINATION")) == where(
        text, '"NotPrincipal"'
    )


def test_statement_without_action_is_a_warning_not_an_error():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, action=None))
    finding = only(validate_policy(text), "MISSING_ACTION")
    assert finding.severity == WARNING


def test_statement_without_resource_is_a_warning_not_an_error():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, resource=None))
    assert only(validate_policy(text), "MISSING_RESOURCE").severity == WARNING


def test_action_of_the_wrong_type_is_an_error():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, action=42))
    assert start(only(validate_policy(text), "DATA_TYPE_MISMATCH")) == where(text, "42")


# Principals -----------------------------------------------------------------------


def test_missing_principal_is_an_error_in_a_key_policy():
    text = text_of(ENABLE_IAM, statement())
    finding = only(validate_policy(text), "MISSING_PRINCIPAL")
    assert finding.severity == ERROR
    assert start(finding) == where(text, "{", 3)


def test_principal_is_an_error_in_an_identity_policy():
    text = text_of(statement(principal=ALICE))
    finding = only(validate_policy(text, policy_type=IDENTITY_POLICY), "UNSUPPORTED_PRINCIPAL")
    assert (finding.severity, start(finding)) == (ERROR, where(text, '"Principal"'))


def test_identity_policy_needs_no_principal():
    text = text_of(statement(action=["kms:Decrypt", "s3:GetObject", "kms:CreateKey"]))
    assert validate_policy(text, policy_type=IDENTITY_POLICY) == []


def test_unknown_principal_type_is_an_error():
    text = text_of(ENABLE_IAM, statement(principal={"Aws": ALICE}))
    finding = only(validate_policy(text), "INVALID_PRINCIPAL_KEY")
    assert start(finding) == where(text, '"Aws"')
    assert "Did you mean AWS?" in finding.message


def test_principal_string_other_than_star_is_an_error():
    text = text_of(ENABLE_IAM, statement(principal="*") | {"Principal": ALICE})
    assert only(validate_policy(text), "INVALID_PRINCIPAL_FORMAT").severity == ERROR


def test_malformed_aws_principal_is_an_error():
    text = text_of(ENABLE_IAM, statement(principal="arn:aws:iam::1234:user/Bob"))
    finding = only(validate_policy(text), "INVALID_PRINCIPAL_FORMAT")
    assert start(finding) == where(text, '"arn:aws:iam::1234:user/Bob"')


def test_wildcard_inside_a_principal_arn_is_an_error():
    text = text_of(ENABLE_IAM, statement(principal="arn:aws:iam::111122223333:user/*"))
    assert only(validate_policy(text), "UNSUPPORTED_WILDCARD_IN_PRINCIPAL").severity == ERROR


def test_principal_known_not_to_exist_is_an_error():
    bob = "arn:aws:iam::111122223333:user/Ghost"
    text = text_of(ENABLE_IAM, statement(principal=bob))
    finding = only(
        validate_policy(text, principal_exists=lambda arn: arn != bob), "INVALID_PRINCIPAL"
    )
    assert (finding.severity, start(finding)) == (ERROR, where(text, f'"{bob}"'))


def test_principal_of_unknown_existence_is_accepted():
    text = text_of(ENABLE_IAM, statement(principal=ALICE))
    assert validate_policy(text, principal_exists=lambda arn: None) == []


def test_failing_principal_lookup_does_not_break_validation():
    def broken(arn):
        raise RuntimeError("directory offline")

    assert validate_policy(CLEAN, principal_exists=broken) == []


def test_odd_service_principal_is_a_warning():
    text = text_of(
        ENABLE_IAM,
        statement(
            principal={"Service": "ec2"}, condition={"StringEquals": {"aws:SourceAccount": "1"}}
        ),
    )
    assert only(validate_policy(text), "INVALID_SERVICE_PRINCIPAL_FORMAT").severity == WARNING


# Actions --------------------------------------------------------------------------


def test_unknown_kms_action_is_a_warning_with_a_suggestion():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, action="kms:Decryp"))
    finding = only(validate_policy(text), "INVALID_ACTION")
    assert (finding.severity, start(finding)) == (WARNING, where(text, '"kms:Decryp"'))
    assert "Did you mean kms:Decrypt?" in finding.message


def test_action_wildcard_matching_no_kms_action_is_a_warning():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, action="kms:Decrypz*"))
    assert only(validate_policy(text), "INVALID_ACTION").severity == WARNING


def test_action_without_service_prefix_is_a_warning():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, action="Decrypt"))
    assert "Did you mean kms:Decrypt?" in only(validate_policy(text), "INVALID_ACTION").message


def test_other_service_action_is_a_suggestion_in_a_key_policy():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, action="s3:GetObject"))
    assert only(validate_policy(text), "ACTION_NOT_FOR_KMS").severity == SUGGESTION


def test_iam_only_action_in_a_key_policy_is_a_warning():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, action=["kms:Decrypt", "kms:ListKeys"]))
    finding = only(validate_policy(text), "IAM_ONLY_ACTION_IN_KEY_POLICY")
    assert (finding.severity, start(finding)) == (WARNING, where(text, '"kms:ListKeys"'))


# Conditions ------------------------------------------------------------------------


def cond_text(condition: dict, action="kms:Decrypt") -> str:
    return text_of(ENABLE_IAM, statement(principal=ALICE, action=action, condition=condition))


def test_unknown_condition_operator_is_an_error_with_a_suggestion():
    text = cond_text({"StringEqual": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}})
    finding = only(validate_policy(text), "INVALID_CONDITION_OPERATOR")
    assert (finding.severity, start(finding)) == (ERROR, where(text, '"StringEqual"'))
    assert "Did you mean StringEquals?" in finding.message


def test_resource_tag_key_is_rejected_in_a_key_policy():
    text = cond_text({"StringEquals": {"aws:ResourceTag/Project": "Alpha"}})
    finding = only(validate_policy(text), "KEY_NOT_PERMITTED_IN_KEY_POLICY")
    assert (finding.severity, start(finding)) == (ERROR, where(text, '"aws:ResourceTag/Project"'))


def test_resource_tag_key_is_fine_in_an_identity_policy():
    text = text_of(statement(condition={"StringEquals": {"aws:ResourceTag/Project": "Alpha"}}))
    assert validate_policy(text, policy_type=IDENTITY_POLICY) == []


def test_unknown_kms_condition_key_is_a_warning_with_a_suggestion():
    text = cond_text({"StringEquals": {"kms:ViaServices": "ec2.us-east-1.amazonaws.com"}})
    finding = only(validate_policy(text), "INVALID_SERVICE_CONDITION_KEY")
    assert (finding.severity, start(finding)) == (WARNING, where(text, '"kms:ViaServices"'))
    assert "Did you mean kms:ViaService?" in finding.message


def test_unknown_global_condition_key_is_a_warning():
    text = cond_text({"StringEquals": {"aws:PrincipalOrgId2": "o-1"}})
    assert only(validate_policy(text), "INVALID_GLOBAL_CONDITION_KEY").severity == WARNING


def test_condition_key_without_prefix_is_a_warning():
    text = cond_text({"StringEquals": {"ViaService": "x"}})
    assert only(validate_policy(text), "INVALID_CONDITION_KEY_FORMAT").severity == WARNING


def test_condition_keys_are_case_insensitive_for_validation():
    text = cond_text({"StringEquals": {"KMS:VIASERVICE": "ec2.us-east-1.amazonaws.com"}})
    assert validate_policy(text) == []


def test_operator_of_the_wrong_type_for_the_key_is_a_warning():
    text = cond_text({"NumericEquals": {"kms:ViaService": "1"}})
    finding = only(validate_policy(text), "MISMATCHED_TYPE")
    assert (finding.severity, start(finding)) == (WARNING, where(text, '"kms:ViaService"'))


def test_multi_valued_key_without_set_qualifier_is_a_warning():
    text = cond_text({"StringEquals": {"kms:EncryptionContextKeys": "App"}})
    assert only(validate_policy(text), "MISSING_SET_QUALIFIER").severity == WARNING


def test_multi_valued_key_with_set_qualifier_is_fine():
    text = cond_text({"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "App"}})
    assert validate_policy(text) == []


def test_set_qualifier_on_single_valued_key_is_a_warning():
    text = cond_text({"ForAnyValue:StringEquals": {"kms:CallerAccount": "111122223333"}})
    assert "FOR_ANY_VALUE_WITH_SINGLE_VALUED_KEY" in codes(text)


def test_null_with_if_exists_is_a_warning():
    text = cond_text({"NullIfExists": {"kms:CallerAccount": "true"}})
    assert only(validate_policy(text), "NULL_WITH_IF_EXISTS").severity == WARNING


def test_value_that_does_not_parse_for_the_operator_is_a_warning():
    text = cond_text({"IpAddress": {"aws:SourceIp": "not-an-ip"}})
    finding = only(validate_policy(text), "INVALID_CONDITION_VALUE")
    assert start(finding) == where(text, '"not-an-ip"')


def test_wildcard_without_like_operator_is_a_warning_at_the_value():
    text = cond_text({"StringEquals": {"kms:RequestAlias": "alias/app-*"}}, action="kms:Encrypt")
    finding = only(validate_policy(text), "WILDCARD_WITHOUT_LIKE_OPERATOR")
    assert (finding.severity, start(finding)) == (WARNING, where(text, '"alias/app-*"'))


def test_wildcard_escape_in_a_variable_is_not_a_wildcard():
    text = cond_text({"StringEquals": {"kms:EncryptionContext:user": "${aws:username}"}})
    assert validate_policy(text) == []


def test_via_service_without_region_is_a_warning_at_the_value():
    text = cond_text({"StringEquals": {"kms:ViaService": "ec2.amazonaws.com"}})
    finding = only(validate_policy(text), "VIA_SERVICE_WITHOUT_REGION")
    assert (finding.severity, start(finding)) == (WARNING, where(text, '"ec2.amazonaws.com"'))


def test_via_service_with_region_is_fine():
    assert (
        validate_policy(
            cond_text({"StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}})
        )
        == []
    )


def test_policy_variable_in_version_2008_is_a_warning():
    text = text_of(
        ENABLE_IAM,
        statement(
            principal=ALICE,
            condition={"StringEquals": {"kms:EncryptionContext:user": "${aws:username}"}},
        ),
        version="2008-10-17",
    )
    assert only(validate_policy(text), "VARIABLE_UNSUPPORTED_IN_VERSION").severity == WARNING


def test_condition_the_action_never_carries_is_a_warning_at_the_action():
    text = cond_text(
        {"StringEquals": {"kms:EncryptionContext:app": "x"}},
        action=["kms:Decrypt", "kms:DescribeKey"],
    )
    finding = only(validate_policy(text), "UNSATISFIABLE_CONDITION")
    assert (finding.severity, start(finding)) == (WARNING, where(text, '"kms:DescribeKey"'))


def test_if_exists_condition_on_a_key_the_action_lacks_is_fine():
    text = cond_text(
        {"StringEqualsIfExists": {"kms:EncryptionContext:app": "x"}}, action="kms:DescribeKey"
    )
    assert validate_policy(text) == []


def test_condition_of_the_wrong_shape_is_a_type_error():
    text = cond_text({"StringEquals": "kms:ViaService"})
    assert only(validate_policy(text), "DATA_TYPE_MISMATCH").severity == ERROR


# Security warnings -------------------------------------------------------------------


def test_service_principal_without_source_condition_is_a_security_warning():
    text = text_of(ENABLE_IAM, statement(principal={"Service": "cloudtrail.amazonaws.com"}))
    finding = only(validate_policy(text), "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL")
    assert (finding.severity, start(finding)) == (
        SECURITY_WARNING,
        where(text, '"cloudtrail.amazonaws.com"'),
    )


def test_service_principal_with_source_account_is_fine():
    text = text_of(
        ENABLE_IAM,
        statement(
            principal={"Service": "cloudtrail.amazonaws.com"},
            condition={"StringEquals": {"aws:SourceAccount": "111122223333"}},
        ),
    )
    assert validate_policy(text) == []


def test_public_principal_without_condition_is_a_security_warning():
    text = text_of(ENABLE_IAM, statement(principal="*"))
    assert only(validate_policy(text), "UNRESTRICTED_PUBLIC_PRINCIPAL").severity == (
        SECURITY_WARNING
    )


def test_public_principal_restricted_to_an_account_is_fine():
    text = text_of(
        ENABLE_IAM,
        statement(principal="*", condition={"StringEquals": {"kms:CallerAccount": "111122223333"}}),
    )
    assert validate_policy(text) == []


def test_public_deny_is_not_a_security_warning():
    assert validate_policy(text_of(ENABLE_IAM, statement("Deny", principal="*"))) == []


def test_allow_with_not_principal_is_a_security_warning():
    text = text_of(ENABLE_IAM, statement(NotPrincipal={"AWS": ALICE}))
    finding = only(validate_policy(text), "ALLOW_WITH_NOT_PRINCIPAL")
    assert (finding.severity, start(finding)) == (SECURITY_WARNING, where(text, '"NotPrincipal"'))


# Size and lockout ----------------------------------------------------------------------


def test_key_policy_over_32768_bytes_is_an_error():
    text = text_of(ENABLE_IAM, Id="x" * 33000)
    finding = only(validate_policy(text), "POLICY_SIZE_EXCEEDED")
    assert (finding.severity, start(finding)) == (ERROR, (1, 1))


def test_size_counts_bytes_not_characters():
    text = text_of(ENABLE_IAM, Id="é" * 16500)
    assert "POLICY_SIZE_EXCEEDED" in codes(text)


def test_lockout_is_an_error_when_the_caller_loses_put_key_policy():
    text = text_of(statement(principal=ALICE, action=["kms:Encrypt", "kms:Decrypt"]))
    bob = "arn:aws:iam::111122223333:user/Bob"
    finding = only(validate_policy(text, caller=bob), "POLICY_LOCKOUT")
    assert finding.severity == ERROR
    assert finding.message.startswith(
        "The new key policy will not allow you to update the key policy in the future."
    )
    assert start(finding) == where(text, '"Statement"')


def test_lockout_check_can_be_bypassed():
    text = text_of(statement(principal=ALICE, action="kms:Decrypt"))
    assert validate_policy(text, caller=ROOT, bypass_policy_lockout_safety_check=True) == []


def test_lockout_check_passes_with_account_delegation():
    assert validate_policy(CLEAN, caller=ALICE) == []


def test_lockout_check_is_not_run_for_identity_policies():
    text = text_of(statement(action="kms:Decrypt"))
    assert validate_policy(text, policy_type=IDENTITY_POLICY, caller=ALICE) == []


# The findings list --------------------------------------------------------------------


def test_findings_are_sorted_by_position():
    text = text_of(
        ENABLE_IAM, statement(principal=ALICE, action=["kms:Decryp", "kms:ListKeys"]), version=None
    )
    findings = validate_policy(text)
    assert [f.span.start for f in findings] == sorted(f.span.start for f in findings)
    assert len(findings) == 3


def test_kms_rejection_is_the_first_error():
    text = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Maybe", "Principal": "*"}]\n}'
    )
    findings = validate_policy(text)
    assert kms_rejection(findings).code == "INVALID_EFFECT"
    assert kms_rejection([f for f in findings if f.severity != ERROR]) is None


def test_finding_to_json_has_severity_code_message_and_span():
    finding = validate_policy(text_of(ENABLE_IAM, version=None))[0]
    assert finding.to_json() == {
        "severity": "WARNING",
        "code": "MISSING_VERSION",
        "message": finding.message,
        "span": {"start": {"line": 1, "column": 1}, "end": {"line": 1, "column": 2}},
    }


def test_span_covers_the_whole_offending_value():
    text = text_of(ENABLE_IAM, statement(principal=ALICE, action="kms:Decryp"))
    finding = only(validate_policy(text), "INVALID_ACTION")
    line, column = where(text, '"kms:Decryp"')
    assert (finding.span.end.line, finding.span.end.column) == (line, column + len('"kms:Decryp"'))
