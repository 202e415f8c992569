"""Live policy validation: what KMS would reject, and what else is worth saying.

ERROR findings are exactly the cases PutKeyPolicy refuses with
MalformedPolicyDocumentException (bad JSON, duplicate keys, bad or missing
elements, keys KMS does not permit in key policies, invalid principals, size,
the lockout safety check). Everything else is Access-Analyzer-style advice:
security warnings, warnings and suggestions. Every finding carries the line
and column of the text it is about. :func:`validate_policy` never raises.

This module walks the document and its statements; each element has its own
checks: principals (:mod:`.principals_check`), actions (:mod:`.actions_check`),
conditions (:mod:`.conditions_check`) and the advice that needs a whole statement
(:mod:`.advice`). Findings are collected by :class:`.report.Report`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from . import jsonpos
from .actions_check import check_actions
from .advice import statement_advice
from .conditions_check import check_condition_block
from .findings import ERROR, WARNING, Finding, sort_key
from .jsonpos import ARRAY, OBJECT, STRING, Node
from .principals_check import check_principals
from .report import Report, did_you_mean, string_items, type_name

KEY_POLICY = "KEY_POLICY"
IDENTITY_POLICY = "IDENTITY_POLICY"

MAX_KEY_POLICY_BYTES = 32768
VERSIONS = ("2012-10-17", "2008-10-17")
POLICY_ELEMENTS = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
LOCKOUT_MESSAGE = "The new key policy will not allow you to update the key policy in the future."

_IDENTITY_SID = re.compile(r"[A-Za-z0-9]*\Z")


class Validator:
    def __init__(
        self, text: str, policy_type: str, principal_exists: Callable[[str], bool | None] | None
    ):
        self.text = text
        self.report = Report(text)
        self.key_policy = policy_type != IDENTITY_POLICY
        self.principal_exists = principal_exists
        self.version: str | None = None

    def run(self) -> jsonpos.ParseResult:
        text = self.text
        report = self.report
        if self.key_policy and len(text) * 4 > MAX_KEY_POLICY_BYTES:
            size = len(text.encode("utf-8", "surrogatepass"))
            if size > MAX_KEY_POLICY_BYTES:
                report.add(
                    ERROR,
                    "POLICY_SIZE_EXCEEDED",
                    f"The key policy is {size:,} bytes; KMS accepts at most "
                    f"{MAX_KEY_POLICY_BYTES:,}.",
                    0,
                    len(text),
                )
        parsed = jsonpos.parse(text)
        for dup in parsed.duplicates:
            first = report.lines.position(dup.first_start)
            report.add(
                ERROR,
                "DUPLICATE_KEYS",
                f'Duplicate key "{dup.key}" (first at line {first.line}, column '
                f"{first.column}); KMS rejects policies with repeated keys.",
                dup.start,
                dup.end,
            )
        if parsed.root is None:  # not JSON
            offset = parsed.error_offset
            report.add(
                ERROR,
                "JSON_SYNTAX_ERROR",
                f"JSON syntax error: {parsed.error}.",
                offset,
                min(offset + 1, len(text)),
            )
            return parsed
        self.document(parsed.root)
        return parsed

    def document(self, root: Node) -> None:
        report = self.report
        if root.kind != OBJECT:
            report.at(
                ERROR,
                "DATA_TYPE_MISMATCH",
                f"A policy must be a JSON object, not {type_name(root)}.",
                root,
            )
            return
        for name, start, end, _value in root.pairs:
            if name not in POLICY_ELEMENTS:
                report.add(
                    ERROR,
                    "INVALID_POLICY_ELEMENT",
                    f'"{name}" is not a policy element.' + did_you_mean(name, POLICY_ELEMENTS),
                    start,
                    end,
                )
        members = root.value
        version = members.get("Version")
        if version is None:
            report.add(
                WARNING,
                "MISSING_VERSION",
                'Add "Version": "2012-10-17"; without it policy variables are not substituted.',
                root.start,
                root.start + 1,
            )
        elif version.kind != STRING:
            report.at(ERROR, "DATA_TYPE_MISMATCH", "Version must be a string.", version)
        elif version.value not in VERSIONS:
            report.at(
                ERROR,
                "INVALID_VERSION",
                f'Version "{version.value}" is not valid; use "2012-10-17".',
                version,
            )
        else:
            self.version = version.value
        policy_id = members.get("Id")
        if policy_id is not None and policy_id.kind != STRING:
            report.at(ERROR, "DATA_TYPE_MISMATCH", "Id must be a string.", policy_id)
        statement = members.get("Statement")
        if statement is None:
            report.add(
                ERROR,
                "MISSING_STATEMENT",
                "The policy has no Statement element.",
                root.start,
                root.start + 1,
            )
            return
        if statement.kind == OBJECT:
            statements = [statement]
        elif statement.kind == ARRAY:
            statements = statement.value
            if not statements and self.key_policy:  # KMS refuses a key policy stating nothing
                report.at(
                    ERROR, "EMPTY_STATEMENT", "The policy's Statement list is empty.", statement
                )
                return
        else:
            report.at(
                ERROR,
                "DATA_TYPE_MISMATCH",
                "Statement must be an object or an array of objects.",
                statement,
            )
            return
        for node in statements:
            if node.kind != OBJECT:
                report.at(
                    ERROR,
                    "DATA_TYPE_MISMATCH",
                    f"Each statement must be an object, not {type_name(node)}.",
                    node,
                )
                continue
            self.statement(node)

    def statement(self, st: Node) -> None:
        report = self.report
        members = st.value
        for name, start, end, _value in st.pairs:
            if name not in STATEMENT_ELEMENTS:
                report.add(
                    ERROR,
                    "INVALID_POLICY_ELEMENT",
                    f'"{name}" is not a statement element.'
                    + did_you_mean(name, STATEMENT_ELEMENTS),
                    start,
                    end,
                )
        sid = members.get("Sid")
        if sid is not None:
            if sid.kind != STRING:
                report.at(ERROR, "DATA_TYPE_MISMATCH", "Sid must be a string.", sid)
            elif not self.key_policy and not _IDENTITY_SID.match(sid.value):
                report.at(
                    ERROR,
                    "UNSUPPORTED_SID",
                    "In an IAM policy a Sid may contain only letters and digits.",
                    sid,
                )
        effect = members.get("Effect")
        if effect is None:
            report.add(
                ERROR,
                "MISSING_EFFECT",
                "The statement has no Effect element.",
                st.start,
                st.start + 1,
            )
        elif effect.kind != STRING or effect.value not in ("Allow", "Deny"):
            shown = effect.value if effect.kind == STRING else type_name(effect)
            report.at(
                ERROR, "INVALID_EFFECT", f'Effect must be "Allow" or "Deny", not {shown!r}.', effect
            )
        check_principals(self, st)
        actions = self.pair(
            st,
            "Action",
            "NotAction",
            "MISSING_ACTION",
            "The statement has no Action or NotAction, so it never applies.",
        )
        self.pair(
            st,
            "Resource",
            "NotResource",
            "MISSING_RESOURCE",
            "The statement has no Resource or NotResource, so it never applies.",
        )
        if actions is not None:
            check_actions(self, *actions)
        for element in ("Resource", "NotResource"):
            node = members.get(element)
            if node is not None:
                for item in string_items(report, node, element):
                    self.variables_allowed(item)
        condition = members.get("Condition")
        if condition is not None:
            check_condition_block(self, condition)
        statement_advice(self, st)

    def variables_allowed(self, node: Node) -> None:
        if "${" in node.value and self.version != "2012-10-17":
            self.report.at(
                WARNING,
                "VARIABLE_UNSUPPORTED_IN_VERSION",
                'Policy variables are only substituted with "Version": '
                '"2012-10-17"; here the text is literal.',
                node,
            )

    def pair(
        self, st: Node, positive: str, negative: str, missing_code: str, missing: str
    ) -> tuple[str, Node] | None:
        members = st.value
        if positive in members and negative in members:
            self.report.at_key(
                ERROR,
                "UNSUPPORTED_ELEMENT_COMBINATION",
                f"{positive} and {negative} cannot be used in the same statement.",
                st,
                negative,
            )
            return None
        if positive in members:
            return positive, members[positive]
        if negative in members:
            return negative, members[negative]
        self.report.add(WARNING, missing_code, missing, st.start, st.start + 1)
        return None


def validate_policy(
    text: str,
    *,
    policy_type: str = KEY_POLICY,
    caller: str | None = None,
    bypass_policy_lockout_safety_check: bool = False,
    principal_exists: Callable[[str], bool | None] | None = None,
) -> list[Finding]:
    """Findings for ``text``, sorted by position. Never raises."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    validator = Validator(text, policy_type, principal_exists)
    try:
        parsed = validator.run()
        if (
            parsed.root is not None
            and caller
            and not bypass_policy_lockout_safety_check
            and validator.key_policy
            and parsed.root.kind == OBJECT
        ):
            _lockout(validator.report, parsed.root, caller)
    except Exception as exc:  # defensive: the editor calls this on every keystroke
        validator.report.add(
            WARNING,
            "VALIDATOR_FAILURE",
            f"The validator could not finish: {type(exc).__name__}: {exc}",
            0,
            min(1, len(text)),
        )
    findings = validator.report.findings
    findings.sort(key=sort_key)
    return findings


def _lockout(report: Report, root: Node, caller: str) -> None:
    from .compiled import CompiledPolicy
    from .lockout import lockout_safety_check

    if not lockout_safety_check(CompiledPolicy(root.to_python()), caller):
        statement = root.value.get("Statement")
        if statement is not None:
            report.at_key(
                ERROR,
                "POLICY_LOCKOUT",
                LOCKOUT_MESSAGE + f" It does not let {caller} call kms:PutKeyPolicy.",
                root,
                "Statement",
            )
        else:
            report.add(ERROR, "POLICY_LOCKOUT", LOCKOUT_MESSAGE, root.start, root.start + 1)


def kms_rejection(findings: Iterable[Finding]) -> Finding | None:
    """The first ERROR: what KMS rejects with MalformedPolicyDocumentException."""
    for finding in findings:
        if finding.severity == ERROR:
            return finding
    return None
