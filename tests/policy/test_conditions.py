"""Condition operators, qualifiers and absent-key rules, one behaviour each."""

from __future__ import annotations

import pytest

from kmstui.policy import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY

from .conftest import ALICE, decide, policy, statement, with_condition

EC = "kms:EncryptionContext:Department"


# String family -------------------------------------------------------------


def test_string_equals_matches_exact_value():
    assert with_condition({"StringEquals": {EC: "IT"}}, {EC: "IT"}) == ALLOW


def test_string_equals_is_case_sensitive():
    assert with_condition({"StringEquals": {EC: "IT"}}, {EC: "it"}) == IMPLICIT_DENY


def test_string_not_equals_is_true_for_other_values():
    assert with_condition({"StringNotEquals": {EC: "HR"}}, {EC: "IT"}) == ALLOW


def test_string_not_equals_is_false_for_the_listed_value():
    assert with_condition({"StringNotEquals": {EC: "IT"}}, {EC: "IT"}) == IMPLICIT_DENY


def test_string_equals_ignore_case_ignores_case():
    assert with_condition({"StringEqualsIgnoreCase": {EC: "it"}}, {EC: "IT"}) == ALLOW


def test_string_not_equals_ignore_case_rejects_any_casing_of_listed_value():
    cond = {"StringNotEqualsIgnoreCase": {EC: "it"}}
    assert with_condition(cond, {EC: "IT"}) == IMPLICIT_DENY


def test_string_like_star_matches_any_run():
    assert with_condition({"StringLike": {EC: "I*"}}, {EC: "IT-dept"}) == ALLOW


def test_string_like_question_mark_matches_one_character():
    assert with_condition({"StringLike": {EC: "I?"}}, {EC: "IT"}) == ALLOW
    assert with_condition({"StringLike": {EC: "I?"}}, {EC: "ITX"}) == IMPLICIT_DENY


def test_string_not_like_excludes_matching_values():
    assert with_condition({"StringNotLike": {EC: "I*"}}, {EC: "IT"}) == IMPLICIT_DENY
    assert with_condition({"StringNotLike": {EC: "I*"}}, {EC: "HR"}) == ALLOW


def test_string_equals_treats_wildcards_literally():
    assert with_condition({"StringEquals": {EC: "I*"}}, {EC: "IT"}) == IMPLICIT_DENY


def test_several_values_for_one_key_are_ored():
    assert with_condition({"StringEquals": {EC: ["HR", "IT"]}}, {EC: "IT"}) == ALLOW


def test_several_values_for_a_negated_operator_are_nored():
    assert with_condition({"StringNotEquals": {EC: ["HR", "IT"]}}, {EC: "IT"}) == IMPLICIT_DENY


def test_several_keys_are_anded():
    cond = {"StringEquals": {EC: "IT", "kms:ViaService": "ec2.us-east-1.amazonaws.com"}}
    assert with_condition(cond, {EC: "IT"}) == IMPLICIT_DENY
    ctx = {EC: "IT", "kms:ViaService": "ec2.us-east-1.amazonaws.com"}
    assert with_condition(cond, ctx) == ALLOW


def test_several_operators_are_anded():
    cond = {"StringEquals": {EC: "IT"}, "Bool": {"aws:SecureTransport": "true"}}
    assert with_condition(cond, {EC: "IT", "aws:SecureTransport": False}) == IMPLICIT_DENY
    assert with_condition(cond, {EC: "IT", "aws:SecureTransport": True}) == ALLOW


def test_condition_key_names_are_case_insensitive():
    assert with_condition({"StringEquals": {EC.upper(): "IT"}}, {EC.lower(): "IT"}) == ALLOW


# Numeric, Date, Bool, Binary, IP, ARN, Null ---------------------------------

DAYS = "kms:ScheduleKeyDeletionPendingWindowInDays"


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("NumericEquals", "7", ALLOW),
        ("NumericNotEquals", "7", IMPLICIT_DENY),
        ("NumericLessThan", "8", ALLOW),
        ("NumericLessThan", "7", IMPLICIT_DENY),
        ("NumericLessThanEquals", "7", ALLOW),
        ("NumericGreaterThan", "6", ALLOW),
        ("NumericGreaterThanEquals", "8", IMPLICIT_DENY),
    ],
)
def test_numeric_operators_compare_numbers(operator, value, expected):
    cond = {operator: {DAYS: value}}
    assert with_condition(cond, {DAYS: 7}, action="kms:ScheduleKeyDeletion") == expected


