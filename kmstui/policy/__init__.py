"""The IAM policy language as KMS speaks it: parse, validate, evaluate.

Pure Python with no knowledge of keys or storage. The editor calls
:func:`validate_policy` on every keystroke; the KMS service calls
:func:`evaluate` on every request with a :class:`CompiledPolicy` it keeps.
"""

from .catalog import KMS_ACTIONS, ActionInfo, ConditionKey, condition_key
from .compiled import CompiledPolicy, CompiledStatement, compile_policy
from .evaluate import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Decision,
    Request,
    evaluate,
)
from .findings import (
    ACCESS_ANALYZER,
    ERROR,
    LOCAL,
    SECURITY_WARNING,
    SUGGESTION,
    WARNING,
    Finding,
    Position,
    Span,
)
from .jsonpos import Node, ParseResult
from .jsonpos import parse as parse_policy
from .lockout import lockout_safety_check
from .simulate import carried_context, simulate_case
from .validate import IDENTITY_POLICY, KEY_POLICY, kms_rejection, validate_policy

__all__ = [
    "ACCESS_ANALYZER",
    "ALLOW",
    "ERROR",
    "EXPLICIT_DENY",
    "IDENTITY_POLICY",
    "IMPLICIT_DENY",
    "KEY_POLICY",
    "KMS_ACTIONS",
    "LOCAL",
    "SECURITY_WARNING",
    "SUGGESTION",
    "WARNING",
    "ActionInfo",
    "CompiledPolicy",
    "CompiledStatement",
    "ConditionKey",
    "Decision",
    "Finding",
    "Node",
    "ParseResult",
    "Position",
    "Request",
    "Span",
    "carried_context",
    "compile_policy",
    "condition_key",
    "evaluate",
    "kms_rejection",
    "lockout_safety_check",
    "parse_policy",
    "simulate_case",
    "validate_policy",
]
