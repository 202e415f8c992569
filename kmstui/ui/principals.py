"""Who the console can act as: the account root and every IAM user and role.

Reads the backend's principals when it has IAM; without it, the root user and the
sample principals (so the switcher still shows what the sample policies are about)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kmstui.caller import Caller

if TYPE_CHECKING:
    from kmstui.backends import Backend


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


def iam_available(backend: Backend) -> bool:
    return backend.principals() is not None


def principal_choices(backend: Backend) -> list[Principal]:
    account = backend.account
    root = Principal(f"arn:aws:iam::{account}:root", "root", "root", account)
    found: list[Principal] = [root]
    known = backend.principals()
    if known is not None:
        found += [from_arn(arn) for arn in known if arn.startswith("arn:")]
    else:
        found += _sample_principals(account)
    seen: set[str] = set()
    unique = []
    for p in found:
        if p.arn not in seen:
            seen.add(p.arn)
            unique.append(p)
    return unique


def known_arns(backend: Backend, acting: str | None = None) -> list[str]:
    """The account root, the acting principal, then every principal the backend knows
    (ARNs, each once): the choices of the grant and simulate principal fields."""
    arns = [backend.root_caller().principal, *([acting] if acting else [])]
    return list(dict.fromkeys([*arns, *(backend.principals() or [])]))


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
