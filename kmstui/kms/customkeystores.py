"""Custom key stores, answered as KMS answers in an account that has none and whose
CloudHSM clusters, external key store proxies and VPC endpoint services do not exist.

DescribeCustomKeyStores lists no store; every operation that names a store answers
CustomKeyStoreNotFoundException; CreateCustomKeyStore validates its members as AWS
does and then finds no cluster (CloudHsmClusterNotFoundException), no VPC endpoint
service (XksProxyVpcEndpointServiceNotFoundException) or no proxy at the public
endpoint (XksProxyUriUnreachableException). The key store password and the proxy's
authentication credential are secrets: they never enter an event.
"""

from __future__ import annotations

import re

from kmstui import paging
from kmstui.caller import Caller
from kmstui.errors import (
    AwsError,
    CloudHsmClusterNotFoundException,
    CustomKeyStoreNotFoundException,
    ValidationException,
    XksProxyUriUnreachableException,
    XksProxyVpcEndpointServiceNotFoundException,
)
from kmstui.kms import validation
from kmstui.kms.service import CallContext, KmsService, operation

STORE_TYPES = ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE")
CONNECTIVITY = ("PUBLIC_ENDPOINT", "VPC_ENDPOINT_SERVICE")
CLUSTER_ID = r"cluster-[2-7a-zA-Z]{11,16}"
PROXY_ENDPOINT = r"^https://[a-zA-Z0-9.-]+$"
PROXY_PATH = r"^(/[a-zA-Z0-9\/_-]+/kms/xks/v\d{1,2})$|^(/kms/xks/v\d{1,2})$"
VPC_SERVICE = r"^(com|eu)\.amazonaws\.vpce\.([a-z]+-){2,3}\d+\.vpce-svc-[0-9a-z]+$"
ACCOUNT = r"[0-9]{12}"
ACCESS_KEY_ID = r"^[A-Z2-7]+$"
SECRET_KEY = r"^[a-zA-Z0-9\/+=]+$"


def _text(
    params: dict, name: str, low: int, high: int, pattern: str | None, *, optional: bool = True
) -> str | None:
    value = validation.string(params, name, optional=optional, min_len=low, max_len=high)
    if value is not None and pattern is not None and not re.fullmatch(pattern, value):
        raise validation.violation(
            name, value, f"Member must satisfy regular expression pattern: {pattern}"
        )
    return value


def store_id(params: dict) -> str:
    return _text(params, "CustomKeyStoreId", 1, 64, None, optional=False) or ""


def not_found(store: str) -> AwsError:
    return CustomKeyStoreNotFoundException(
        f"Custom key store {store} does not exist in this account and Region."
    )