def test_numeric_compares_numbers_not_text():
    cond = {"NumericLessThan": {DAYS: "10"}}
    assert with_condition(cond, {DAYS: "9"}, action="kms:ScheduleKeyDeletion") == ALLOW


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("DateEquals", "2025-01-01T00:00:00Z", ALLOW),
        ("DateNotEquals", "2025-01-01T00:00:00Z", IMPLICIT_DENY),
        ("DateLessThan", "2025-06-01T00:00:00Z", ALLOW),
        ("DateLessThanEquals", "2024-12-31T23:59:59Z", IMPLICIT_DENY),
        ("DateGreaterThan", "2024-06-01", ALLOW),
        ("DateGreaterThanEquals", "1735689600", ALLOW),
    ],
)
def test_date_operators_compare_instants(operator, value, expected):
    cond = {operator: {"aws:CurrentTime": value}}
    assert with_condition(cond, {"aws:CurrentTime": "2025-01-01T00:00:00Z"}) == expected


def test_bool_matches_true_and_false_whatever_their_form():
    cond = {"Bool": {"aws:SecureTransport": "true"}}
    assert with_condition(cond, {"aws:SecureTransport": True}) == ALLOW
    assert with_condition(cond, {"aws:SecureTransport": "false"}) == IMPLICIT_DENY


def test_binary_equals_compares_base64_data():
    cond = {"BinaryEquals": {"kms:RecipientAttestation:ImageSha384": "AAEC"}}
    assert with_condition(cond, {"kms:RecipientAttestation:ImageSha384": "AAEC"}) == ALLOW
    assert with_condition(cond, {"kms:RecipientAttestation:ImageSha384": "AAED"}) == IMPLICIT_DENY


def test_ip_address_matches_addresses_in_the_range():
    cond = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    assert with_condition(cond, {"aws:SourceIp": "203.0.113.9"}) == ALLOW
    assert with_condition(cond, {"aws:SourceIp": "198.51.100.1"}) == IMPLICIT_DENY


def test_ip_address_matches_ipv6_ranges():
    cond = {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}
    assert with_condition(cond, {"aws:SourceIp": "2001:db8::1"}) == ALLOW


