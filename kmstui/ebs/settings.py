"""EBS account settings and the engine's EBS options, kept in the "settings" table.

Per account and region (as in AWS): encryption by default and the default KMS key
(``alias/aws/ebs`` until ModifyEbsDefaultKmsKeyId changes it). Engine-wide: the
caller model (see :mod:`kmstui.ebs.datakeys`) and the per-type rate limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tinydb import Query

DEFAULT_EBS_KEY = "alias/aws/ebs"
CALLER_MODELS = ("aws", "seed")
_ENGINE_SCOPE = "ebs:engine"

MIB = 1024 * 1024


@dataclass(frozen=True)
class RateLimit:
    """A volume's performance limit, applied to plaintext I/O before encryption.

    ``iops`` counts I/Os of up to ``max_io_bytes`` (256 KiB on SSD types, 1 MiB on
    HDD types) as one, as EBS does; ``None`` means no limit."""

    iops: int | None
    mib_per_s: float | None
    max_io_bytes: int = 256 * 1024

    def to_json(self) -> dict[str, Any]:
        return {
            "Iops": self.iops,
            "MiBps": self.mib_per_s,
            "AppliedTo": "plaintext I/O, before encryption",
        }


# Baselines per volume type: (default IOPS, default MiB/s, I/O size counted as one).
TYPE_BASELINES: dict[str, tuple[int | None, float | None, int]] = {
    "gp3": (3000, 125.0, 256 * 1024),
    "gp2": (None, 250.0, 256 * 1024),  # IOPS: 3 per GiB, 100 .. 16,000
    "io1": (None, 1000.0, 256 * 1024),  # IOPS: as provisioned
    "io2": (None, 4000.0, 256 * 1024),
    "st1": (500, None, MIB),  # MiB/s: 40 per TiB, up to 500
    "sc1": (250, None, MIB),  # MiB/s: 12 per TiB, up to 250
    "standard": (200, 90.0, 256 * 1024),
}


class EbsSettings:
    def __init__(self, store):
        self.store = store

    # -- storage ------------------------------------------------------------------------
    def _get(self, scope: str) -> dict:
        doc = self.store.table("settings").get(Query().Scope == scope)
        return dict(doc) if doc else {"Scope": scope}

    def _put(self, scope: str, **values: Any) -> None:
        doc = self._get(scope)
        doc.update(values)
        self.store.table("settings").upsert(doc, Query().Scope == scope)

    def forget_accounts(self) -> None:
        """Remove every account's settings; the engine-wide options stay."""
        self.store.table("settings").remove(Query().Scope != _ENGINE_SCOPE)

    @staticmethod
    def _account_scope(account: str, region: str) -> str:
        return f"ec2:{account}:{region}"

    # -- per account and region ----------------------------------------------------------
    def encryption_by_default(self, account: str, region: str) -> bool:
        return bool(self._get(self._account_scope(account, region)).get("EbsEncryptionByDefault"))

    def set_encryption_by_default(self, account: str, region: str, enabled: bool) -> None:
        self._put(self._account_scope(account, region), EbsEncryptionByDefault=enabled)

    def default_kms_key(self, account: str, region: str) -> str:
        return (
            self._get(self._account_scope(account, region)).get("EbsDefaultKmsKeyId")
            or DEFAULT_EBS_KEY
        )

    def set_default_kms_key(self, account: str, region: str, key: str | None) -> None:
        self._put(self._account_scope(account, region), EbsDefaultKmsKeyId=key)

    # -- engine-wide ----------------------------------------------------------------------
    @property
    def caller_model(self) -> str:
        """``aws`` (default) or ``seed``; see :mod:`kmstui.ebs.datakeys`."""
        return self._get(_ENGINE_SCOPE).get("CallerModel") or "aws"

    @caller_model.setter
    def caller_model(self, model: str) -> None:
        if model not in CALLER_MODELS:
            raise ValueError(f"caller model must be one of {', '.join(CALLER_MODELS)}")
        self._put(_ENGINE_SCOPE, CallerModel=model)

    @property
    def rate_limits_enabled(self) -> bool:
        return self._get(_ENGINE_SCOPE).get("RateLimitsEnabled", True)

    @rate_limits_enabled.setter
    def rate_limits_enabled(self, enabled: bool) -> None:
        self._put(_ENGINE_SCOPE, RateLimitsEnabled=bool(enabled))

    def set_type_limit(
        self, volume_type: str, *, iops: int | None = None, mib_per_s: float | None = None
    ) -> None:
        """Override a type's baseline (e.g. gp3 at 6,000 IOPS); None keeps AWS's."""
        if volume_type not in TYPE_BASELINES:
            raise ValueError(f"unknown volume type {volume_type}")
        overrides = dict(self._get(_ENGINE_SCOPE).get("TypeLimits") or {})
        overrides[volume_type] = {"Iops": iops, "MiBps": mib_per_s}
        self._put(_ENGINE_SCOPE, TypeLimits=overrides)

    def rate_limit(self, volume: dict) -> RateLimit:
        """The limit for a volume record: its provisioned Iops / Throughput where the
        type takes them, the type's baseline otherwise, engine overrides on top."""
        volume_type = volume["VolumeType"]
        base_iops, base_mib, max_io = TYPE_BASELINES[volume_type]
        if not self.rate_limits_enabled:
            return RateLimit(None, None, max_io)
        size_gib = volume["Size"]
        iops: int | None = volume.get("Iops") or base_iops
        mib: float | None = float(volume["Throughput"]) if volume.get("Throughput") else base_mib
        if volume_type == "gp2":
            iops = min(16000, max(100, 3 * size_gib))
        elif volume_type == "st1":
            mib = min(500.0, 40.0 * size_gib / 1024)
        elif volume_type == "sc1":
            mib = min(250.0, 12.0 * size_gib / 1024)
        override = (self._get(_ENGINE_SCOPE).get("TypeLimits") or {}).get(volume_type) or {}
        iops = override.get("Iops") or iops
        mib = override.get("MiBps") or mib
        return RateLimit(iops, mib, max_io)
