"""How a grant reads in the table: short ids, constraints and times as words."""

from __future__ import annotations

from datetime import UTC, datetime

SHORT_ID = 8


def short_id(grant_id: str) -> str:
    return grant_id if len(grant_id) <= SHORT_ID else grant_id[:SHORT_ID] + "…"


def context_pairs(context: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(context.items()))


def describe_constraints(constraints: dict | None) -> str:
    """``Equals aws:ebs:id=vol-1``, ``Subset k=v,k2=v2`` or ``none``."""
    if not constraints:
        return "none"
    if "EncryptionContextEquals" in constraints:
        return "Equals " + context_pairs(constraints["EncryptionContextEquals"])
    if "EncryptionContextSubset" in constraints:
        return "Subset " + context_pairs(constraints["EncryptionContextSubset"])
    return "none"


def created(value) -> str:
    """An epoch time (as the AWS JSON protocol has it) in UTC, to the minute."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M")
    return str(value or "")


def grant_label(grant: dict) -> str:
    """A grant as a sentence names it: its name if it has one, and its short id."""
    name = grant.get("Name")
    ident = short_id(grant["GrantId"])
    return f"{name} ({ident})" if name else ident


def short_principal(principal: str | None, account: str) -> str:
    """An IAM ARN in ``account`` as its resource (``role/app-role``), one in another
    account as ``444455556666:user/partner``; EBS's grantee for an instance
    (``111122223333:aws:ec2-infrastructure:i-0ab…``) in ``account`` without the
    account; anything else as it is."""
    if not principal:
        return "—"
    parts = principal.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[2] in ("iam", "sts"):
        return parts[5] if parts[4] == account else f"{parts[4]}:{parts[5]}"
    if principal.startswith(f"{account}:aws:"):
        return principal[len(account) + 1 :]
    return principal


def grant_details(grant: dict) -> str:
    """Every field of a grant, one per line, in full."""
    constraints = grant.get("Constraints") or {}
    lines = [
        f"GrantId: {grant['GrantId']}",
        f"Name: {grant.get('Name') or '—'}",
        f"GranteePrincipal: {grant.get('GranteePrincipal', '')}",
        f"RetiringPrincipal: {grant.get('RetiringPrincipal') or '—'}",
        f"Operations: {', '.join(grant.get('Operations', []))}",
    ]
    for kind in ("EncryptionContextEquals", "EncryptionContextSubset"):
        if kind in constraints:
            lines.append(f"Constraints: {kind} {context_pairs(constraints[kind])}")
    if not constraints:
        lines.append("Constraints: none")
    lines.append(
        f"IssuingAccount: {grant.get('IssuingAccount') or '—'}   "
        f"Created: {created(grant.get('CreationDate'))} UTC"
    )
    return "\n".join(lines)
