"""Validation of a statement's Principal or NotPrincipal: the element's shape, the
principal types, the form of AWS and service principals, wildcards, and (where the
engine can tell) principals that do not exist, as KMS refuses them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .findings import ERROR, WARNING
from .jsonpos import OBJECT, STRING, Node
from .principals import is_account_id
from .report import did_you_mean, string_items, type_name
from .wildcard import has_wildcard

if TYPE_CHECKING:
    from .validate import Validator

PRINCIPAL_KEYS = ("AWS", "Service", "Federated", "CanonicalUser")

_AWS_PRINCIPAL = re.compile(
    r"arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:(?:iam::\d{12}:(?:root|user/.+|role/.+|"
    r"federated-user/.+)|sts::\d{12}:(?:assumed-role/[^/]+/.+|federated-user/.+))\Z",
    re.DOTALL,
)
_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9][a-z0-9.-]*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com)\Z")


def check_principals(validator: Validator, st: Node) -> None:
    """The Principal or NotPrincipal of a statement (an identity policy has neither)."""
    report = validator.report
    members = st.value
    has_p = "Principal" in members
    has_np = "NotPrincipal" in members
    if not validator.key_policy:
        for element in ("Principal", "NotPrincipal"):
            if element in members:
                report.at_key(
                    ERROR,
                    "UNSUPPORTED_PRINCIPAL",
                    f"An identity policy cannot have a {element} element; it "
                    "applies to the identity it is attached to.",
                    st,
                    element,
                )
        return
    if has_p and has_np:
        report.at_key(
            ERROR,
            "UNSUPPORTED_ELEMENT_COMBINATION",
            "Principal and NotPrincipal cannot be used in the same statement.",
            st,
            "NotPrincipal",
        )
        return
    if not (has_p or has_np):
        report.add(
            ERROR,
            "MISSING_PRINCIPAL",
            "Statement has no Principal: each statement of a key policy must name "
            "one or more principals.",
            st.start,
            st.start + 1,
        )
        return
    element = "Principal" if has_p else "NotPrincipal"
    _principal_value(validator, members[element], element)


def _principal_value(validator: Validator, node: Node, element: str) -> None:
    report = validator.report
    if node.kind == STRING:
        if node.value != "*":
            report.at(
                ERROR,
                "INVALID_PRINCIPAL_FORMAT",
                f'{element} must be "*" or an object such as '
                '{"AWS": "arn:aws:iam::111122223333:root"}.',
                node,
            )
        return
    if node.kind != OBJECT:
        report.at(
            ERROR,
            "DATA_TYPE_MISMATCH",
            f'{element} must be "*" or an object, not {type_name(node)}.',
            node,
        )
        return
    if not node.pairs:
        report.at(ERROR, "INVALID_PRINCIPAL_FORMAT", f"{element} names no principal.", node)
    for kind, start, end, value in node.pairs:
        if kind not in PRINCIPAL_KEYS:
            report.add(
                ERROR,
                "INVALID_PRINCIPAL_KEY",
                f'"{kind}" is not a principal type (AWS, Service, Federated, '
                "CanonicalUser)." + did_you_mean(kind, PRINCIPAL_KEYS),
                start,
                end,
            )
            continue
        for item in string_items(report, value, f"{element} {kind}"):
            if kind == "AWS":
                _aws_principal(validator, item)
            elif (
                kind == "Service" and item.value != "*" and not _SERVICE_PRINCIPAL.match(item.value)
            ):
                report.at(
                    WARNING,
                    "INVALID_SERVICE_PRINCIPAL_FORMAT",
                    f'"{item.value}" does not look like a service principal '
                    "(e.g. ec2.amazonaws.com).",
                    item,
                )


def _aws_principal(validator: Validator, node: Node) -> None:
    report = validator.report
    value = node.value
    if value == "*" or is_account_id(value):
        return
    if not _AWS_PRINCIPAL.match(value):
        report.at(
            ERROR,
            "INVALID_PRINCIPAL_FORMAT",
            f'"{value}" is not a valid AWS principal: use an account ID, '
            "arn:aws:iam::ACCOUNT:root, or a user, role or session ARN.",
            node,
        )
        return
    if has_wildcard(value):
        report.at(
            ERROR,
            "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
            f'"{value}": wildcards are not allowed in principal ARNs; use "*" '
            "with an aws:PrincipalArn condition instead.",
            node,
        )
        return
    if validator.principal_exists is not None and not value.endswith(":root"):
        try:
            exists = validator.principal_exists(value)
        except Exception:  # a broken lookup must not break the editor
            exists = None
        if exists is False:
            report.at(
                ERROR,
                "INVALID_PRINCIPAL",
                f"Policy contains a statement with one or more invalid principals: "
                f'"{value}" does not exist.',
                node,
            )
