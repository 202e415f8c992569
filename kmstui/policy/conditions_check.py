"""Validation of Condition blocks: operators, keys, types and values.

Split from :mod:`validate` because conditions carry most of the rules: the
operator must exist, the key should be one KMS or IAM knows (key policies
refuse some outright), the operator should suit the key's type, multi-valued
keys want a set qualifier, and values should parse as the operator expects.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import variables
from .catalog import (
    ARN,
    BOOL,
    DATE,
    GLOBAL_CONDITION_KEYS,
    IP,
    KEY_POLICY_FORBIDDEN_PREFIXES,
    KMS_CONDITION_KEYS,
    NUMERIC,
    STRING,
    condition_key,
)
from .conditions import (
    FOR_ALL,
    OPERATORS,
    OperatorName,
    _ip_network,
    parse_date,
    parse_operator,
)
from .findings import ERROR, WARNING
from .jsonpos import ARRAY, BOOLEAN, NUMBER, OBJECT, Node
from .jsonpos import STRING as JSON_STRING
from .report import Report, did_you_mean

if TYPE_CHECKING:
    from .validate import Validator

# String keys accept ARN operators: many (kms:EncryptionContext:aws:ec2:arn,
# aws:SourceArn in older docs) hold ARNs, and IAM compares them per component.
_COMPATIBLE = {
    STRING: {"String", "ARN"},
    ARN: {"ARN", "String"},
    BOOL: {"Bool"},
    NUMERIC: {"Numeric"},
    DATE: {"Date"},
    IP: {"IPAddress"},
}
_KIND_WORDS = {
    "String": "strings",
    "ARN": "ARNs",
    "Bool": "true or false",
    "Numeric": "numbers",
    "Date": "dates",
    "IPAddress": "IP addresses or CIDR ranges",
    "Binary": "base64 data",
}
_EQUALS_OPERATORS = {
    "stringequals",
    "stringnotequals",
    "stringequalsignorecase",
    "stringnotequalsignorecase",
}
_VIA_SERVICE_NO_REGION = re.compile(r"[a-z0-9-]+\.amazonaws\.com\Z")
_SCALARS = (JSON_STRING, NUMBER, BOOLEAN)
_OPERATOR_NAMES = [entry[0] for entry in OPERATORS.values()]


def _value_nodes(report: Report, node: Node) -> list[Node]:
    if node.kind in _SCALARS:
        return [node]
    if node.kind == ARRAY:
        items = []
        for item in node.value:
            if item.kind in _SCALARS:
                items.append(item)
            else:
                report.at(
                    ERROR,
                    "DATA_TYPE_MISMATCH",
                    "Condition values must be strings, numbers or booleans.",
                    item,
                )
        return items
    report.at(
        ERROR,
        "DATA_TYPE_MISMATCH",
        "A condition value must be a string, number, boolean or an array of them.",
        node,
    )
    return []


def _text(node: Node) -> str:
    if node.kind == BOOLEAN:
        return "true" if node.value else "false"
    return node.value if node.kind == JSON_STRING else str(node.value)


def check_condition_block(validator: Validator, node: Node) -> None:

    report = validator.report
    if node.kind != OBJECT:
        report.at(ERROR, "DATA_TYPE_MISMATCH", "Condition must be an object of operators.", node)
        return
    for op_text, start, end, keys in node.pairs:
        operator = parse_operator(op_text)
        if operator is None:
            report.add(
                ERROR,
                "INVALID_CONDITION_OPERATOR",
                f'"{op_text}" is not a condition operator.'
                + did_you_mean(op_text.split(":")[-1], _OPERATOR_NAMES),
                start,
                end,
            )
        if keys.kind != OBJECT:
            report.at(
                ERROR,
                "DATA_TYPE_MISMATCH",
                f"The {op_text} operator takes an object of condition keys.",
                keys,
            )
            continue
        for key, kstart, kend, values in keys.pairs:
            items = _value_nodes(report, values)
            if operator is not None:
                _check_key(validator, operator, key, kstart, kend, items)


def _check_key(
    validator: Validator, operator: OperatorName, key: str, start: int, end: int, items: list[Node]
) -> None:

    report = validator.report
    lower = key.lower()
    if validator.key_policy:
        for prefix, name in KEY_POLICY_FORBIDDEN_PREFIXES.items():
            if lower == prefix or (prefix.endswith("/") and lower.startswith(prefix)):
                report.add(
                    ERROR,
                    "KEY_NOT_PERMITTED_IN_KEY_POLICY",
                    f"These condition keys are not permitted in a key policy: {name}. "
                    "Use them in IAM policies.",
                    start,
                    end,
                )
                return
    info = condition_key(key)
    if info is None:
        service, sep, _rest = key.partition(":")
        if not sep:
            report.add(
                WARNING,
                "INVALID_CONDITION_KEY_FORMAT",
                f'"{key}" is not a condition key: use service:Name, e.g. kms:ViaService.',
                start,
                end,
            )
        elif service.lower() in ("kms", "aws"):
            table = KMS_CONDITION_KEYS if service.lower() == "kms" else GLOBAL_CONDITION_KEYS
            names = [k.name for k in table.values()]
            code = (
                "INVALID_SERVICE_CONDITION_KEY"
                if service.lower() == "kms"
                else "INVALID_GLOBAL_CONDITION_KEY"
            )
            report.add(
                WARNING,
                code,
                f'"{key}" is not a {service.lower()}: condition key; a request never '
                "carries it." + did_you_mean(key, names),
                start,
                end,
            )
    if operator.is_null:
        if operator.if_exists:
            report.add(
                WARNING,
                "NULL_WITH_IF_EXISTS",
                "Null already tests whether the key exists; IfExists makes no sense with it.",
                start,
                end,
            )
        for item in items:
            if _text(item).lower() not in ("true", "false"):
                report.at(
                    WARNING,
                    "INVALID_CONDITION_VALUE",
                    "Null takes true (the key is absent) or false (it is present).",
                    item,
                )
        return
    family = operator.family
    assert family is not None  # every operator but Null compares values of a family
    if info is not None:
        allowed = _COMPATIBLE.get(info.type, {info.type})
        if lower == "aws:epochtime":
            allowed = {"Date", "Numeric"}
        if family.value_kind not in allowed:
            report.add(
                WARNING,
                "MISMATCHED_TYPE",
                f"{operator.canonical} compares {_KIND_WORDS[family.value_kind]}, but "
                f"{key} holds {_KIND_WORDS.get(info.type, info.type)}.",
                start,
                end,
            )
        if info.multivalued and operator.qualifier is None:
            report.add(
                WARNING,
                "MISSING_SET_QUALIFIER",
                f"{key} holds a set of values; use ForAnyValue: or ForAllValues: with "
                f"{operator.canonical}.",
                start,
                end,
            )
        elif not info.multivalued and operator.qualifier is not None:
            code = (
                "FOR_ALL_VALUES_WITH_SINGLE_VALUED_KEY"
                if operator.qualifier == FOR_ALL
                else "FOR_ANY_VALUE_WITH_SINGLE_VALUED_KEY"
            )
            report.add(
                WARNING,
                code,
                f"{key} holds a single value; drop the {operator.qualifier}: qualifier.",
                start,
                end,
            )
    for item in items:
        _check_value(validator, operator, lower, item)


def _check_value(validator: Validator, operator: OperatorName, key_lower: str, item: Node) -> None:
    report = validator.report
    text = _text(item)
    literal = text
    if "${" in text:
        if validator.version != "2012-10-17":
            report.at(
                WARNING,
                "VARIABLE_UNSUPPORTED_IN_VERSION",
                'Policy variables are only substituted with "Version": '
                '"2012-10-17"; here the text is literal.',
                item,
            )
        else:
            literal = "".join(p[1] for p in variables.split(text) if p[0] == variables.LITERAL)
    base = operator.base
    assert operator.family is not None  # Null's values were checked by _check_key
    kind = operator.family.value_kind
    if base in _EQUALS_OPERATORS and ("*" in literal or "?" in literal):
        like = operator.canonical.replace("Equals", "Like").replace("IgnoreCase", "")
        report.at(
            WARNING,
            "WILDCARD_WITHOUT_LIKE_OPERATOR",
            f"{operator.canonical} compares literally, so '*' and '?' in {text!r} are "
            f"not wildcards; use {like} to match a pattern.",
            item,
        )
    if key_lower == "kms:viaservice" and kind == "String" and _VIA_SERVICE_NO_REGION.match(text):
        service = text.split(".", 1)[0]
        report.at(
            WARNING,
            "VIA_SERVICE_WITHOUT_REGION",
            f"kms:ViaService value '{text}' has no Region; real values look like "
            f"{service}.us-east-1.amazonaws.com.",
            item,
        )
    if "${" in text:
        return
    problem = None
    if kind == "Numeric":
        try:
            float(text)
        except ValueError:
            problem = "a number"
    elif kind == "Date" and parse_date(text) is None:
        problem = "a date (ISO 8601, e.g. 2025-01-31T00:00:00Z) or epoch seconds"
    elif kind == "Bool" and text.lower() not in ("true", "false"):
        problem = "true or false"
    elif kind == "IPAddress" and _ip_network(text) is None:
        problem = "an IP address or CIDR range"
    elif kind == "ARN" and text != "*" and len(text.split(":", 5)) != 6:
        problem = "an ARN (arn:partition:service:region:account:resource)"
    if problem:
        report.at(
            WARNING,
            "INVALID_CONDITION_VALUE",
            f"{operator.canonical} expects {problem}, not {text!r}.",
            item,
        )
