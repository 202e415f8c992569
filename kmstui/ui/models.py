"""What the console reads from the engine, gathered into rows and bundles.

Functions here take ``call(operation, params) -> dict`` (the console's acting-as
entry point) and run on worker threads; they never touch widgets. A failure of one
per-key read (a denied DescribeKey, say) leaves that cell empty rather than hiding the
key.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass, field
from typing import Any

from kmstui.errors import AwsError
from kmstui.model.keyspecs import SYMMETRIC, is_asymmetric
from kmstui.ui.keytypes import spec_usage

Call = Callable[[str, dict], dict]


def _pages(call: Call, operation: str, params: dict, member: str) -> list[dict]:
    items: list[dict] = []
    marker = None
    while True:
        page = call(operation, {**params, **({"Marker": marker} if marker else {})})
        items += page.get(member, [])
        if not page.get("Truncated"):
            return items
        marker = page.get("NextMarker")


# The columns DescribeKey and GetKeyRotationStatus fill in: a row not yet described
# sorts after the described ones by these, in the order it was listed.
DESCRIBED_COLUMNS = frozenset({"state", "spec", "rotation", "description", "created"})
THROTTLED = "ThrottlingException"
# What DescribeKey and GetKeyRotationStatus tell of a row (all but its id, ARN and aliases)
DESCRIBED_FIELDS = ("state", "spec", "usage", "origin", "multi_region", "manager", "rotation",
                    "description", "created", "problem", "described")  # fmt: skip


@dataclass
class KeyRow:
    key_id: str
    arn: str = ""
    aliases: list[str] = field(default_factory=list)
    state: str = "Unavailable"
    spec: str = ""
    usage: str = ""
    origin: str = ""
    multi_region: bool = False
    manager: str = ""
    rotation: str = "—"
    description: str = ""
    created: float | None = None
    problem: str | None = None
    described: bool = False  # DescribeKey has answered (or refused) for this row

    @property
    def alias(self) -> str:
        return ", ".join(self.aliases)

    @property
    def spec_usage(self) -> str:
        return spec_usage(self.spec, self.usage, self.origin, self.multi_region)

    def sort_value(self, column: str) -> Any:
        return {
            "alias": self.alias or "~",
            "id": self.key_id,
            "state": self.state,
            "spec": self.spec_usage,
            "rotation": self.rotation,
            "description": self.description,
            "created": self.created or 0.0,
        }[column]

    def take_description(self, other: KeyRow) -> None:
        """What ``other`` (the same key, described elsewhere) says of the key; this
        row keeps its own aliases."""
        for name in DESCRIBED_FIELDS:
            setattr(self, name, getattr(other, name))


def rotation_label(status: dict) -> str:
    if status.get("KeyRotationEnabled"):
        return f"on, {status.get('RotationPeriodInDays', 365)}d"
    return "off"


def on_demand_rotations(status: dict, rotations: list[dict]) -> str:
    """How many on-demand rotations the key has used, and of how many when the status
    says so. AWS's GetKeyRotationStatus reports neither (only the embedded engine adds
    them): the key's ListKeyRotations history then gives the count."""
    count = status.get("OnDemandRotationCount")
    if count is None:
        count = sum(1 for r in rotations if r.get("RotationType") == "ON_DEMAND")
    limit = status.get("OnDemandRotationLimit")
    return f"{count} of {limit}" if limit is not None else str(count)


def describe_key_row(call: Call, row: KeyRow) -> None:
    """Fill ``row`` from DescribeKey and GetKeyRotationStatus. A refusal stays with
    the row (``problem``); throttling after the SDK's retries is raised, for the
    caller to try the key again later."""
    try:
        meta = call("DescribeKey", {"KeyId": row.key_id})["KeyMetadata"]
    except AwsError as exc:
        if exc.code == THROTTLED:
            raise
        row.problem, row.described = exc.code, True
        return
    try:
        rotation = rotation_label(call("GetKeyRotationStatus", {"KeyId": row.key_id}))
    except AwsError as exc:
        if exc.code == THROTTLED:
            raise
        rotation = "?" if exc.code == "AccessDeniedException" else "—"
    row.state, row.spec = meta["KeyState"], meta.get("KeySpec", "")
    row.usage, row.origin = meta.get("KeyUsage", ""), meta.get("Origin", "")
    row.multi_region = bool(meta.get("MultiRegion"))
    row.manager, row.description = meta.get("KeyManager", ""), meta.get("Description", "")
    row.created, row.rotation = meta.get("CreationDate"), rotation
    row.arn = row.arn or meta.get("Arn", "")
    row.described = True