@operation("DescribeCustomKeyStores")
def describe_custom_key_stores(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    store = _text(params, "CustomKeyStoreId", 1, 64, None)
    name = _text(params, "CustomKeyStoreName", 1, 256, None)
    service.authorize(ctx, caller, "kms:DescribeCustomKeyStores", None)
    if store is not None and name is not None:
        raise ValidationException(
            "Specify either CustomKeyStoreId or CustomKeyStoreName, not both."
        )
    if store is not None or name is not None:
        raise not_found(store or name or "")
    stores: list[dict] = []  # the emulation keeps no custom key stores
    chunk, tail = paging.kms_page(
        params, stores, lambda store: store["CustomKeyStoreId"], default_limit=1000
    )
    return {"CustomKeyStores": chunk, **tail}


@operation("CreateCustomKeyStore")
def create_custom_key_store(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    _text(params, "CustomKeyStoreName", 1, 256, None, optional=False)
    kind = (
        validation.string(params, "CustomKeyStoreType", optional=True, choices=STORE_TYPES)
        or "AWS_CLOUDHSM"
    )
    if kind == "AWS_CLOUDHSM":
        members = _cloudhsm_members(params)
    else:
        members = _xks_members(params)
    service.authorize(ctx, caller, "kms:CreateCustomKeyStore", None)
    return _unreachable(kind, members)


@operation("UpdateCustomKeyStore")
def update_custom_key_store(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    store = store_id(params)
    _text(params, "NewCustomKeyStoreName", 1, 256, None)
    _text(params, "CloudHsmClusterId", 19, 24, CLUSTER_ID)
    _text(params, "KeyStorePassword", 7, 32, None)
    _xks_members(params, required=False)
    service.authorize(ctx, caller, "kms:UpdateCustomKeyStore", None)
    raise not_found(store)


def _no_store(service: KmsService, params: dict, caller: Caller, ctx: CallContext) -> dict:
    """No custom key store exists, so the one named is not found."""
    store = store_id(params)
    service.authorize(ctx, caller, f"kms:{ctx.operation}", None)
    raise not_found(store)


@operation("ConnectCustomKeyStore")
def connect_custom_key_store(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    return _no_store(service, params, caller, ctx)


@operation("DisconnectCustomKeyStore")
def disconnect_custom_key_store(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    return _no_store(service, params, caller, ctx)


@operation("DeleteCustomKeyStore")
def delete_custom_key_store(
    service: KmsService, params: dict, caller: Caller, ctx: CallContext
) -> dict:
    return _no_store(service, params, caller, ctx)


def _required(params: dict, kind: str, names: tuple[str, ...]) -> None:
    for name in names:
        if params.get(name) is None:
            raise ValidationException(f"{name} is required for a custom key store of type {kind}.")


def _cloudhsm_members(params: dict) -> dict:
    _required(
        params, "AWS_CLOUDHSM", ("CloudHsmClusterId", "TrustAnchorCertificate", "KeyStorePassword")
    )
    for name in (
        "XksProxyUriEndpoint",
        "XksProxyUriPath",
        "XksProxyVpcEndpointServiceName",
        "XksProxyVpcEndpointServiceOwner",
        "XksProxyAuthenticationCredential",
        "XksProxyConnectivity",
    ):
        if params.get(name) is not None:
            raise ValidationException(
                f"{name} is not valid for a custom key store of type AWS_CLOUDHSM."
            )
    return {
        "CloudHsmClusterId": _text(params, "CloudHsmClusterId", 19, 24, CLUSTER_ID),
        "TrustAnchorCertificate": _text(params, "TrustAnchorCertificate", 1, 5000, None),
        "KeyStorePassword": _text(params, "KeyStorePassword", 7, 32, None),
    }


def _xks_members(params: dict, *, required: bool = True) -> dict:
    if required:
        _required(
            params,
            "EXTERNAL_KEY_STORE",
            (
                "XksProxyUriEndpoint",
                "XksProxyAuthenticationCredential",
                "XksProxyConnectivity",
                "XksProxyUriPath",
            ),
        )
        for name in ("CloudHsmClusterId", "TrustAnchorCertificate", "KeyStorePassword"):
            if params.get(name) is not None:
                raise ValidationException(
                    f"{name} is not valid for a custom key store of type EXTERNAL_KEY_STORE."
                )
    members = {
        "XksProxyUriEndpoint": _text(params, "XksProxyUriEndpoint", 10, 128, PROXY_ENDPOINT),
        "XksProxyUriPath": _text(params, "XksProxyUriPath", 10, 128, PROXY_PATH),
        "XksProxyVpcEndpointServiceName": _text(
            params, "XksProxyVpcEndpointServiceName", 20, 64, VPC_SERVICE
        ),
        "XksProxyVpcEndpointServiceOwner": _text(
            params, "XksProxyVpcEndpointServiceOwner", 12, 12, ACCOUNT
        ),
        "XksProxyConnectivity": validation.string(
            params, "XksProxyConnectivity", optional=True, choices=CONNECTIVITY
        ),
    }
    credential = params.get("XksProxyAuthenticationCredential")
    if credential is not None:
        if not isinstance(credential, dict):
            raise validation.violation(
                "XksProxyAuthenticationCredential", "...", "Member must be a structure"
            )
        _text(credential, "AccessKeyId", 20, 30, ACCESS_KEY_ID, optional=False)
        _text(credential, "RawSecretAccessKey", 43, 64, SECRET_KEY, optional=False)
    if (
        required
        and members["XksProxyConnectivity"] == "VPC_ENDPOINT_SERVICE"
        and members["XksProxyVpcEndpointServiceName"] is None
    ):
        raise ValidationException(
            "XksProxyVpcEndpointServiceName is required when XksProxyConnectivity is "
            "VPC_ENDPOINT_SERVICE."
        )
    return members


def _unreachable(kind: str, members: dict) -> dict:
    if kind == "AWS_CLOUDHSM":
        raise CloudHsmClusterNotFoundException(
            f"AWS CloudHSM cluster {members['CloudHsmClusterId']} does not exist in this "
            "account and Region."
        )
    if members["XksProxyConnectivity"] == "VPC_ENDPOINT_SERVICE":
        raise XksProxyVpcEndpointServiceNotFoundException(
            f"VPC endpoint service {members['XksProxyVpcEndpointServiceName']} does not exist."
        )
    raise XksProxyUriUnreachableException(
        f"KMS cannot reach the external key store proxy at {members['XksProxyUriEndpoint']}."
    )
