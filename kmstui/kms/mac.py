"""GenerateMac and VerifyMac with HMAC keys (KeyUsage GENERATE_VERIFY_MAC): HMAC-SHA-224,
256, 384 or 512 as the key's spec says, per RFC 2104."""

from __future__ import annotations

import hmac

from kmstui.caller import Caller
from kmstui.errors import KMSInvalidMacException
from kmstui.kms import validation
from kmstui.kms.asymmetric import require_algorithm
from kmstui.kms.service import CallContext, KmsService, operation
from kmstui.kms.support import dry_run, grant_tokens

# in the order KMS lists them when it refuses another value (not the model's order)
MAC_ALGORITHMS = ("HMAC_SHA_384", "HMAC_SHA_256", "HMAC_SHA_224", "HMAC_SHA_512")


def _mac(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext, operation_name: str
) -> tuple[dict, str, bytes]:
    """The checks GenerateMac and VerifyMac share; (key, algorithm, MAC of Message)."""
    message = validation.blob(params, "Message", max_len=4096)
    key = service.resolve(params.get("KeyId"), caller)
    algorithm = validation.string(params, "MacAlgorithm", choices=MAC_ALGORITHMS)
    grant_tokens(params)
    assert message is not None and algorithm is not None
    service.authorize(
        ctx, caller, f"kms:{operation_name}", key, None, {"kms:MacAlgorithm": algorithm}
    )
    service.require_usable(key)
    service.require_usage(key, "GENERATE_VERIFY_MAC", operation_name)
    require_algorithm(key, algorithm)
    secret = service.key_secret(key)
    return key, algorithm, hmac.digest(secret, message, "sha" + algorithm[-3:])


@operation("GenerateMac")
def generate_mac(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    key, algorithm, mac = _mac(service, params, caller, ctx, "GenerateMac")
    dry_run(params)
    return {"Mac": mac, "MacAlgorithm": algorithm, "KeyId": key["Arn"]}


@operation("VerifyMac")
def verify_mac(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """MacValid true when Mac is the HMAC of Message; KMSInvalidMacException otherwise."""
    key, algorithm, expected = _mac(service, params, caller, ctx, "VerifyMac")
    given = validation.blob(params, "Mac", max_len=6144)
    assert given is not None
    dry_run(params)
    if not hmac.compare_digest(expected, given):
        raise KMSInvalidMacException("")
    return {"KeyId": key["Arn"], "MacValid": True, "MacAlgorithm": algorithm}
