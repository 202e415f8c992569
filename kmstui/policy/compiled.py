"""A policy document turned into matchers, once, for fast repeated evaluation.

Compilation lowercases action names into sets and wildcard regexes, turns
principals into lookup sets and conditions into prepared operators, and
indexes statements by action on first use: evaluating a request then only
visits the statements that name its action. Malformed parts never raise
here; a statement that cannot apply simply never applies (the validator is
where malformations are reported).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import TypeAlias

from . import variables
from .conditions import compile_block
from .principals import PrincipalSet
from .wildcard import compile_glob, has_wildcard

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"

# A policy as text (JSON), parsed, or compiled.
PolicyDocument: TypeAlias = "str | bytes | dict | CompiledPolicy"


def _strings(value: object) -> list[str] | None:
    """A string-or-list element as a list of strings; ``None`` if malformed."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


class _NameMatcher:
    """Matches names against a list of patterns (``*`` and ``?`` wildcards)."""

    __slots__ = ("everything", "exact", "patterns", "templates", "ignore_case")

    def __init__(self, patterns: list[str], ignore_case: bool, allow_variables: bool = False):
        self.ignore_case = ignore_case
        self.everything = False
        exact = set()
        regexes = []
        templates = []
        for pattern in patterns:
            if allow_variables and variables.has_variables(pattern):
                templates.append(variables.split(pattern))
                continue
            if ignore_case:
                pattern = pattern.lower()
            if pattern == "*":
                self.everything = True
            elif has_wildcard(pattern):
                regexes.append(compile_glob(pattern))
            else:
                exact.add(pattern)
        self.exact = frozenset(exact)
        self.patterns = tuple(regexes)
        self.templates = tuple(templates)

    def match(self, name: str, ctx: Mapping[str, object] | None = None) -> bool:
        if self.everything:
            return True
        if self.ignore_case:
            name = name.lower()
        if name in self.exact:
            return True
        for regex in self.patterns:
            if regex.match(name):
                return True
        if self.templates and ctx is not None:
            from .wildcard import glob_match

            for parts in self.templates:
                pattern = variables.resolve(parts, ctx)
                if pattern is not None and glob_match(pattern, name, self.ignore_case):
                    return True
        return False


class CompiledStatement:
    __slots__ = (
        "index",
        "sid",
        "effect",
        "principal",
        "not_principal",
        "actions",
        "not_actions",
        "resources",
        "not_resources",
        "conditions",
        "raw",
    )

    def __init__(self, index: int, raw: dict, allow_variables: bool):
        self.index = index
        self.raw = raw
        sid = raw.get("Sid")
        self.sid = sid if isinstance(sid, str) and sid else None
        effect = raw.get("Effect")
        self.effect = effect if effect in ("Allow", "Deny") else None
        self.principal = PrincipalSet(raw["Principal"]) if "Principal" in raw else None
        self.not_principal = PrincipalSet(raw["NotPrincipal"]) if "NotPrincipal" in raw else None
        self.actions = self._matcher(raw, "Action", True, False)
        self.not_actions = self._matcher(raw, "NotAction", True, False)
        self.resources = self._matcher(raw, "Resource", False, allow_variables)
        self.not_resources = self._matcher(raw, "NotResource", False, allow_variables)
        self.conditions = compile_block(raw.get("Condition"), allow_variables)

    @staticmethod
    def _matcher(
        raw: dict, element: str, ignore_case: bool, allow_variables: bool
    ) -> _NameMatcher | None:
        if element not in raw:
            return None
        values = _strings(raw[element])
        return _NameMatcher(values or [], ignore_case, allow_variables)

    @property
    def label(self) -> str | int:
        """What explanations call this statement: its Sid, else its index."""
        return self.sid if self.sid is not None else self.index

    def matches_action(self, action_lower: str) -> bool:
        if self.effect is None:
            return False
        if self.actions is not None:
            return self.not_actions is None and self.actions.match(action_lower)
        if self.not_actions is not None:
            return not self.not_actions.match(action_lower)
        return False

    def action_miss(self, action: str) -> str:
        if self.effect is None:
            return "Effect is missing or not Allow/Deny"
        if self.actions is None and self.not_actions is None:
            return "no Action or NotAction element"
        if self.actions is not None and self.not_actions is not None:
            return "both Action and NotAction present"
        if self.actions is not None:
            return f"Action does not include {action}"
        return f"NotAction excludes {action}"

    def resource_miss(self, resource: str, ctx: Mapping[str, object]) -> str | None:
        """``None`` when the resource element covers ``resource``, else why not."""
        if self.resources is not None and self.not_resources is None:
            if resource == "*" or self.resources.match(resource, ctx):
                return None
            return f"Resource does not include {resource}"
        if self.not_resources is not None and self.resources is None:
            if resource == "*" or not self.not_resources.match(resource, ctx):
                return None
            return f"NotResource excludes {resource}"
        if self.resources is None and self.not_resources is None:
            return "no Resource or NotResource element"
        return "both Resource and NotResource present"

    def condition_miss(self, ctx: Mapping[str, object]) -> str | None:
        for condition in self.conditions:
            if not condition.evaluate(ctx):
                return condition.explain(ctx)
        return None


class CompiledPolicy:
    """A parsed policy ready for :func:`kmstui.policy.evaluate`."""

    __slots__ = ("document", "version", "statements", "name", "_by_action")

    def __init__(self, document: dict, name: str | None = None):
        self.document = document
        self.name = name
        version = document.get("Version")
        self.version = version if isinstance(version, str) else None
        allow_variables = self.version == VERSION_2012
        raw = document.get("Statement")
        if isinstance(raw, dict):
            raw = [raw]
        if not isinstance(raw, list):
            raw = []
        self.statements = tuple(
            CompiledStatement(i, s, allow_variables)
            for i, s in enumerate(raw)
            if isinstance(s, dict)
        )
        self._by_action: dict[str, frozenset[int]] = {}

    def for_action(self, action_lower: str) -> frozenset[int]:
        """Indexes of the statements whose Action/NotAction covers the action."""
        hit = self._by_action.get(action_lower)
        if hit is None:
            hit = frozenset(s.index for s in self.statements if s.matches_action(action_lower))
            if len(self._by_action) < 4096:
                self._by_action[action_lower] = hit
        return hit

    def __repr__(self) -> str:
        return f"CompiledPolicy({len(self.statements)} statements, version={self.version!r})"


@lru_cache(maxsize=512)
def _compile_text(text: str, name: str | None) -> CompiledPolicy:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"The policy is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ValueError("The policy must be a JSON object")
    return CompiledPolicy(document, name)


def compile_policy(policy: PolicyDocument, name: str | None = None) -> CompiledPolicy:
    """Compile policy text or a parsed dict. Text is cached by content.

    Raises ``ValueError`` for text that is not a JSON object.
    """
    if isinstance(policy, CompiledPolicy):
        return policy
    if isinstance(policy, (str, bytes)):
        if isinstance(policy, bytes):
            policy = policy.decode("utf-8", "replace")
        return _compile_text(policy, name)
    if isinstance(policy, dict):
        try:
            return _compile_text(json.dumps(policy, sort_keys=True), name)
        except (TypeError, ValueError):
            return CompiledPolicy(policy, name)
    raise ValueError(f"A policy must be text or a dict, not {type(policy).__name__}")
