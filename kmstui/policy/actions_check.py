"""Validation of a statement's Action or NotAction: the service:Operation form, KMS
actions by name (with a did-you-mean), wildcards that match none, actions of other
services, and IAM-only actions a key policy cannot allow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .catalog import ACTIONS_BY_LOWER, expand_action
from .findings import SUGGESTION, WARNING
from .jsonpos import Node
from .report import did_you_mean, string_items
from .wildcard import has_wildcard

if TYPE_CHECKING:
    from .validate import Validator


def check_actions(validator: Validator, element: str, node: Node) -> None:
    """The Action or NotAction of a statement: each a KMS action, or said why not."""
    report = validator.report
    for item in string_items(report, node, element):
        name = item.value
        if name == "*":
            continue
        service, sep, operation = name.partition(":")
        if not sep or not service or not operation:
            report.at(
                WARNING,
                "INVALID_ACTION",
                f'"{name}" is not an action: use service:Operation, e.g. '
                "kms:Decrypt." + _action_hint(name),
                item,
            )
            continue
        if service.lower() != "kms":
            if validator.key_policy:
                report.at(
                    SUGGESTION,
                    "ACTION_NOT_FOR_KMS",
                    f'"{name}" is not a KMS action; in a key policy it has no effect.',
                    item,
                )
            continue
        lower = name.lower()
        if has_wildcard(name):
            if not expand_action(lower):
                report.at(WARNING, "INVALID_ACTION", f'"{name}" matches no KMS action.', item)
            continue
        info = ACTIONS_BY_LOWER.get(lower)
        if info is None:
            report.at(
                WARNING,
                "INVALID_ACTION",
                f'"{name}" is not a KMS action.' + _action_hint(name),
                item,
            )
        elif validator.key_policy and element == "Action" and info.iam_only:
            report.at(
                WARNING,
                "IAM_ONLY_ACTION_IN_KEY_POLICY",
                f"{info.name} does not act on a key, so a key policy cannot allow "
                "it; grant it in an IAM policy.",
                item,
            )


def _action_hint(name: str) -> str:
    candidate = name if ":" in name else f"kms:{name}"
    return did_you_mean(candidate, [a.name for a in ACTIONS_BY_LOWER.values()])
