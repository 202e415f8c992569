"""Key and alias identifiers as AWS spells them, and how a ``KeyId`` is read.

``KeyId`` accepts a key id, a key ARN, an alias name or an alias ARN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

KEY_ID = re.compile(
    r"^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)
ALIAS_NAME = re.compile(r"^alias/[a-zA-Z0-9:/_-]+$")
_ARN = re.compile(r"^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)/(.+)$")


@lru_cache(maxsize=4096)
def is_key_id(value: str) -> bool:
    return KEY_ID.match(value) is not None


def key_arn(region: str, account: str, key_id: str) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def alias_arn(region: str, account: str, alias_name: str) -> str:
    return f"arn:aws:kms:{region}:{account}:{alias_name}"


@dataclass(frozen=True)
class KeyReference:
    """A parsed ``KeyId``: either a key (by id) or an alias (by name), with the
    account and region it names (those of the caller when it names none)."""

    kind: str  # "key" | "alias"
    value: str  # key id or alias name
    account: str
    region: str
    text: str  # as given

    @property
    def arn(self) -> str:
        if self.kind == "key":
            return key_arn(self.region, self.account, self.value)
        return alias_arn(self.region, self.account, self.value)


@lru_cache(maxsize=4096)
def parse_key_reference(text: str, account: str, region: str) -> KeyReference | None:
    """None when ``text`` is not any form of key identifier."""
    match = _ARN.match(text)
    if match:
        _partition, arn_region, arn_account, kind, rest = match.groups()
        if kind == "alias":
            return KeyReference("alias", f"alias/{rest}", arn_account, arn_region, text)
        return KeyReference("key", rest, arn_account, arn_region, text)
    if text.startswith("alias/"):
        return KeyReference("alias", text, account, region, text)
    if text.startswith("arn:"):
        return None
    return KeyReference("key", text, account, region, text)
