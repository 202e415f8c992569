"""Statement-level advice: checks that need a statement's whole picture.

These are security warnings and warnings about who a statement lets in and
whether its conditions can ever hold — the service principal without a
source condition, a public principal without a restricting condition, Allow
with NotPrincipal, and a condition on a key that some listed action never
carries (the seed policy's ``kms:DescribeKey`` with an encryption-context
condition).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .catalog import ActionInfo, expand_action
from .conditions import FOR_ALL, parse_operator
from .findings import SECURITY_WARNING, WARNING
from .jsonpos import ARRAY, OBJECT, STRING, Node
from .report import Report

if TYPE_CHECKING:
    from .validate import Validator

SOURCE_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"}
RESTRICTING_KEYS = {
    "kms:calleraccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:sourceip",
    "aws:vpcsourceip",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:userid",
    "aws:username",
    "aws:principalservicename",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
}


def _strings(node: Node | None) -> list[Node]:
    if node is None:
        return []
    if node.kind == STRING:
        return [node]
    if node.kind == ARRAY:
        return [n for n in node.value if n.kind == STRING]
    return []


def _condition_keys(condition: Node | None) -> tuple[set[str], list[str]]:
    """All condition keys (lowercased), and those under operators that are false
    when the key is absent (as written)."""
    every: set[str] = set()
    required: list[str] = []
    if condition is None or condition.kind != OBJECT:
        return every, required
    for op_text, _s, _e, keys in condition.pairs:
        if keys.kind != OBJECT:
            continue
        operator = parse_operator(op_text)
        strict = (
            operator is not None
            and not operator.is_null
            and not operator.negated
            and not operator.if_exists
            and operator.qualifier != FOR_ALL
        )
        for key in keys.value:
            every.add(key.lower())
            if strict:
                required.append(key)
    return every, required


def statement_advice(validator: Validator, st: Node) -> None:
    report = validator.report
    members = st.value
    effect = members.get("Effect")
    if effect is None or effect.kind != STRING or effect.value != "Allow":
        return
    keys, required = _condition_keys(members.get("Condition"))
    if "NotPrincipal" in members and validator.key_policy:
        report.at_key(
            SECURITY_WARNING,
            "ALLOW_WITH_NOT_PRINCIPAL",
            "Allow with NotPrincipal grants access to every principal not listed, "
            "including anyone outside your account; name the principals to allow "
            "instead.",
            st,
            "NotPrincipal",
        )
    principal = members.get("Principal") if validator.key_policy else None
    if principal is not None:
        _principal_advice(report, st, principal, keys)
    actions = members.get("Action")
    if actions is not None and required:
        _unsatisfiable(report, actions, required)


def _principal_advice(report: Report, st: Node, principal: Node, keys: set[str]) -> None:
    public = principal.kind == STRING and principal.value == "*"
    services: list[Node] = []
    if principal.kind == OBJECT:
        public = any(n.value == "*" for n in _strings(principal.value.get("AWS")))
        services = _strings(principal.value.get("Service"))
    if public and not keys & RESTRICTING_KEYS:
        report.at(
            SECURITY_WARNING,
            "UNRESTRICTED_PUBLIC_PRINCIPAL",
            "Principal '*' Allow without a restricting condition lets any AWS account "
            "use the key; add a condition such as kms:CallerAccount, aws:PrincipalOrgID, "
            "aws:PrincipalArn or aws:SourceVpce.",
            principal,
        )
    if services and not keys & SOURCE_KEYS:
        names = ", ".join(n.value for n in services)
        report.at(
            SECURITY_WARNING,
            "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
            f"Restrict access to the service principal {names} with an aws:SourceArn or "
            "aws:SourceAccount condition, so the service acts only for your resources.",
            services[0],
        )


def _expand(name: str) -> tuple[ActionInfo, ...] | None:
    if not name[:4].lower() == "kms:":
        return None
    return expand_action(name) or None


def _unsatisfiable(report: Report, actions: Node, required: list[str]) -> None:
    kms_keys = [k for k in required if k.lower().startswith("kms:")]
    if not kms_keys:
        return
    for item in _strings(actions):
        infos = _expand(item.value)
        if infos is None:
            continue
        for key in kms_keys:
            if any(info.supports_key(key) for info in infos):
                continue
            shown = infos[0].name if len(infos) == 1 else item.value
            if key.lower().startswith("kms:encryptioncontext"):
                message = (
                    f"{shown} is listed but carries no encryption context, so the "
                    f"{key} condition can never allow it."
                )
            else:
                message = (
                    f"{shown} requests never carry {key}, so this condition can never allow it."
                )
            report.at(WARNING, "UNSATISFIABLE_CONDITION", message, item)
