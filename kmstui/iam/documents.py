"""The policy documents IAM accepts (identity policies, role trust policies): their
checks, in IAM's words, and the size IAM counts against its quotas."""

from __future__ import annotations

from kmstui.errors import iam_error
from kmstui.iam import names
from kmstui.iam.service import IamService
from kmstui.policy import IDENTITY_POLICY, KEY_POLICY, validate_policy

POLICY_DOCUMENT_MAX = 131072

# Findings IAM rejects in addition to the validator's errors.
_IDENTITY_REJECTS = frozenset({"MISSING_ACTION", "MISSING_RESOURCE"})
_TRUST_REJECTS = frozenset({"MISSING_ACTION"})


def check_policy(text: str, *, trust: bool = False, svc: IamService | None = None) -> None:
    """Raise MalformedPolicyDocument for the first error, with where it is."""
    if trust:
        findings = validate_policy(
            text, policy_type=KEY_POLICY, principal_exists=svc.principal_exists if svc else None
        )
        rejects = _TRUST_REJECTS
    else:
        findings = validate_policy(text, policy_type=IDENTITY_POLICY)
        rejects = _IDENTITY_REJECTS
    for finding in findings:
        if finding.severity == "ERROR" or finding.code in rejects:
            start = finding.span.start
            raise iam_error(
                "MalformedPolicyDocument",
                f"{finding.message} (line {start.line}, column {start.column})",
                400,
            )


def policy_size(text: str) -> int:
    """Characters IAM counts against inline-policy quotas (whitespace is free)."""
    return sum(1 for ch in text if not ch.isspace())


def policy_document(params: dict, member: str = "PolicyDocument") -> str:
    text = names.string(params, member, max_len=POLICY_DOCUMENT_MAX)
    assert text is not None
    return text
