"""Condition operators, compiled once per policy and evaluated per request.

Semantics follow the IAM condition-operator reference: several values for a
key are OR-ed (for negated operators, NOR), several keys and operators are
AND-ed by the caller. When the request lacks the key: positive operators are
false, negated ones true, ``...IfExists`` true, ``ForAnyValue:`` false and
``ForAllValues:`` true. ``Null`` tests presence itself.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from . import variables
from .wildcard import compile_glob, glob_to_regex

ABSENT = object()
# A request's context: lowercased condition keys to their values.
Context = Mapping[str, object]

FOR_ANY = "ForAnyValue"
FOR_ALL = "ForAllValues"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_date(value: object) -> float | None:
    """Epoch seconds from ISO 8601 text, epoch numbers or a datetime."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, bool):
        return None
    elif isinstance(value, (int, float)):
        return float(value)
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return float(text)
        try:
            dt = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            return None
    else:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def _ip_network(value: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(_text(value).strip(), strict=False)
    except ValueError:
        return None


def _ip_address(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(_text(value).strip())
    except ValueError:
        return None


def _binary(value: object) -> bytes | str:
    text = _text(value)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text


@lru_cache(maxsize=4096)
def _regex(source: str, ignore_case: bool = False) -> re.Pattern:
    return re.compile(source + r"\Z", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _arn_parts(pattern: str) -> tuple[re.Pattern[str], ...] | None:
    parts = pattern.split(":", 5)
    if len(parts) != 6:
        return None
    return tuple(compile_glob(p) for p in parts)


class Family:
    """How one operator family prepares policy values and tests a request value."""

    name = ""
    value_kind = "String"

    def prepare(self, value: str) -> Any:
        return value

    def prepare_template(self, parts: list[tuple], ctx: Context) -> Any:
        text = variables.resolve(parts, ctx)
        return None if text is None else self.prepare(text)

    def test(self, request_value: object, prepared: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


class StringEquals(Family):
    def test(self, rv: object, pv: str) -> bool:
        return _text(rv) == pv


class StringEqualsIgnoreCase(Family):
    def prepare(self, value: str) -> str:
        return value.casefold()

    def test(self, rv: object, pv: str) -> bool:
        return _text(rv).casefold() == pv


class StringLike(Family):
    def prepare(self, value: str) -> re.Pattern[str]:
        return compile_glob(value)

    def prepare_template(self, parts: list[tuple], ctx: Context) -> re.Pattern[str] | None:
        source = variables.resolve(parts, ctx, glob_to_regex, re.escape, re.escape)
        return None if source is None else _regex(source)

    def test(self, rv: object, pv: re.Pattern[str]) -> bool:
        return pv.match(_text(rv)) is not None


class Numeric(Family):
    value_kind = "Numeric"

    def __init__(self, compare: Callable[[float, float], bool]):
        self.compare = compare

    def prepare(self, value: str) -> float | None:
        return _number(value)

    def test(self, rv: object, pv: float | None) -> bool:
        number = _number(rv)
        return number is not None and pv is not None and self.compare(number, pv)


class Date(Numeric):
    value_kind = "Date"

    def prepare(self, value: str) -> float | None:
        return parse_date(value)

    def test(self, rv: object, pv: float | None) -> bool:
        when = parse_date(rv)
        return when is not None and pv is not None and self.compare(when, pv)


class Bool(Family):
    value_kind = "Bool"

    def prepare(self, value: str) -> str:
        return _text(value).lower()

    def test(self, rv: object, pv: str) -> bool:
        return _text(rv).lower() == pv


class Binary(Family):
    value_kind = "Binary"

    def prepare(self, value: str) -> bytes | str:
        return _binary(value)

    def test(self, rv: object, pv: bytes | str) -> bool:
        return _binary(rv) == pv


class IpAddress(Family):
    value_kind = "IPAddress"

    def prepare(self, value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        return _ip_network(value)

    def test(self, rv: object, pv: ipaddress.IPv4Network | ipaddress.IPv6Network | None) -> bool:
        address = _ip_address(rv)
        return address is not None and pv is not None and address in pv


class Arn(Family):
    value_kind = "ARN"

    def prepare(self, value: str) -> tuple[re.Pattern[str], ...] | None:
        return _arn_parts(value)

    def test(self, rv: object, pv: tuple[re.Pattern[str], ...] | None) -> bool:
        if pv is None:
            return False
        parts = _text(rv).split(":", 5)
        if len(parts) != 6:
            return False
        return all(p.match(v) is not None for p, v in zip(pv, parts, strict=True))


def _eq(a: float, b: float) -> bool:
    return a == b


def _lt(a: float, b: float) -> bool:
    return a < b


def _le(a: float, b: float) -> bool:
    return a <= b


def _gt(a: float, b: float) -> bool:
    return a > b


def _ge(a: float, b: float) -> bool:
    return a >= b


# lowercased base operator -> (canonical name, family, negated)
OPERATORS: dict[str, tuple[str, Family | None, bool]] = {}


def _op(name: str, family: Family | None, negated: bool = False) -> None:
    OPERATORS[name.lower()] = (name, family, negated)


_string_equals = StringEquals()
_string_ic = StringEqualsIgnoreCase()
_string_like = StringLike()
_arn = Arn()
_op("StringEquals", _string_equals)
_op("StringNotEquals", _string_equals, True)
_op("StringEqualsIgnoreCase", _string_ic)
_op("StringNotEqualsIgnoreCase", _string_ic, True)
_op("StringLike", _string_like)
_op("StringNotLike", _string_like, True)
for _suffix, _cmp in (
    ("Equals", _eq),
    ("LessThan", _lt),
    ("LessThanEquals", _le),
    ("GreaterThan", _gt),
    ("GreaterThanEquals", _ge),
):
    _op(f"Numeric{_suffix}", Numeric(_cmp))
    _op(f"Date{_suffix}", Date(_cmp))
_op("NumericNotEquals", Numeric(_eq), True)
_op("DateNotEquals", Date(_eq), True)
_op("Bool", Bool())
_op("BinaryEquals", Binary())
_op("IpAddress", IpAddress())
_op("NotIpAddress", IpAddress(), True)
_op("ArnEquals", _arn)
_op("ArnLike", _arn)
_op("ArnNotEquals", _arn, True)
_op("ArnNotLike", _arn, True)
_op("Null", None)

LIKE_OPERATORS = {
    "stringlike",
    "stringnotlike",
    "arnlike",
    "arnnotlike",
    "arnequals",
    "arnnotequals",
}


class OperatorName:
    """An operator as written: optional set qualifier, base operator, IfExists."""

    __slots__ = ("text", "qualifier", "base", "if_exists", "canonical", "family", "negated")

    def __init__(
        self,
        text: str,
        qualifier: str | None,
        base: str,
        if_exists: bool,
        canonical: str,
        family: Family | None,
        negated: bool,
    ):
        self.text = text
        self.qualifier = qualifier
        self.base = base
        self.if_exists = if_exists
        self.canonical = canonical
        self.family = family
        self.negated = negated

    @property
    def is_null(self) -> bool:
        return self.base == "null"


@lru_cache(maxsize=1024)
def parse_operator(text: str) -> OperatorName | None:
    """Split ``ForAnyValue:StringLikeIfExists`` into its parts; ``None`` if unknown."""
    if not isinstance(text, str):
        return None
    rest = text
    qualifier = None
    lower = rest.lower()
    if lower.startswith("foranyvalue:"):
        qualifier, rest = FOR_ANY, rest[12:]
    elif lower.startswith("forallvalues:"):
        qualifier, rest = FOR_ALL, rest[13:]
    lower = rest.lower()
    if_exists = False
    if lower.endswith("ifexists") and lower not in OPERATORS:
        if_exists = True
        lower = lower[:-8]
    entry = OPERATORS.get(lower)
    if entry is None:
        return None
    canonical, family, negated = entry
    return OperatorName(text, qualifier, lower, if_exists, canonical, family, negated)


def _as_values(value: object) -> list:
    return value if isinstance(value, list) else [value]


class Condition:
    """One operator applied to one key, with its policy values prepared."""

    __slots__ = ("operator", "key", "key_lower", "raw_values", "_prepared", "_templates")

    def __init__(self, operator: OperatorName, key: str, values: object, allow_variables: bool):
        self.operator = operator
        self.key = key
        self.key_lower = key.lower()
        self.raw_values = [_text(v) for v in _as_values(values) if v is not None]
        family = operator.family
        prepared = []
        templates = []
        for raw in self.raw_values:
            if family is None:
                prepared.append(raw.lower())
            elif allow_variables and variables.has_variables(raw):
                templates.append(variables.split(raw))
            else:
                prepared.append(family.prepare(raw))
        self._prepared = prepared
        self._templates = templates

    def _values(self, ctx: Context) -> list:
        family = self.operator.family
        if not self._templates or family is None:  # only a family's values have templates
            return self._prepared
        values = list(self._prepared)
        for parts in self._templates:
            value = family.prepare_template(parts, ctx)
            if value is not None:
                values.append(value)
        return values

    def evaluate(self, ctx: Context) -> bool:
        op = self.operator
        try:
            value = ctx[self.key_lower]
        except KeyError:
            value = ABSENT
        if value is not ABSENT and isinstance(value, list) and not value:
            value = ABSENT
        if op.family is None:  # Null
            present = value is not ABSENT and value is not None
            wanted_absent = [v == "true" for v in self._prepared]
            return any(want != present for want in wanted_absent)
        if value is ABSENT or value is None:
            if op.if_exists:
                return True
            if op.qualifier == FOR_ALL:
                return True
            if op.qualifier == FOR_ANY:
                return False
            return op.negated
        family = op.family
        test = family.test
        pvs = self._values(ctx)
        rvs = value if isinstance(value, list) else (value,)

        def hit(rv: object) -> bool:
            for pv in pvs:
                if test(rv, pv):
                    return True
            return False

        if op.qualifier == FOR_ALL:
            if op.negated:
                return not any(hit(rv) for rv in rvs)
            return all(hit(rv) for rv in rvs)
        if op.qualifier == FOR_ANY:
            if op.negated:
                return any(not hit(rv) for rv in rvs)
            return any(hit(rv) for rv in rvs)
        matched = any(hit(rv) for rv in rvs)
        return not matched if op.negated else matched

    def explain(self, ctx: Context) -> str:
        """Why this condition failed, in words."""
        op = self.operator.text
        try:
            value = ctx[self.key_lower]
        except KeyError:
            value = ABSENT
        wanted = " or ".join(repr(v) for v in self.raw_values) or "(no values)"
        if self.operator.is_null:
            state = "absent" if value is ABSENT or value is None else "present"
            return f"Condition {op} {self.key}: the key is {state}"
        if value is ABSENT or value is None or (isinstance(value, list) and not value):
            return f"Condition {op} {self.key}: the request has no value for the key"
        shown = value if isinstance(value, list) else _text(value)
        verb = "matches" if self.operator.negated else "does not match"
        return f"Condition {op} {self.key}: request value {shown!r} {verb} {wanted}"


def compile_block(block: object, allow_variables: bool) -> list[Condition | _Never]:
    """Compile a Condition element; unknown operators yield a condition that is
    never true (KMS would have refused the policy, see the validator)."""
    conditions: list[Condition | _Never] = []
    if not isinstance(block, dict):
        return conditions
    for op_text, keys in block.items():
        operator = parse_operator(op_text)
        if not isinstance(keys, dict):
            conditions.append(_Never(op_text))
            continue
        if operator is None:
            conditions.append(_Never(op_text))
            continue
        for key, values in keys.items():
            conditions.append(Condition(operator, key, values, allow_variables))
    return conditions


class _Never:
    """Stands for a condition that cannot be understood: it never holds."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def evaluate(self, ctx: Context) -> bool:
        return False

    def explain(self, ctx: Context) -> str:
        return f"Condition operator {self.text!r} is not understood"