@dataclass
class KeyDetail:
    """Everything the key detail tabs show, read in one go."""

    key_id: str
    metadata: dict = field(default_factory=dict)
    aliases: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    policy: str | None = None
    rotation: dict = field(default_factory=dict)
    rotations: list[dict] = field(default_factory=list)
    grants: list[dict] | None = None
    public_key: bytes | None = None  # GetPublicKey's DER, for an asymmetric key
    problems: dict[str, str] = field(default_factory=dict)


def read_key_detail(call: Call, key_id: str, operations: Set[str]) -> KeyDetail:
    detail = KeyDetail(key_id=key_id)
    detail.metadata = call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    key_id = detail.metadata["KeyId"]

    def attempt(part: str, fn: Callable[[], None]) -> None:
        try:
            fn()
        except AwsError as exc:
            detail.problems[part] = f"{exc.code}: {exc.message}"

    def aliases() -> None:
        detail.aliases = _pages(call, "ListAliases", {"KeyId": key_id}, "Aliases")

    def tags() -> None:
        detail.tags = _pages(call, "ListResourceTags", {"KeyId": key_id}, "Tags")

    def policy() -> None:
        detail.policy = call("GetKeyPolicy", {"KeyId": key_id, "PolicyName": "default"})["Policy"]

    def rotation() -> None:
        detail.rotation = call("GetKeyRotationStatus", {"KeyId": key_id})

    def rotations() -> None:
        detail.rotations = _pages(
            call,
            "ListKeyRotations",
            {"KeyId": key_id, "IncludeKeyMaterial": "ALL_KEY_MATERIAL"},
            "Rotations",
        )

    def grants() -> None:
        detail.grants = _pages(call, "ListGrants", {"KeyId": key_id}, "Grants")

    def public_key() -> None:
        detail.public_key = call("GetPublicKey", {"KeyId": key_id})["PublicKey"]

    attempt("aliases", aliases)
    attempt("tags", tags)
    attempt("policy", policy)
    attempt("rotation", rotation)
    attempt("rotations", rotations)
    if "ListGrants" in operations:
        attempt("grants", grants)
    if is_asymmetric(detail.metadata.get("KeySpec", SYMMETRIC)):
        attempt("public_key", public_key)
    return detail


def key_events(recent: list[dict], key_arn: str, limit: int = 200) -> list[dict]:
    """This key's newest events, newest first."""
    out = []
    for record in reversed(recent):
        if any(r.get("ARN") == key_arn for r in record.get("resources") or ()):
            out.append(record)
            if len(out) >= limit:
                break
    return out


def event_outcome(record: dict) -> str:
    if record.get("errorCode"):
        return record["errorCode"]
    decision = record.get("decision") or {}
    return decision.get("effect", "OK")


def parse_tags(text: str) -> list[dict]:
    """``team=storage, env=demo`` -> KMS Tags. Raises ValueError naming the bad part."""
    tags = []
    for part in (p.strip() for p in text.replace("\n", ",").split(",")):
        if not part:
            continue
        if "=" not in part:
            raise ValueError(f"tag {part!r} is not key=value")
        key, value = part.split("=", 1)
        if not key.strip():
            raise ValueError(f"tag {part!r} has an empty key")
        tags.append({"TagKey": key.strip(), "TagValue": value.strip()})
    return tags


def create_key(call: Call, new) -> tuple[dict, AwsError | None]:
    """CreateKey with the form's request, then CreateAlias when the form named one:
    the new key's KeyMetadata, and CreateAlias's refusal if it was refused (the key
    exists then all the same)."""
    meta = call("CreateKey", new.create_key_params())["KeyMetadata"]
    if new.alias:
        try:
            call("CreateAlias", {"AliasName": new.alias, "TargetKeyId": meta["KeyId"]})
        except AwsError as exc:
            return meta, exc
    return meta, None


def test_encrypt(call: Call, key_id: str) -> str:
    """Encrypt a short plaintext and decrypt it again; what happened, in words."""
    sample = b"kmstui round trip"
    blob = call("Encrypt", {"KeyId": key_id, "Plaintext": sample})["CiphertextBlob"]
    back = call("Decrypt", {"KeyId": key_id, "CiphertextBlob": blob})["Plaintext"]
    if back != sample:
        raise ValueError("Decrypt returned a different plaintext")
    return f"Encrypt and Decrypt succeeded ({len(blob)}-byte ciphertext)."
