"""Names and shapes EC2 resources share: ids, ARNs, zones, tags, filters and paging.

Ids look like EC2's (``vol-`` / ``snap-`` / ``i-`` / ``r-`` and 17 hex digits) and come
from the engine's entropy, so a seeded engine replays the same ids. Request parameters
are checked here with EC2's error codes (``MissingParameter``,
``InvalidParameterValue``, ``InvalidParameterCombination`` ...).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from typing import Any, Literal, overload

from kmstui.errors import AwsError, ec2_error

ID_PREFIXES = {"volume": "vol", "snapshot": "snap", "instance": "i", "reservation": "r"}
_ID = {
    kind: re.compile(rf"^{prefix}-[0-9a-f]{{8}}(?:[0-9a-f]{{9}})?$")
    for kind, prefix in ID_PREFIXES.items()
}
_MALFORMED = {
    "volume": "InvalidVolumeID.Malformed",
    "snapshot": "InvalidSnapshotID.Malformed",
    "instance": "InvalidInstanceID.Malformed",
}
ZONE_LETTERS = "abcdef"


def new_id(entropy, kind: str) -> str:
    return f"{ID_PREFIXES[kind]}-{entropy.hex(9)[:17]}"


def check_id(value: Any, kind: str) -> str:
    """A well-formed id of ``kind``, or EC2's Malformed error for it."""
    if not isinstance(value, str) or not _ID[kind].match(value):
        raise ec2_error(
            _MALFORMED[kind], f'Invalid id: "{value}" (expecting "{ID_PREFIXES[kind]}-...")'
        )
    return value


def volume_arn(region: str, account: str, volume_id: str) -> str:
    return f"arn:aws:ec2:{region}:{account}:volume/{volume_id}"


def instance_arn(region: str, account: str, instance_id: str) -> str:
    return f"arn:aws:ec2:{region}:{account}:instance/{instance_id}"


def snapshot_arn(region: str, snapshot_id: str) -> str:
    # EC2 snapshot ARNs carry no account.
    return f"arn:aws:ec2:{region}::snapshot/{snapshot_id}"


def zones(region: str) -> list[str]:
    return [f"{region}{letter}" for letter in ZONE_LETTERS]


# -- parameters ---------------------------------------------------------------------------


def required(params: dict, name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise ec2_error("MissingParameter", f"The request must contain the parameter {name}")
    return value


@overload
def string(params: dict, name: str, *, optional: Literal[False]) -> str: ...
@overload
def string(params: dict, name: str, *, optional: bool = True) -> str | None: ...
def string(params: dict, name: str, *, optional: bool = True) -> str | None:
    value = params.get(name) if optional else required(params, name)
    if value is not None and not isinstance(value, str):
        raise invalid_value(name, value)
    return value


def integer(
    params: dict, name: str, *, low: int | None = None, high: int | None = None
) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        else:
            raise invalid_value(name, value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise invalid_value(name, value)
    return value


def boolean(params: dict, name: str, default: bool | None = None) -> bool | None:
    value = params.get(name)
    if value is None:
        return default
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise invalid_value(name, value)
    return value


def string_list(params: dict, name: str) -> list[str]:
    value = params.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_value(name, value)
    return value


def wanted_ids(params: dict, member: str, kind: str) -> list[str]:
    """The ids a Describe call names (``VolumeIds`` ...), each checked for form."""
    wanted = string_list(params, member)
    for value in wanted:
        check_id(value, kind)
    return wanted


def only(
    records: list[dict],
    wanted: list[str],
    id_field: str,
    not_found: Callable[[list[str]], AwsError],
) -> list[dict]:
    """The records a Describe call names; every named id must exist."""
    if not wanted:
        return records
    known = {r[id_field] for r in records}
    missing = [value for value in wanted if value not in known]
    if missing:
        raise not_found(missing)
    chosen = set(wanted)
    return [r for r in records if r[id_field] in chosen]


def invalid_value(name: str, value: Any, why: str = "") -> AwsError:
    return ec2_error(
        "InvalidParameterValue",
        f"Value ({value}) for parameter {name} is invalid.{' ' + why if why else ''}",
    )


# -- tags -----------------------------------------------------------------------------------


def tags_from_specifications(
    params: dict, resource_type: str, allowed: Iterable[str] | None = None
) -> list[dict]:
    """The Tags of the TagSpecifications entry for ``resource_type``."""
    specs = params.get("TagSpecifications") or []
    if not isinstance(specs, list):
        raise invalid_value("TagSpecifications", specs)
    allowed = set(allowed or (resource_type,))
    tags: list[dict] = []
    for spec in specs:
        if not isinstance(spec, dict):
            raise invalid_value("TagSpecifications", spec)
        kind = spec.get("ResourceType")
        if kind not in allowed:
            raise ec2_error(
                "InvalidParameterValue",
                f"'{kind}' is not a valid taggable resource type for this operation.",
            )
        if kind != resource_type:
            continue
        for tag in spec.get("Tags") or []:
            if not isinstance(tag, dict) or not isinstance(tag.get("Key"), str):
                raise invalid_value("Tags", tag)
            if tag["Key"].lower().startswith("aws:"):
                raise ec2_error(
                    "InvalidParameterValue",
                    "Tag keys starting with 'aws:' are reserved for internal use",
                )
            tags.append({"Key": tag["Key"], "Value": str(tag.get("Value", ""))})
    if len(tags) > 50:
        raise ec2_error("TagLimitExceeded", "The maximum number of tags per resource is 50.")
    return tags


# -- filters --------------------------------------------------------------------------------

Fields = Callable[[dict], dict[str, list[str]]]


def parse_filters(params: dict, known: Iterable[str]) -> list[tuple[str, list[str]]]:
    raw = params.get("Filters") or []
    if not isinstance(raw, list):
        raise invalid_value("Filters", raw)
    known = set(known)
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
            raise invalid_value("Filter", item)
        name = item["Name"]
        values = item.get("Values") or []
        if not isinstance(values, list):
            raise invalid_value(f"Filter {name}", values)
        if name not in known and not name.startswith("tag:") and name != "tag-key":
            raise ec2_error("InvalidParameterValue", f"The filter '{name}' is invalid")
        out.append((name, [str(v).lower() if isinstance(v, bool) else str(v) for v in values]))
    return out


def matches(
    fields: dict[str, list[str]], tags: list[dict], filters: list[tuple[str, list[str]]]
) -> bool:
    """EC2 filter semantics: values of one filter OR-ed, filters AND-ed, ``*``/``?``
    wildcards."""
    for name, values in filters:
        if name.startswith("tag:"):
            have = [t["Value"] for t in tags if t["Key"] == name[4:]]
        elif name == "tag-key":
            have = [t["Key"] for t in tags]
        else:
            have = fields.get(name, [])
        if not any(fnmatch.fnmatchcase(h, v) for h in have for v in values):
            return False
    return True


# -- paging ---------------------------------------------------------------------------------


def check_paging(params: dict, ids_member: str, *, low: int = 5, high: int = 1000) -> None:
    """Paging parameters are checked before anything is looked up, as EC2 does."""
    limit = integer(params, "MaxResults")
    string(params, "NextToken")
    if limit is not None and params.get(ids_member):
        raise ec2_error(
            "InvalidParameterCombination",
            f"The parameter {ids_member} cannot be used with the parameter MaxResults",
        )
    if limit is not None and not low <= limit <= high:
        raise ec2_error(
            "InvalidParameterValue",
            f"Value ( {limit} ) for parameter maxResults is invalid. Expecting a "
            f"value between {low} and {high}.",
        )
