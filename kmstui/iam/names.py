"""IAM request members: the checks IAM applies to names, paths and numbers, the ids it
hands out, and the principal ARNs it reads.

Checks raise ``ValidationError`` with the wording IAM uses ("1 validation error
detected: Value 'x' at 'userName' failed to satisfy constraint: ...").
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from kmstui.errors import AwsError, iam_error

NAME_PATTERN = r"[\w+=,.@-]+"
PATH_PATTERN = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"

_NAME = re.compile(r"[\w+=,.@-]+\Z", re.ASCII)
_PATH = re.compile(r"(/|/[\x21-\x7e]+/)\Z")
_PATH_PREFIX = re.compile(r"/[\x21-\x7e]*\Z")
_ACCESS_KEY_ID = re.compile(r"[\w]+\Z", re.ASCII)
_ACCOUNT = re.compile(r"\d{12}\Z")

ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
USER_ID_PREFIX = "AIDA"
ROLE_ID_PREFIX = "AROA"
ACCESS_KEY_PREFIX = "AKIA"


def validation_error(message: str) -> AwsError:
    return iam_error("ValidationError", message, 400)


def _member(name: str) -> str:
    """``UserName`` -> ``userName``: how IAM names a member in its messages."""
    return name[:1].lower() + name[1:]


def _constraint(value: Any, member: str, constraint: str) -> AwsError:
    return validation_error(
        f"1 validation error detected: Value '{value}' at '{_member(member)}' failed to "
        f"satisfy constraint: {constraint}"
    )


def _missing(member: str) -> AwsError:
    return validation_error(
        f"1 validation error detected: Value null at '{_member(member)}' failed to satisfy "
        "constraint: Member must not be null"
    )


def string(
    params: dict,
    member: str,
    *,
    optional: bool = False,
    min_len: int = 1,
    max_len: int | None = None,
) -> str | None:
    value = params.get(member)
    if value is None:
        if optional:
            return None
        raise _missing(member)
    if not isinstance(value, str):
        raise _constraint(value, member, "Member must be a string")
    if len(value) < min_len:
        raise _constraint(
            value, member, f"Member must have length greater than or equal to {min_len}"
        )
    if max_len is not None and len(value) > max_len:
        raise _constraint(value, member, f"Member must have length less than or equal to {max_len}")
    return value


def entity_name(
    params: dict, member: str, *, max_len: int = 64, optional: bool = False
) -> str | None:
    """A user, role or policy name: ``[\\w+=,.@-]{1,max_len}``."""
    value = string(params, member, optional=optional, max_len=max_len)
    if value is not None and not _NAME.match(value):
        raise _constraint(
            value, member, f"Member must satisfy regular expression pattern: {NAME_PATTERN}"
        )
    return value


def path(params: dict, member: str = "Path") -> str:
    value = string(params, member, optional=True, max_len=512)
    if value is None:
        return "/"
    if not _PATH.match(value):
        raise _constraint(
            value, member, f"Member must satisfy regular expression pattern: {PATH_PATTERN}"
        )
    return value


def path_prefix(params: dict) -> str:
    value = string(params, "PathPrefix", optional=True, max_len=512)
    if value is None:
        return "/"
    if not _PATH_PREFIX.match(value):
        raise _constraint(
            value,
            "PathPrefix",
            "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*",
        )
    return value


def integer(params: dict, member: str, *, low: int, high: int) -> int | None:
    value = params.get(member)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _constraint(value, member, "Member must be a number")
    if value < low:
        raise _constraint(value, member, f"Member must have value greater than or equal to {low}")
    if value > high:
        raise _constraint(value, member, f"Member must have value less than or equal to {high}")
    return value


def access_key_id(params: dict) -> str:
    value = string(params, "AccessKeyId", min_len=16, max_len=128)
    assert value is not None
    if not _ACCESS_KEY_ID.match(value):
        raise _constraint(
            value, "AccessKeyId", "Member must satisfy regular expression pattern: [\\w]+"
        )
    return value


def status(params: dict) -> str:
    value = string(params, "Status")
    if value not in ("Active", "Inactive"):
        raise _constraint(value, "Status", "Member must satisfy enum value set: [Active, Inactive]")
    return value


def tags(params: dict) -> list[dict[str, str]]:
    value = params.get("Tags")
    if value is None:
        return []
    if not isinstance(value, list):
        raise _constraint(value, "Tags", "Member must be a list")
    if len(value) > 50:
        raise _constraint(value, "Tags", "Member must have length less than or equal to 50")
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for tag in value:
        if not isinstance(tag, dict):
            raise _constraint(tag, "Tags", "Member must be a list of Key and Value pairs")
        key = string(tag, "Key", max_len=128)
        val = string(tag, "Value", min_len=0, max_len=256)
        assert key is not None and val is not None
        if key.lower() in seen:
            raise iam_error(
                "InvalidInput",
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
                400,
            )
        seen.add(key.lower())
        out.append({"Key": key, "Value": val})
    return out


# -- ids ----------------------------------------------------------------------------
def random_id(entropy, length: int, alphabet: str = ID_ALPHABET) -> str:
    """``length`` characters of ``alphabet`` from the engine's random source."""
    raw = entropy.token_bytes(length)
    return "".join(alphabet[b % len(alphabet)] for b in raw)


def secret_access_key(entropy) -> str:
    """40 characters of base64, as AWS secrets look."""
    return base64.b64encode(entropy.token_bytes(30)).decode("ascii")


# -- principal ARNs -----------------------------------------------------------------
ROOT, USER, ROLE, SESSION, OTHER = "root", "user", "role", "assumed-role", "other"


@dataclass(frozen=True)
class PrincipalArn:
    arn: str
    kind: str
    account: str
    name: str | None = None  # user or role name (for a session, its role's)
    path: str = "/"
    session: str | None = None


def parse_principal(arn: str) -> PrincipalArn | None:
    """Take an IAM or STS principal ARN apart; ``None`` for anything else."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1].startswith("aws"):
        return None
    service, region, account, rest = parts[2], parts[3], parts[4], parts[5]
    if region or not _ACCOUNT.match(account):
        return None
    if service == "iam":
        if rest == "root":
            return PrincipalArn(arn, ROOT, account)
        kind, _, resource = rest.partition("/")
        if kind in (USER, ROLE) and resource:
            head, _, name = ("/" + resource).rpartition("/")
            return PrincipalArn(arn, kind, account, name, head + "/")
        return PrincipalArn(arn, OTHER, account)
    if service == "sts":
        kind, _, resource = rest.partition("/")
        role, _, session = resource.partition("/")
        if kind == SESSION and role and session:
            return PrincipalArn(arn, SESSION, account, role, session=session)
        return PrincipalArn(arn, OTHER, account)
    return None


def account_of(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and _ACCOUNT.match(parts[4]) else None


def is_account_id(text: str) -> bool:
    return isinstance(text, str) and bool(_ACCOUNT.match(text))


def user_arn(account: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account}:user{path}{name}"


def role_arn(account: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"
