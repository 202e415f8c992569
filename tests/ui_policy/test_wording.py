"""The words the panes use: counts, encryption contexts, grants, diffs, decisions."""

from __future__ import annotations

import json

import pytest

from kmstui.policy import Finding, Position, Span
from kmstui.policy.evaluate import Decision
from kmstui.ui.grants.format import describe_constraints, grant_label, short_principal
from kmstui.ui.policy.diff import diff_stats, render_diff, unified_diff
from kmstui.ui.policy.findings_table import summarize
from kmstui.ui.policy.pane import display_text
from kmstui.ui.policy.simulate import (
    ContextSyntaxError,
    describe_decision,
    parse_encryption_context,
)


def finding(severity: str) -> Finding:
    return Finding(severity, "CODE", "message", Span(Position(1, 1), Position(1, 2)))


def test_summary_counts_each_severity_in_words():
    findings = [
        finding("ERROR"),
        finding("ERROR"),
        finding("WARNING"),
        finding("SECURITY_WARNING"),
        finding("SUGGESTION"),
        finding("WARNING"),
        finding("WARNING"),
    ]
    assert summarize(findings) == "2 errors, 1 security warning, 3 warnings, 1 suggestion"
    assert summarize([finding("WARNING")]) == "1 warning"
    assert summarize([]) == "No findings"


def test_encryption_context_is_read_from_key_value_pairs():
    assert parse_encryption_context("") == {}
    assert parse_encryption_context(" a=1 , b = two ,") == {"a": "1", "b": "two"}
    assert parse_encryption_context("aws:ec2:arn=arn:aws:ec2:x=y") == {
        "aws:ec2:arn": "arn:aws:ec2:x=y"
    }
    with pytest.raises(ContextSyntaxError):
        parse_encryption_context("a=1,b")
    with pytest.raises(ContextSyntaxError):
        parse_encryption_context("=1")


def test_a_one_line_policy_is_laid_out_for_editing_and_others_are_kept():
    one_line = json.dumps({"Version": "2012-10-17", "Statement": []})
    laid_out, changed = display_text(one_line)
    assert changed and laid_out == json.dumps(json.loads(one_line), indent=2) + "\n"
    assert display_text(laid_out) == (laid_out, False)
    assert display_text("{not json") == ("{not json", False)


def test_diff_is_readable_without_colour():
    lines = unified_diff("a\nb\n", "a\nc\n", stored_name="stored", edited_name="edited")
    assert lines == ["--- stored", "+++ edited", "@@ -1,2 +1,2 @@", " a", "-b", "+c"]
    assert diff_stats(lines) == (1, 1)
    assert render_diff(lines).plain == "\n".join(lines)


def test_principals_in_the_key_account_are_shortened():
    assert short_principal("arn:aws:iam::111122223333:role/app", "111122223333") == "role/app"
    assert short_principal("arn:aws:iam::444455556666:user/p", "111122223333") == (
        "444455556666:user/p"
    )
    assert short_principal("ec2.amazonaws.com", "111122223333") == "ec2.amazonaws.com"
    assert short_principal(None, "111122223333") == "—"
    # EBS's grantee for an instance's infrastructure session, as CloudTrail shows it
    ebs = "111122223333:aws:ec2-infrastructure:i-0ab"
    assert short_principal(ebs, "111122223333") == "aws:ec2-infrastructure:i-0ab"
    assert short_principal(ebs, "444455556666") == ebs


def test_constraints_and_labels_read_as_words():
    assert describe_constraints(None) == "none"
    assert describe_constraints({"EncryptionContextEquals": {"b": "2", "a": "1"}}) == (
        "Equals a=1,b=2"
    )
    assert describe_constraints({"EncryptionContextSubset": {"k": "v"}}) == "Subset k=v"
    assert grant_label({"GrantId": "0123456789abcdef", "Name": "n"}) == "n (01234567…)"


def test_a_decision_names_what_decided_and_why_the_rest_missed():
    decision = Decision(
        "ExplicitDeny",
        matched=[
            {"source": "key-policy", "statement": "Deny it", "effect": "Deny"},
            {"source": "key-policy", "statement": 0, "effect": "Allow"},
        ],
        not_matched=[
            {"source": "grant", "grant_id": "abcdef0123456789", "reason": "grantee differs"}
        ],
        reason="with an explicit deny in a resource-based policy",
        decisive=[{"source": "key-policy", "statement": "Deny it", "effect": "Deny"}],
    )
    assert describe_decision(decision).plain == "\n".join(
        [
            "ExplicitDeny",
            "Decided by:",
            '  key policy statement "Deny it"',
            "Why: with an explicit deny in a resource-based policy",
            "Also matched:",
            "  key policy statement #0 (Allow)",
            "Did not match:",
            "  grant abcdef01: grantee differs",
        ]
    )
