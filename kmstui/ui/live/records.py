"""How a CloudTrail-shaped event reads in one row: time, operation, principal, key,
encryption context, decision and what decided it; and the filter a person types
(``op:Decrypt key:ebs by:ec2-infrastructure denied``).

Nothing here imports Textual: the monitor, the volume detail and the demo all use it,
and tests check it without a screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kmstui.ui.own_calls import CONSOLE_USER_AGENT, console_read

GRANT_ID = re.compile(r"^[0-9a-f]{64}$")
KEY_ARN = re.compile(r"^arn:aws:kms:[^:]*:[^:]*:key/(.+)$")

# Events EC2 emits for a volume's data key; the monitor marks them like KMS calls.
DATA_KEY_EVENTS = ("DataKeyLoaded", "DataKeyWiped")
EC2_SOURCE = "ec2.amazonaws.com"


@dataclass(frozen=True, slots=True)
class EventRow:
    """One event as the monitor lists it (every field already plain text)."""

    time: str
    operation: str
    principal: str
    key: str
    context: str
    outcome: str
    decided_by: str
    denied: bool
    error: bool


def principal_of(record: dict) -> str:
    identity = record.get("userIdentity") or {}
    return identity.get("arn") or identity.get("invokedBy") or identity.get("type") or "?"


def short_principal(arn: str) -> str:
    """``arn:aws:sts::111122223333:assumed-role/aws:ec2-infrastructure/i-0ab`` ->
    ``assumed-role/aws:ec2-infrastructure/i-0ab``; the account is the console's own
    almost always, and the detail view shows the whole ARN."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        return parts[5].replace("assumed-role/aws:ec2-infrastructure/", "ec2-infrastructure/")
    return arn


def key_arns(record: dict) -> list[str]:
    return [
        r["ARN"]
        for r in record.get("resources") or ()
        if ":kms:" in r.get("ARN", "") and ":key/" in r["ARN"]
    ]


def key_id_of(arn: str) -> str:
    match = KEY_ARN.match(arn)
    return match.group(1) if match else arn


def encryption_context(record: dict) -> dict:
    params = record.get("requestParameters") or {}
    context = params.get("encryptionContext")
    if context is None:
        context = (record.get("serviceEventDetails") or {}).get("encryptionContext")
    if context is None:
        constraints = params.get("constraints") or {}
        context = constraints.get("encryptionContextSubset") or constraints.get(
            "encryptionContextEquals"
        )
    return context or {}


def context_text(context: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in context.items())


def decided_by_text(decision: dict | None) -> str:
    """Statement Sids as they are, grant ids as ``grant 131c81e2…``."""
    if not decision:
        return ""
    parts = []
    for who in decision.get("decidedBy") or ():
        parts.append(f"grant {who[:8]}…" if GRANT_ID.match(str(who)) else str(who))
    return ", ".join(parts)


def outcome_of(record: dict) -> tuple[str, bool, bool]:
    """(word, denied, error): ``Allow``, ``Deny`` (with the error code when there is
    one), or the error that stopped an allowed call (``DisabledException``)."""
    error = record.get("errorCode")
    decision = record.get("decision") or {}
    effect = decision.get("effect")
    denied = error == "AccessDeniedException" or effect in ("Deny", "ExplicitDeny", "ImplicitDeny")
    if denied:
        return (
            "Deny" if not error or error == "AccessDeniedException" else f"Deny {error}",
            True,
            True,
        )
    if error:
        return (f"✕ {error}", False, True)
    if record.get("eventName") in DATA_KEY_EVENTS:
        return ("event", False, False)
    return ("Allow" if effect else "ok", False, False)


def event_row(record: dict, alias: Callable[[str], str]) -> EventRow:
    keys = key_arns(record)
    outcome, denied, error = outcome_of(record)
    return EventRow(
        time=str(record.get("eventTime", ""))[11:19],
        operation=str(record.get("eventName", "")),
        principal=short_principal(principal_of(record)),
        key=alias(keys[0]) if keys else "",
        context=context_text(encryption_context(record)),
        outcome=outcome,
        decided_by=decided_by_text(record.get("decision")),
        denied=denied,
        error=error,
    )


