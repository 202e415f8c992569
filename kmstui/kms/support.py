"""Request members every cryptographic operation shares: GrantTokens and DryRun."""

from __future__ import annotations

from kmstui.errors import DryRunOperationException
from kmstui.kms import validation
from kmstui.kms.grants import check_grant_tokens


def grant_tokens(params: dict) -> list[str]:
    if params.get("GrantTokens") is None:
        return []
    tokens = validation.string_list(params, "GrantTokens", max_items=10)
    check_grant_tokens(tokens)
    return tokens


def dry_run(params: dict) -> None:
    if params.get("DryRun") is not None and validation.boolean(params, "DryRun"):
        raise DryRunOperationException(
            "The request would have succeeded, but the DryRun option is set."
        )