def test_not_ip_address_excludes_the_range():
    cond = {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    assert with_condition(cond, {"aws:SourceIp": "203.0.113.9"}) == IMPLICIT_DENY
    assert with_condition(cond, {"aws:SourceIp": "198.51.100.1"}) == ALLOW


ARN_KEY = "aws:SourceArn"
TRAIL = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"


def test_arn_equals_matches_the_same_arn():
    assert with_condition({"ArnEquals": {ARN_KEY: TRAIL}}, {ARN_KEY: TRAIL}) == ALLOW


def test_arn_like_matches_each_component_separately():
    cond = {"ArnLike": {ARN_KEY: "arn:aws:cloudtrail:*:111122223333:trail/*"}}
    assert with_condition(cond, {ARN_KEY: TRAIL}) == ALLOW
    smuggled = "arn:aws:cloudtrail:us-east-1:999999999999:trail/x:111122223333:trail/y"
    assert with_condition(cond, {ARN_KEY: smuggled}) == IMPLICIT_DENY


def test_arn_not_equals_excludes_the_arn():
    assert with_condition({"ArnNotEquals": {ARN_KEY: TRAIL}}, {ARN_KEY: TRAIL}) == IMPLICIT_DENY


def test_arn_not_like_excludes_matching_arns():
    cond = {"ArnNotLike": {ARN_KEY: "arn:aws:cloudtrail:*:*:trail/*"}}
    assert with_condition(cond, {ARN_KEY: TRAIL}) == IMPLICIT_DENY


def test_null_true_holds_when_the_key_is_absent():
    assert with_condition({"Null": {"aws:SourceIp": "true"}}, {}) == ALLOW
    assert with_condition({"Null": {"aws:SourceIp": "true"}}, {"aws:SourceIp": "1.2.3.4"}) == (
        IMPLICIT_DENY
    )


def test_null_false_holds_when_the_key_is_present():
    assert with_condition({"Null": {"aws:SourceIp": "false"}}, {"aws:SourceIp": "1.2.3.4"}) == (
        ALLOW
    )
    assert with_condition({"Null": {"aws:SourceIp": "false"}}, {}) == IMPLICIT_DENY


# Absent keys, IfExists and set qualifiers ------------------------------------


def test_absent_key_makes_positive_operator_false():
    assert with_condition({"StringEquals": {EC: "IT"}}, {}) == IMPLICIT_DENY


def test_absent_key_makes_negated_operator_true():
    assert with_condition({"StringNotEquals": {EC: "IT"}}, {}) == ALLOW


def test_if_exists_is_true_when_the_key_is_absent():
    assert with_condition({"StringEqualsIfExists": {EC: "IT"}}, {}) == ALLOW


def test_if_exists_still_tests_a_present_key():
    assert with_condition({"StringEqualsIfExists": {EC: "IT"}}, {EC: "HR"}) == IMPLICIT_DENY


KEYS = "kms:EncryptionContextKeys"


def test_for_any_value_is_false_when_the_key_is_absent():
    assert with_condition({"ForAnyValue:StringEquals": {KEYS: "App"}}, {}) == IMPLICIT_DENY


def test_for_any_value_holds_when_one_request_value_matches():
    cond = {"ForAnyValue:StringEquals": {KEYS: "App"}}
    assert with_condition(cond, {KEYS: ["Other", "App"]}) == ALLOW


def test_for_all_values_is_true_when_the_key_is_absent():
    assert with_condition({"ForAllValues:StringEquals": {KEYS: "App"}}, {}) == ALLOW


def test_for_all_values_needs_every_request_value_listed():
    cond = {"ForAllValues:StringEquals": {KEYS: ["App", "Env"]}}
    assert with_condition(cond, {KEYS: ["App", "Env"]}) == ALLOW
    assert with_condition(cond, {KEYS: ["App", "Other"]}) == IMPLICIT_DENY


def test_for_all_values_with_negated_operator_needs_no_value_listed():
    cond = {"ForAllValues:StringNotEquals": {KEYS: ["Secret"]}}
    assert with_condition(cond, {KEYS: ["App"]}) == ALLOW
    assert with_condition(cond, {KEYS: ["App", "Secret"]}) == IMPLICIT_DENY


def test_for_any_value_with_negated_operator_needs_one_unlisted_value():
    cond = {"ForAnyValue:StringNotEquals": {KEYS: ["App"]}}
    assert with_condition(cond, {KEYS: ["App"]}) == IMPLICIT_DENY
    assert with_condition(cond, {KEYS: ["App", "Env"]}) == ALLOW


def test_encryption_context_keys_are_derived_from_the_context():
    cond = {"ForAnyValue:StringEquals": {KEYS: "Department"}}
    assert with_condition(cond, {EC: "IT"}) == ALLOW


# Policy variables --------------------------------------------------------------


def test_policy_variable_is_replaced_by_the_request_value():
    cond = {"StringEquals": {"kms:EncryptionContext:user": "${aws:username}"}}
    assert with_condition(cond, {"kms:EncryptionContext:user": "Alice"}) == ALLOW


def test_policy_variable_inside_a_like_pattern_is_literal():
    cond = {"StringLike": {"kms:EncryptionContext:path": "home/${aws:username}/*"}}
    ctx = {"kms:EncryptionContext:path": "home/Alice/docs", "aws:username": "Al*"}
    assert with_condition(cond, ctx) == IMPLICIT_DENY
    assert with_condition(cond, {"kms:EncryptionContext:path": "home/Alice/docs"}) == ALLOW


def test_policy_variable_default_applies_when_the_key_is_absent():
    cond = {"StringEquals": {EC: "${aws:PrincipalTag/dept, 'IT'}"}}
    assert with_condition(cond, {EC: "IT"}) == ALLOW


def test_policy_variable_escape_stands_for_a_literal_asterisk():
    cond = {"StringLike": {EC: "a${*}b"}}
    assert with_condition(cond, {EC: "a*b"}) == ALLOW
    assert with_condition(cond, {EC: "axb"}) == IMPLICIT_DENY


def test_policy_variables_are_literal_in_version_2008():
    doc = policy(
        statement(principal=ALICE, condition={"StringEquals": {EC: "${aws:username}"}}),
        version="2008-10-17",
    )
    assert decide(doc, context={EC: "Alice"}).effect == IMPLICIT_DENY
    assert decide(doc, context={EC: "${aws:username}"}).effect == ALLOW


def test_policy_variable_in_resource_is_replaced():
    doc = policy(statement(principal=ALICE, resource="arn:aws:kms:*:${aws:PrincipalAccount}:key/*"))
    assert decide(doc).effect == ALLOW


def test_failing_condition_is_explained_in_not_matched():
    doc = policy(statement(principal=ALICE, condition={"StringEquals": {"kms:ViaService": "y"}}))
    decision = decide(doc, context={"kms:ViaService": "x"})
    assert decision.not_matched[0]["reason"] == (
        "Condition StringEquals kms:ViaService: request value 'x' does not match 'y'"
    )


def test_unknown_operator_never_holds():
    assert with_condition({"StringEqualz": {EC: "IT"}}, {EC: "IT"}) == IMPLICIT_DENY


def test_deny_condition_on_absent_key_with_negated_operator_denies():
    doc = policy(
        statement(principal=ALICE),
        statement(
            "Deny", principal="*", condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}
        ),
    )
    assert decide(doc).effect == EXPLICIT_DENY
