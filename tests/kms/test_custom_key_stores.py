"""Custom key stores, answered as KMS answers where no store, cluster, proxy or VPC
endpoint service exists; their secrets never reach an event."""

from __future__ import annotations

import json

import pytest

from kmstui.errors import (
    CloudHsmClusterNotFoundException,
    CustomKeyStoreNotFoundException,
    InvalidMarkerException,
    ValidationException,
    XksProxyUriUnreachableException,
    XksProxyVpcEndpointServiceNotFoundException,
)

STORE = "cks-1234567890abcdef0"
CREDENTIAL = {"AccessKeyId": "ABCDEFGHIJKLMNOPQRST", "RawSecretAccessKey": "s" * 43}
XKS = {
    "CustomKeyStoreName": "xks",
    "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
    "XksProxyUriEndpoint": "https://proxy.example.com",
    "XksProxyUriPath": "/kms/xks/v1",
    "XksProxyAuthenticationCredential": CREDENTIAL,
    "XksProxyConnectivity": "PUBLIC_ENDPOINT",
}
HSM = {
    "CustomKeyStoreName": "hsm",
    "CloudHsmClusterId": "cluster-234567abcdefg",
    "TrustAnchorCertificate": "-----BEGIN CERTIFICATE-----",
    "KeyStorePassword": "correct horse",
}


def test_there_are_no_custom_key_stores(engine):
    assert engine.call("DescribeCustomKeyStores") == {"CustomKeyStores": [], "Truncated": False}
    for params in ({"CustomKeyStoreId": STORE}, {"CustomKeyStoreName": "mine"}):
        with pytest.raises(CustomKeyStoreNotFoundException):
            engine.call("DescribeCustomKeyStores", params)
    with pytest.raises(InvalidMarkerException):
        engine.call("DescribeCustomKeyStores", {"Marker": "nonsense"})


@pytest.mark.parametrize(
    "operation",
    [
        "ConnectCustomKeyStore",
        "DisconnectCustomKeyStore",
        "DeleteCustomKeyStore",
        "UpdateCustomKeyStore",
    ],
)
def test_a_named_store_is_not_found(engine, operation):
    with pytest.raises(CustomKeyStoreNotFoundException, match=STORE):
        engine.call(operation, {"CustomKeyStoreId": STORE})
    with pytest.raises(ValidationException):
        engine.call(operation, {})


def test_create_key_in_a_store_that_does_not_exist(engine):
    with pytest.raises(CustomKeyStoreNotFoundException, match=STORE):
        engine.call("CreateKey", {"CustomKeyStoreId": STORE, "Origin": "AWS_CLOUDHSM"})
    with pytest.raises(ValidationException, match="CustomKeyStoreId"):
        engine.call("CreateKey", {"Origin": "EXTERNAL_KEY_STORE"})
    with pytest.raises(CustomKeyStoreNotFoundException):
        engine.call("GenerateRandom", {"NumberOfBytes": 8, "CustomKeyStoreId": STORE})
    assert engine.call("ListKeys")["Keys"] == []


def test_create_custom_key_store_finds_nothing_to_connect_to(engine):
    with pytest.raises(CloudHsmClusterNotFoundException, match="cluster-234567abcdefg"):
        engine.call("CreateCustomKeyStore", HSM)
    with pytest.raises(XksProxyUriUnreachableException):
        engine.call("CreateCustomKeyStore", XKS)
    vpc = {
        **XKS,
        "XksProxyConnectivity": "VPC_ENDPOINT_SERVICE",
        "XksProxyUriEndpoint": "https://myproxy-private.xks.example.com",
        "XksProxyVpcEndpointServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-example1",
    }
    with pytest.raises(XksProxyVpcEndpointServiceNotFoundException):
        engine.call("CreateCustomKeyStore", vpc)


@pytest.mark.parametrize(
    "params",
    [
        {k: v for k, v in HSM.items() if k != "KeyStorePassword"},
        {**HSM, "CloudHsmClusterId": "not-a-cluster-id-here"},
        {**HSM, "XksProxyConnectivity": "PUBLIC_ENDPOINT"},
        {k: v for k, v in XKS.items() if k != "XksProxyUriPath"},
        {**XKS, "XksProxyUriPath": "/wrong/path/here"},
        {**XKS, "XksProxyAuthenticationCredential": {"AccessKeyId": "short"}},
        {**XKS, "XksProxyConnectivity": "VPC_ENDPOINT_SERVICE"},
    ],
)
def test_create_custom_key_store_validates_as_aws_does(engine, params):
    with pytest.raises(ValidationException):
        engine.call("CreateCustomKeyStore", params)


def test_store_secrets_never_reach_an_event(engine):
    for params in (HSM, XKS):
        with pytest.raises((CloudHsmClusterNotFoundException, XksProxyUriUnreachableException)):
            engine.call("CreateCustomKeyStore", params)
    text = "\n".join(json.dumps(e) for e in engine.events.recent)
    assert "correct horse" not in text and CREDENTIAL["RawSecretAccessKey"] not in text
    assert "CreateCustomKeyStore" in text
