"""Simulated requests: one case of ``policy_examples.json`` (a policy, a request, a
decision), and the rule every simulation follows for the context it is given.

A simulated request holds only the condition keys its action can carry. A key the
action never carries (an encryption context given with DescribeKey, say) is left out
of the request context and named in the decision, so the simulator never allows what
the validator says can never be allowed (UNSATISFIABLE_CONDITION), nor what KMS would
never allow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .catalog import uncarried_keys
from .evaluate import Request, evaluate


def carried_context(
    action: str, context: Mapping[str, Any], keys: Iterable[str] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """``context`` without the condition keys requests for ``action`` never carry,
    and those left out. Only ``keys`` are judged (default: every key of ``context``)."""
    left_out = uncarried_keys(action, context if keys is None else keys)
    if not left_out:
        return dict(context), []
    return {k: v for k, v in context.items() if k not in left_out}, left_out


def simulate_case(case: dict) -> dict:
    """``{"decision", "explanation"}`` for a case with ``policy`` and ``request``
    (``principal``, ``action``, ``resource``, ``context``, optional
    ``identity_policies`` and ``grants``)."""
    req = case["request"]
    context, ignored = carried_context(req["action"], req.get("context") or {})
    request = Request(
        principal=req["principal"],
        action=req["action"],
        resource=req.get("resource", "*"),
        context=context,
        principal_account=req.get("principal_account"),
        resource_account=req.get("resource_account"),
    )
    decision = evaluate(
        request,
        key_policy=case.get("policy"),
        identity_policies=req.get("identity_policies") or case.get("identity_policies") or (),
        grants=req.get("grants") or case.get("grants") or (),
    )
    decision.ignored = ignored
    return decision.to_json()