@dataclass(frozen=True)
class EventFilter:
    """What the monitor shows. Every part given must match (case-insensitive
    substrings); words without a prefix match the operation, principal or key."""

    operation: str = ""
    key: str = ""
    principal: str = ""
    outcome: str = ""  # "", "allowed", "denied", "error"
    words: tuple[str, ...] = ()
    own_reads: bool = False  # show the console's own reads (hidden by default)

    @classmethod
    def parse(cls, text: str) -> EventFilter:
        """``op:Decrypt key:ebs by:i-0ab denied`` (also ``operation:``, ``principal:``,
        ``allowed``, ``error``)."""
        values = {"operation": "", "key": "", "principal": "", "outcome": ""}
        words: list[str] = []
        for token in text.split():
            name, sep, value = token.partition(":")
            name = name.lower()
            if sep and name in ("op", "operation", "event"):
                values["operation"] = value.lower()
            elif sep and name in ("key", "cmk", "alias"):
                values["key"] = value.lower()
            elif sep and name in ("by", "principal", "who"):
                values["principal"] = value.lower()
            elif token.lower() in ("allowed", "allow", "denied", "deny", "error", "errors"):
                values["outcome"] = {"allow": "allowed", "deny": "denied", "errors": "error"}.get(
                    token.lower(), token.lower()
                )
            else:
                words.append(token.lower())
        return cls(
            operation=values["operation"],
            key=values["key"],
            principal=values["principal"],
            outcome=values["outcome"],
            words=tuple(words),
        )

    @property
    def active(self) -> bool:
        """Whether the person asked for something (the console's reads aside)."""
        return bool(self.operation or self.key or self.principal or self.outcome or self.words)

    @property
    def narrows(self) -> bool:
        """Whether some event may be left out (a filter, or the console's reads hidden)."""
        return self.active or not self.own_reads

    def describe(self) -> str:
        parts = [
            f"op:{self.operation}" if self.operation else "",
            f"key:{self.key}" if self.key else "",
            f"by:{self.principal}" if self.principal else "",
            self.outcome,
            *self.words,
        ]
        return " ".join(p for p in parts if p)

    def matches(self, record: dict, alias: Callable[[str], str]) -> bool:
        if not self.own_reads and console_read(record):
            return False
        if self.operation and self.operation not in str(record.get("eventName", "")).lower():
            return False
        principal = principal_of(record).lower()
        if self.principal and self.principal not in principal:
            return False
        keys = key_arns(record)
        key_text = " ".join(f"{arn} {alias(arn)}" for arn in keys).lower()
        if self.key and self.key not in key_text:
            return False
        if self.outcome:
            _word, denied, error = outcome_of(record)
            if self.outcome == "denied" and not denied:
                return False
            if self.outcome == "allowed" and (denied or error):
                return False
            if self.outcome == "error" and not error:
                return False
        if self.words:
            haystack = f"{record.get('eventName', '')} {principal} {key_text}".lower()
            return all(word in haystack for word in self.words)
        return True


@dataclass(frozen=True, slots=True)
class LifecycleStep:
    """One moment in a volume's data-key life, as its detail view lists it."""

    time: str
    step: str
    principal: str
    detail: str
    failed: bool = False


_STEP_NAMES = {
    "GenerateDataKeyWithoutPlaintext": "generated",
    "GenerateDataKey": "generated",
    "CreateGrant": "grant",
    "Decrypt": "decrypt",
    "DataKeyLoaded": "in memory",
    "DataKeyWiped": "wiped",
    "RetireGrant": "grant retired",
    "RevokeGrant": "grant revoked",
    "ReEncrypt": "re-wrapped",
}


def volume_lifecycle(
    records: list[dict], volume_id: str, alias: Callable[[str], str]
) -> list[LifecycleStep]:
    """The data-key events of ``volume_id`` in ``records`` (oldest first): matched by
    the volume's encryption context (``aws:ebs:id``, or ``aws:ec2:arn`` in the seed
    model), by the volume in ``resources``, and by the grants made for it."""
    arn_suffix = f":volume/{volume_id}"
    grants: set[str] = set()
    steps: list[LifecycleStep] = []
    for record in records:
        name = str(record.get("eventName", ""))
        context = encryption_context(record)
        params = record.get("requestParameters") or {}
        mine = (
            context.get("aws:ebs:id") == volume_id
            or str(context.get("aws:ec2:arn", "")).endswith(arn_suffix)
            or any(
                str(k.get("ARN", "")).endswith(arn_suffix) for k in record.get("resources") or ()
            )
        )
        extra = record.get("additionalEventData") or {}
        if mine and extra.get("grantId"):
            grants.add(extra["grantId"])
        if name in ("RetireGrant", "RevokeGrant") and params.get("grantId") in grants:
            mine = True
        if not mine or name not in _STEP_NAMES and not name.endswith("Volume"):
            continue
        response = record.get("responseElements") or {}
        if name == "CreateGrant" and response.get("grantId"):
            grants.add(response["grantId"])
        outcome, denied, error = outcome_of(record)
        keys = key_arns(record)
        key = alias(keys[0]) if keys else ""
        detail = {
            "generated": f"64-byte DEK made under {key}; stored only wrapped",
            "grant": f"for {params.get('granteePrincipal', '?')}: "
            f"{', '.join(params.get('operations') or [])}",
            "decrypt": f"DEK unwrapped by {key}; {decided_by_text(record.get('decision'))}",
            "in memory": "plaintext DEK held by the attachment only",
            "wiped": "plaintext DEK zeroed",
            "grant retired": f"grant {str(params.get('grantId', ''))[:8]}…",
            "grant revoked": f"grant {str(params.get('grantId', ''))[:8]}…",
            "re-wrapped": f"under {key}",
        }.get(
            _STEP_NAMES.get(name, ""),
            (extra.get("grantId") and f"grant {extra['grantId'][:8]}…") or "",
        )
        if error:
            detail = f"{outcome}: {record.get('errorMessage', '')}"
        steps.append(
            LifecycleStep(
                str(record.get("eventTime", ""))[11:19],
                _STEP_NAMES.get(name, name),
                short_principal(principal_of(record)),
                detail,
                denied or error,
            )
        )
    return steps


def changed_elsewhere(record: dict, source: str | None = None) -> bool:
    """A change (not a read, not refused) the console did not make itself: another
    client's call over the endpoint, the demo, work that came due. With ``source``
    (``ec2.amazonaws.com``), that service's calls only: its service events (a data key
    loaded or wiped) come with the call that caused them. The console reads its
    screens again after its own changes already."""
    if source is not None and (
        record.get("eventSource") != source or record.get("eventType") != "AwsApiCall"
    ):
        return False
    return (
        not record.get("readOnly")
        and not record.get("errorCode")
        and record.get("userAgent") != CONSOLE_USER_AGENT
    )
