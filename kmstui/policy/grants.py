"""Grants: the third source of permission, and one that can only allow.

A grant applies when its grantee is the caller (a role grantee covers the
role's sessions), the operation is among its Operations, and its constraint
holds against the request's encryption context — which the request context
carries as ``kms:EncryptionContext:<key>`` entries. The retiring principal
may also retire the grant.
"""

from __future__ import annotations

from .principals import ParsedPrincipal, grantee_matches

_EC_PREFIX = "kms:encryptioncontext:"


def encryption_context(context: dict) -> dict[str, str]:
    """The request's encryption context, keys in their original case."""
    cut = len(_EC_PREFIX)
    return {
        k[cut:]: v for k, v in context.items() if len(k) > cut and k[:cut].lower() == _EC_PREFIX
    }


def grant_miss(grant: dict, caller: ParsedPrincipal, action: str, context: dict) -> str | None:
    """``None`` when ``grant`` allows ``action`` for ``caller``, else why not."""
    if not isinstance(grant, dict):
        return "the grant is not a grant object"
    operation = action.split(":", 1)[1] if ":" in action else action
    op_lower = operation.lower()
    if op_lower == "retiregrant" and grantee_matches(grant.get("RetiringPrincipal"), caller):
        return None
    grantee = grant.get("GranteePrincipal")
    if not grantee_matches(grantee, caller):
        return f"GranteePrincipal {grantee} is not the caller"
    operations = grant.get("Operations") or []
    if not any(isinstance(o, str) and o.lower() == op_lower for o in operations):
        return f"Operations do not include {operation}"
    constraints = grant.get("Constraints") or {}
    if not isinstance(constraints, dict):
        return "Constraints are malformed"
    equals = constraints.get("EncryptionContextEquals")
    subset = constraints.get("EncryptionContextSubset")
    if equals is None and subset is None:
        return None
    request_ec = encryption_context(context)
    if equals is not None:
        if not isinstance(equals, dict) or request_ec != equals:
            return (
                f"EncryptionContextEquals {equals!r} is not the request's encryption "
                f"context {request_ec!r}"
            )
    if subset is not None:
        if not isinstance(subset, dict):
            return "EncryptionContextSubset is malformed"
        missing = {k: v for k, v in subset.items() if request_ec.get(k) != v}
        if missing:
            return (
                f"EncryptionContextSubset pairs {missing!r} are not in the request's "
                f"encryption context {request_ec!r}"
            )
    return None
