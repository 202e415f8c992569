"""Run one case of ``policy_examples.json``: a policy, a request, a decision."""

from __future__ import annotations

from .evaluate import Request, evaluate


def simulate_case(case: dict) -> dict:
    """``{"decision", "explanation"}`` for a case with ``policy`` and ``request``
    (``principal``, ``action``, ``resource``, ``context``, optional
    ``identity_policies`` and ``grants``)."""
    req = case["request"]
    request = Request(
        principal=req["principal"],
        action=req["action"],
        resource=req.get("resource", "*"),
        context=dict(req.get("context") or {}),
        principal_account=req.get("principal_account"),
        resource_account=req.get("resource_account"),
    )
    decision = evaluate(
        request,
        key_policy=case.get("policy"),
        identity_policies=req.get("identity_policies") or case.get("identity_policies") or (),
        grants=req.get("grants") or case.get("grants") or (),
    )
    return decision.to_json()
