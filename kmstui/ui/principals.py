"""Who the console can act as: the account root and every IAM user and role.

Reads ``engine.iam.principals()`` when the IAM service is present; without it, the
root user and the sample principals (so the switcher still shows what the sample
policies are about)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from kmstui.caller import Caller


@dataclass(frozen=True)
class Principal:
    arn: str
    kind: str  # root, user, role
    name: str
    account: str

    @property
    def label(self) -> str:
        return (
            f"{self.kind}/{self.name} ({self.account})"
            if self.kind != "root"
            else f"root ({self.account})"
        )

    def caller(self, region: str) -> Caller:
        return Caller.for_arn(self.arn, region)


def from_arn(arn: str) -> Principal:
    account = arn.split(":")[4]
    resource = arn.split(":", 5)[5]
    if resource == "root":
        return Principal(arn, "root", "root", account)
    kind, _, name = resource.partition("/")
    return Principal(arn, kind, name.rsplit("/", 1)[-1], account)


def iam_available(engine) -> bool:
    return hasattr(engine, "iam") and "ListUsers" in set(engine.operations)


def principal_choices(engine) -> list[Principal]:
    root = Principal(f"arn:aws:iam::{engine.account}:root", "root", "root", engine.account)
    found: list[Principal] = [root]
    iam = engine.iam
    if iam is not None and hasattr(iam, "principals"):
        for entry in iam.principals():
            arn = entry if isinstance(entry, str) else (entry.get("Arn") or entry.get("arn"))
            if arn and arn.startswith("arn:"):
                found.append(from_arn(arn))
    else:
        found += _sample_principals(engine.account)
    seen: set[str] = set()
    unique = []
    for p in found:
        if p.arn not in seen:
            seen.add(p.arn)
            unique.append(p)
    return unique


def _sample_principals(account: str) -> list[Principal]:
    from kmstui.sample import sample_dir

    try:
        spec = json.loads((sample_dir() / "seed.json").read_text(encoding="utf-8"))["iam"]
    except (OSError, ValueError, KeyError):
        return []
    out = [from_arn(f"arn:aws:iam::{account}:user/{u['UserName']}") for u in spec.get("users", [])]
    out += [from_arn(f"arn:aws:iam::{account}:role/{r['RoleName']}") for r in spec.get("roles", [])]
    second = spec.get("second_account") or {}
    for user in second.get("users", []):
        out.append(from_arn(f"arn:aws:iam::{second['account']}:user/{user['UserName']}"))
    return out
