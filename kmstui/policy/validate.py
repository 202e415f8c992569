"""Live policy validation: what KMS would reject, and what else is worth saying.

ERROR findings are exactly the cases PutKeyPolicy refuses with
MalformedPolicyDocumentException (bad JSON, duplicate keys, bad or missing
elements, keys KMS does not permit in key policies, invalid principals, size,
the lockout safety check). Everything else is Access-Analyzer-style advice:
security warnings, warnings and suggestions. Every finding carries the line
and column of the text it is about. :func:`validate_policy` never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import get_close_matches

from . import jsonpos
from .advice import statement_advice
from .catalog import ACTIONS_BY_LOWER, expand_action
from .conditions_check import check_condition_block
from .findings import ERROR, SUGGESTION, WARNING, Finding, LineIndex, sort_key
from .jsonpos import ARRAY, OBJECT, STRING, Node
from .principals import is_account_id
from .wildcard import has_wildcard

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
PRINCIPAL_KEYS = ("AWS", "Service", "Federated", "CanonicalUser")
LOCKOUT_MESSAGE = "The new key policy will not allow you to update the key policy in the future."

_AWS_PRINCIPAL = re.compile(
    r"arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:(?:iam::\d{12}:(?:root|user/.+|role/.+|"
    r"federated-user/.+)|sts::\d{12}:(?:assumed-role/[^/]+/.+|federated-user/.+))\Z",
    re.DOTALL,
)
_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9][a-z0-9.-]*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com)\Z")
_IDENTITY_SID = re.compile(r"[A-Za-z0-9]*\Z")


def did_you_mean(word: str, choices, *, fold=str.lower) -> str:
    """`` Did you mean X?`` for the closest of ``choices``, or ``""``."""
    folded = {fold(c): c for c in choices}
    close = get_close_matches(fold(word), list(folded), n=1, cutoff=0.6)
    return f" Did you mean {folded[close[0]]}?" if close else ""


class Report:
    """Collects findings; turns offsets into spans only for what it reports."""

    def __init__(self, text: str):
        self.lines = LineIndex(text)
        self.findings: list[Finding] = []

    def add(self, severity: str, code: str, message: str, start: int, end: int) -> None:
        self.findings.append(Finding(severity, code, message, self.lines.span(start, end)))

    def at(self, severity: str, code: str, message: str, node: Node) -> None:
        self.add(severity, code, message, node.start, node.end)

    def at_key(self, severity: str, code: str, message: str, obj: Node, key: str) -> None:
        for name, start, end, _value in obj.pairs:
            if name == key:
                self.add(severity, code, message, start, end)
                return
        self.add(severity, code, message, obj.start, obj.start + 1)

    @property
    def has_error(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)


def _type_name(node: Node) -> str:
    return {
        "object": "an object",
        "array": "an array",
        "string": "a string",
        "number": "a number",
        "boolean": "a boolean",
        "null": "null",
    }[node.kind]


def string_items(report: Report, node: Node, element: str) -> list[Node]:
    """The string nodes of a string-or-array element, reporting wrong types."""
    if node.kind == STRING:
        return [node]
    if node.kind == ARRAY:
        items = []
        for item in node.value:
            if item.kind == STRING:
                items.append(item)
            else:
                report.at(
                    ERROR,
                    "DATA_TYPE_MISMATCH",
                    f"Each {element} entry must be a string, not {_type_name(item)}.",
                    item,
                )
        return items
    report.at(
        ERROR,
        "DATA_TYPE_MISMATCH",
        f"{element} must be a string or an array of strings, not {_type_name(node)}.",
        node,
    )
    return []


class _Validator:
    def __init__(self, text: str, policy_type: str, principal_exists):
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
        if not parsed.ok:
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
                f"A policy must be a JSON object, not {_type_name(root)}.",
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
                    f"Each statement must be an object, not {_type_name(node)}.",
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
            shown = effect.value if effect.kind == STRING else _type_name(effect)
            report.at(
                ERROR, "INVALID_EFFECT", f'Effect must be "Allow" or "Deny", not {shown!r}.', effect
            )
        self.principals(st)
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
            self.actions(*actions)
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

    def pair(self, st: Node, positive: str, negative: str, missing_code: str, missing: str):
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

    def principals(self, st: Node) -> None:
        report = self.report
        members = st.value
        has_p = "Principal" in members
        has_np = "NotPrincipal" in members
        if not self.key_policy:
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
        self.principal_value(members[element], element)

    def principal_value(self, node: Node, element: str) -> None:
        report = self.report
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
                f'{element} must be "*" or an object, not {_type_name(node)}.',
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
                    self.aws_principal(item)
                elif (
                    kind == "Service"
                    and item.value != "*"
                    and not _SERVICE_PRINCIPAL.match(item.value)
                ):
                    report.at(
                        WARNING,
                        "INVALID_SERVICE_PRINCIPAL_FORMAT",
                        f'"{item.value}" does not look like a service principal '
                        "(e.g. ec2.amazonaws.com).",
                        item,
                    )

    def aws_principal(self, node: Node) -> None:
        report = self.report
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
        if self.principal_exists is not None and not value.endswith(":root"):
            try:
                exists = self.principal_exists(value)
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

    def actions(self, element: str, node: Node) -> None:
        report = self.report
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
                    "kms:Decrypt." + self.action_hint(name),
                    item,
                )
                continue
            if service.lower() != "kms":
                if self.key_policy:
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
                    f'"{name}" is not a KMS action.' + self.action_hint(name),
                    item,
                )
            elif self.key_policy and element == "Action" and info.iam_only:
                report.at(
                    WARNING,
                    "IAM_ONLY_ACTION_IN_KEY_POLICY",
                    f"{info.name} does not act on a key, so a key policy cannot allow "
                    "it; grant it in an IAM policy.",
                    item,
                )

    @staticmethod
    def action_hint(name: str) -> str:
        candidate = name if ":" in name else f"kms:{name}"
        return did_you_mean(candidate, [a.name for a in ACTIONS_BY_LOWER.values()])


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
    validator = _Validator(text, policy_type, principal_exists)
    try:
        parsed = validator.run()
        if (
            parsed.ok
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


def kms_rejection(findings) -> Finding | None:
    """The first ERROR: what KMS rejects with MalformedPolicyDocumentException."""
    for finding in findings:
        if finding.severity == ERROR:
            return finding
    return None
