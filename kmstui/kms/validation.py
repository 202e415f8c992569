"""Request validation with AWS's wording.

AWS reports constraint violations as ``ValidationException`` with messages like
``1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy
constraint: Member must have value greater than or equal to 1``; type errors on the
wire are ``SerializationException``. Member names in messages are camelCase.
"""

from __future__ import annotations

from typing import Any, Literal, overload

from kmstui.errors import AwsError, SerializationException, ValidationException

_MISSING = object()


def _member(name: str) -> str:
    return name[:1].lower() + name[1:]


HIDDEN = object()  # a value AWS does not quote in the message (a blob)


def violation(name: str, value: Any, constraint: str, *, at: str | None = None) -> AwsError:
    """AWS's message for one constraint violation. ``at`` is the member's path when it
    is not a top-level member (``tags.1.member.tagKey``); a blob's value is not shown
    (``Value at 'plaintext' failed ...``)."""
    if value is HIDDEN:
        shown = ""
    else:
        shown = " null" if value is None else f" '{value}'"
    return ValidationException(
        f"1 validation error detected: Value{shown} at '{at or _member(name)}' failed to "
        f"satisfy constraint: {constraint}"
    )


def required(params: dict, name: str) -> Any:
    value = params.get(name, _MISSING)
    if value is _MISSING or value is None:
        raise violation(name, None, "Member must not be null")
    return value


# A required member is never None, so the checks say so to the type checker: optional=False
# (the default of string and blob) returns the value, optional=True may return None.
@overload
def string(
    params: dict,
    name: str,
    *,
    optional: Literal[False] = False,
    min_len: int = 1,
    max_len: int = 2048,
    choices: tuple[str, ...] | None = None,
    at: str | None = None,
) -> str: ...
@overload
def string(
    params: dict,
    name: str,
    *,
    optional: bool,
    min_len: int = 1,
    max_len: int = 2048,
    choices: tuple[str, ...] | None = None,
    at: str | None = None,
) -> str | None: ...
def string(
    params: dict,
    name: str,
    *,
    optional: bool = False,
    min_len: int = 1,
    max_len: int = 2048,
    choices: tuple[str, ...] | None = None,
    at: str | None = None,
) -> str | None:
    value = params.get(name)
    if value is None:
        if optional:
            return None
        raise violation(name, None, "Member must not be null", at=at)
    if not isinstance(value, str):
        raise SerializationException(f"Unexpected value type for {name}: expected a string")
    if len(value) < min_len:
        raise violation(
            name, value, f"Member must have length greater than or equal to {min_len}", at=at
        )
    if len(value) > max_len:
        raise violation(
            name, value, f"Member must have length less than or equal to {max_len}", at=at
        )
    if choices is not None and value not in choices:
        raise violation(
            name, value, f"Member must satisfy enum value set: [{', '.join(choices)}]", at=at
        )
    return value


@overload
def integer(
    params: dict,
    name: str,
    *,
    optional: Literal[False],
    low: int | None = None,
    high: int | None = None,
) -> int: ...
@overload
def integer(
    params: dict,
    name: str,
    *,
    optional: bool = True,
    low: int | None = None,
    high: int | None = None,
) -> int | None: ...
def integer(
    params: dict,
    name: str,
    *,
    optional: bool = True,
    low: int | None = None,
    high: int | None = None,
) -> int | None:
    value = params.get(name)
    if value is None:
        if optional:
            return None
        raise violation(name, None, "Member must not be null")
    if isinstance(value, bool) or not isinstance(value, int):
        raise SerializationException(f"Unexpected value type for {name}: expected an integer")
    if low is not None and value < low:
        raise violation(name, value, f"Member must have value greater than or equal to {low}")
    if high is not None and value > high:
        raise violation(name, value, f"Member must have value less than or equal to {high}")
    return value


def boolean(params: dict, name: str, default: bool = False) -> bool:
    value = params.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise SerializationException(f"Unexpected value type for {name}: expected a boolean")
    return value


@overload
def blob(
    params: dict,
    name: str,
    *,
    optional: Literal[False] = False,
    min_len: int = 1,
    max_len: int = 6144,
) -> bytes: ...
@overload
def blob(
    params: dict, name: str, *, optional: bool, min_len: int = 1, max_len: int = 6144
) -> bytes | None: ...
def blob(
    params: dict, name: str, *, optional: bool = False, min_len: int = 1, max_len: int = 6144
) -> bytes | None:
    value = params.get(name)
    if value.__class__ is bytes and min_len <= len(value) <= max_len:
        return value  # the usual case, checked at once
    if value is None:
        if optional:
            return None
        raise violation(name, None, "Member must not be null")
    if isinstance(value, (bytearray, memoryview)):
        value = bytes(value)
    if not isinstance(value, bytes):
        raise SerializationException(f"Unexpected value type for {name}: expected a blob")
    if len(value) < min_len:
        raise violation(name, HIDDEN, f"Member must have length greater than or equal to {min_len}")
    if len(value) > max_len:
        raise violation(name, HIDDEN, f"Member must have length less than or equal to {max_len}")
    return value


def string_map(params: dict, name: str) -> dict[str, str]:
    value = params.get(name)
    if value is None:
        return {}
    if isinstance(value, dict):
        for k, v in value.items():
            if not (isinstance(k, str) and isinstance(v, str)):
                break
        else:
            return dict(value)
    raise SerializationException(f"Unexpected value type for {name}: expected a string map")


def string_list(params: dict, name: str, *, max_items: int | None = None) -> list[str]:
    value = params.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SerializationException(
            f"Unexpected value type for {name}: expected a list of strings"
        )
    if max_items is not None and len(value) > max_items:
        raise violation(name, value, f"Member must have length less than or equal to {max_items}")
    return list(value)
