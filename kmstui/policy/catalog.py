"""What KMS policies can name: actions and condition keys, with their types.

Actions come from ``kms_actions.json`` (package data compiled from the AWS
service authorization reference). Condition keys are the kms: keys from the
KMS developer guide and the global aws: keys from the IAM user guide, each
with its value type, so the validator can tell a wrong operator from a right
one and the evaluator knows which keys hold sets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

STRING = "String"
ARN = "ARN"
BOOL = "Bool"
NUMERIC = "Numeric"
DATE = "Date"
IP = "IPAddress"
BINARY = "Binary"


@dataclass(frozen=True)
class ActionInfo:
    name: str  # "kms:Decrypt"
    access_level: str  # "Write", "Read", "List", "Permissions management", "Tagging"
    resource_types: tuple[str, ...]  # ("key",), ("alias", "key"), () for IAM-only actions
    condition_keys: tuple[str, ...]

    @property
    def iam_only(self) -> bool:
        """True for actions with no key resource: a key policy cannot grant them."""
        return not self.resource_types

    def supports_key(self, key: str) -> bool:
        """Whether requests for this action can carry condition key ``key``."""
        return condition_key_supported(self, key)


@dataclass(frozen=True)
class ConditionKey:
    name: str  # canonical spelling; families end with "/" or ":" e.g. "kms:EncryptionContext:"
    type: str
    multivalued: bool = False
    family: bool = False  # name is a prefix followed by a user-chosen part


def _load_actions() -> dict[str, ActionInfo]:
    raw = json.loads(resources.files(__package__).joinpath("kms_actions.json").read_text("utf-8"))
    actions = {}
    for name, level, resource_types, keys in raw:
        full = f"kms:{name}"
        actions[full] = ActionInfo(
            full,
            level,
            tuple(t for t in resource_types.split(",") if t),
            tuple(keys),
        )
    return actions


KMS_ACTIONS: dict[str, ActionInfo] = _load_actions()
ACTIONS_BY_LOWER: dict[str, ActionInfo] = {k.lower(): v for k, v in KMS_ACTIONS.items()}


@lru_cache(maxsize=1024)
def expand_action(pattern: str) -> tuple[ActionInfo, ...]:
    """The KMS actions a (case-insensitive, possibly wildcard) action names."""
    from .wildcard import compile_glob, has_wildcard

    lower = pattern.lower()
    if not has_wildcard(lower):
        info = ACTIONS_BY_LOWER.get(lower)
        return (info,) if info is not None else ()
    regex = compile_glob(lower)
    return tuple(info for name, info in ACTIONS_BY_LOWER.items() if regex.match(name))


def _keys(*specs: tuple[str, str] | tuple[str, str, bool]) -> dict[str, ConditionKey]:
    table = {}
    for spec in specs:
        name, type_ = spec[0], spec[1]
        multivalued = len(spec) > 2 and spec[2]
        family = name.endswith(("/", ":"))
        table[name.lower()] = ConditionKey(name, type_, multivalued, family)
    return table


KMS_CONDITION_KEYS = _keys(
    ("kms:BypassPolicyLockoutSafetyCheck", BOOL),
    ("kms:CallerAccount", STRING),
    ("kms:CustomerMasterKeySpec", STRING),
    ("kms:CustomerMasterKeyUsage", STRING),
    ("kms:DataKeyPairSpec", STRING),
    ("kms:EncryptionAlgorithm", STRING),
    ("kms:EncryptionContext:", STRING),
    ("kms:EncryptionContextKeys", STRING, True),
    ("kms:ExpirationModel", STRING),
    ("kms:GrantConstraintType", STRING),
    ("kms:GrantIsForAWSResource", BOOL),
    ("kms:GrantOperations", STRING, True),
    ("kms:GranteePrincipal", STRING),
    ("kms:KeyAgreementAlgorithm", STRING),
    ("kms:KeyOrigin", STRING),
    ("kms:KeySpec", STRING),
    ("kms:KeyUsage", STRING),
    ("kms:MacAlgorithm", STRING),
    ("kms:MessageType", STRING),
    ("kms:MultiRegion", BOOL),
    ("kms:MultiRegionKeyType", STRING),
    ("kms:PrimaryRegion", STRING),
    ("kms:ReEncryptOnSameKey", BOOL),
    ("kms:RecipientAttestation:", STRING),
    ("kms:ReplicaRegion", STRING),
    ("kms:RequestAlias", STRING),
    ("kms:ResourceAliases", STRING, True),
    ("kms:RetiringPrincipal", STRING),
    ("kms:RotationPeriodInDays", NUMERIC),
    ("kms:ScheduleKeyDeletionPendingWindowInDays", NUMERIC),
    ("kms:SigningAlgorithm", STRING),
    ("kms:ValidTo", DATE),
    ("kms:ViaService", STRING),
    ("kms:WrappingAlgorithm", STRING),
    ("kms:WrappingKeySpec", STRING),
)

GLOBAL_CONDITION_KEYS = _keys(
    ("aws:CalledVia", STRING, True),
    ("aws:CalledViaFirst", STRING),
    ("aws:CalledViaLast", STRING),
    ("aws:CurrentTime", DATE),
    ("aws:EpochTime", DATE),
    ("aws:FederatedProvider", STRING),
    ("aws:MultiFactorAuthAge", NUMERIC),
    ("aws:MultiFactorAuthPresent", BOOL),
    ("aws:PrincipalAccount", STRING),
    ("aws:PrincipalArn", ARN),
    ("aws:PrincipalIsAWSService", BOOL),
    ("aws:PrincipalOrgID", STRING),
    ("aws:PrincipalOrgPaths", STRING, True),
    ("aws:PrincipalServiceName", STRING),
    ("aws:PrincipalServiceNamesList", STRING, True),
    ("aws:PrincipalTag/", STRING),
    ("aws:PrincipalType", STRING),
    ("aws:Referer", STRING),
    ("aws:RequestedRegion", STRING),
    ("aws:RequestTag/", STRING),
    ("aws:ResourceAccount", STRING),
    ("aws:ResourceOrgID", STRING),
    ("aws:ResourceOrgPaths", STRING, True),
    ("aws:ResourceTag/", STRING),
    ("aws:SecureTransport", BOOL),
    ("aws:SourceAccount", STRING),
    ("aws:SourceArn", ARN),
    ("aws:SourceIdentity", STRING),
    ("aws:SourceIp", IP),
    ("aws:SourceOrgID", STRING),
    ("aws:SourceOrgPaths", STRING, True),
    ("aws:SourceVpc", STRING),
    ("aws:SourceVpce", STRING),
    ("aws:TagKeys", STRING, True),
    ("aws:TokenIssueTime", DATE),
    ("aws:UserAgent", STRING),
    ("aws:userid", STRING),
    ("aws:username", STRING),
    ("aws:ViaAWSService", BOOL),
    ("aws:VpcSourceIp", IP),
    ("aws:Ec2InstanceSourceVpc", STRING),
    ("aws:Ec2InstanceSourcePrivateIPv4", IP),
)

_ALL_KEYS = {**KMS_CONDITION_KEYS, **GLOBAL_CONDITION_KEYS}
_FAMILIES = tuple((name, key) for name, key in _ALL_KEYS.items() if key.family)

# Condition keys KMS permits only in IAM policies: a key policy naming one is refused
# (MalformedPolicyDocumentException). Tag- and alias-based authorization of a key is
# decided by the caller's IAM policies (lower-case prefix -> the key's name).
KEY_POLICY_FORBIDDEN_PREFIXES = {
    "aws:resourcetag/": "aws:ResourceTag",
    "kms:resourcealiases": "kms:ResourceAliases",
}


def condition_key(name: str) -> ConditionKey | None:
    """The catalog entry for ``name`` (case-insensitive), families included."""
    lower = name.lower()
    found = _ALL_KEYS.get(lower)
    if found is not None and not found.family:
        return found
    for prefix, key in _FAMILIES:
        if lower.startswith(prefix) and len(lower) > len(prefix):
            return key
    return None


def known_condition_key_names(prefix: str) -> list[str]:
    """Canonical names of catalogued keys starting with ``prefix`` (for did-you-mean)."""
    return [k.name for k in _ALL_KEYS.values() if k.name.lower().startswith(prefix)]


def _catalog_name(key: str) -> str:
    """``kms:EncryptionContext:${EncryptionContextKey}`` -> ``kms:encryptioncontext:``."""
    lower = key.lower()
    cut = lower.find("${")
    return lower[:cut] if cut >= 0 else lower


def uncarried_keys(action: str, keys: Iterable[str]) -> list[str]:
    """The kms: condition keys among ``keys`` that no request for ``action`` carries:
    a condition on one of them can never hold for that action (the validator's
    UNSATISFIABLE_CONDITION), and a simulated request leaves them out. None for an
    action the catalogue does not know."""
    info = ACTIONS_BY_LOWER.get(action.lower())
    if info is None:
        return []
    return [key for key in keys if not info.supports_key(key)]


_SUPPORTED: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}


def condition_key_supported(action: ActionInfo, key: str) -> bool:
    """Whether requests for ``action`` can carry the kms: condition key ``key``.

    Only kms: keys are judged; global aws: keys may be present in any request.
    """
    lower = key.lower()
    if not lower.startswith("kms:"):
        return True
    cached = _SUPPORTED.get(action.name)
    if cached is None:
        exact = frozenset(_catalog_name(k) for k in action.condition_keys if "${" not in k)
        prefixes = tuple(_catalog_name(k) for k in action.condition_keys if "${" in k)
        cached = _SUPPORTED[action.name] = (exact, prefixes)
    exact, prefixes = cached
    if lower in exact:
        return True
    if lower.startswith("kms:recipientattestation:"):
        return any(k.lower().startswith("kms:recipientattestation:") for k in action.condition_keys)
    return any(lower.startswith(p) and len(lower) > len(p) for p in prefixes)
