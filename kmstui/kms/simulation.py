"""Simulating a KMS authorization: would this principal be allowed this action on this
key, under the stored key policy or a draft of it? The console's policy editor asks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmstui.caller import Caller
from kmstui.kms.authorization import request_context

if TYPE_CHECKING:
    from kmstui.kms.service import KmsService
    from kmstui.policy import Decision


def simulate(
    kms: KmsService,
    *,
    policy_text: str | None,
    principal: str,
    action: str,
    key_id: str,
    encryption_context: dict | None = None,
    via_service: str | None = None,
    region: str | None = None,
) -> Decision:
    """Decide whether ``principal`` may do ``action`` on the key, using ``policy_text``
    in place of the stored key policy (None: the stored one), with the principal's
    identity policies and the key's grants. Nothing is changed and no event recorded:
    an AWS managed key not yet created (``alias/aws/ebs``) is decided as the key it
    will be. NotFoundException for a key that does not exist."""
    region = region or kms.region
    with kms.lock:
        caller, action = question(principal, action, kms.account, region, via_service)
        key = kms.resolve(key_id, Caller.root(kms.account, region), create_managed=False)
        context = request_context(caller, kms.clock.now(), key, encryption_context)
        return kms.authorizer.decide(caller, action, key, context, key_policy_text=policy_text)


def question(
    principal: str, action: str, account: str, region: str, via_service: str | None = None
) -> tuple[Caller, str]:
    """The caller a simulation asks about (a principal that is not an ARN, in
    ``account``; through ``via_service`` if given) and its action as ``kms:Action``."""
    try:
        caller = Caller.for_arn(principal, region)
    except ValueError:
        caller = Caller(principal=principal, account=account, region=region)
    if via_service:
        caller = caller.via(via_service)
    return caller, action if action.startswith("kms:") else f"kms:{action}"
