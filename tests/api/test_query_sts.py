"""STS on the endpoint: GetCallerIdentity over the Query protocol, from boto3, the aws
CLI and a hand-made form POST, with AWS's XML answers and errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import ACCOUNT, Keys
from .query_helpers import aws_json, client, query_post, text

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
IDENTITY = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}


def test_boto3_root_and_user_identities(api):
    root = client(api, "sts").get_caller_identity()
    assert (root["Account"], root["Arn"], root["UserId"]) == (
        ACCOUNT,
        f"arn:aws:iam::{ACCOUNT}:root",
        ACCOUNT,
    )
    alice_arn, alice_keys = api.user("alice")
    alice = client(api, "sts", alice_keys).get_caller_identity()
    user = api.engine.call("GetUser", {"UserName": "alice"})["User"]
    assert alice["Arn"] == alice_arn
    assert alice["UserId"] == user["UserId"] and alice["UserId"].startswith("AIDA")
    assert alice["Account"] == ACCOUNT


def test_aws_cli_get_caller_identity(api, tmp_path):
    bob_arn, bob_keys = api.user("bob")
    answer = aws_json(api, bob_keys, "sts", "get-caller-identity", tmp=tmp_path)
    assert answer["Arn"] == bob_arn and answer["Account"] == ACCOUNT


def test_xml_answer_shape(api):
    status, headers, root = query_post(api, "sts", IDENTITY)
    assert status == 200
    assert headers["content-type"].startswith("text/xml")
    assert root.tag == f"{{{STS_NAMESPACE}}}GetCallerIdentityResponse"
    assert text(root, "GetCallerIdentityResult/Arn") == f"arn:aws:iam::{ACCOUNT}:root"
    request_id = text(root, "ResponseMetadata/RequestId")
    assert request_id and request_id == headers["x-amzn-requestid"]


def test_the_call_is_an_event(api):
    carol_arn, carol_keys = api.user("carol")
    seen = []
    unsubscribe = api.engine.events.subscribe(seen.append)
    try:
        client(api, "sts", carol_keys).get_caller_identity()
    finally:
        unsubscribe()
    records = [r for r in seen if r.get("eventName") == "GetCallerIdentity"]
    assert len(records) == 1
    assert records[0]["eventSource"] == "sts.amazonaws.com"
    assert records[0]["userIdentity"]["arn"] == carol_arn


def test_wrong_secret_is_signature_does_not_match(api):
    keys = Keys(api.root.access_key_id, "not-the-secret")
    with pytest.raises(ClientError) as excinfo:
        client(api, "sts", keys).get_caller_identity()
    error = excinfo.value.response["Error"]
    assert error["Code"] == "SignatureDoesNotMatch" and error["Type"] == "Sender"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_key_is_invalid_client_token_id(api):
    with pytest.raises(ClientError) as excinfo:
        client(api, "sts", Keys("AKIAUNKNOWNUNKNOWN00", "secret")).get_caller_identity()
    assert excinfo.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_error_xml_and_unknown_actions(api):
    status, _, root = query_post(api, "sts", {"Action": "AssumeRoot", "Version": "2011-06-15"})
    assert status == 400 and root.tag == "ErrorResponse"
    assert text(root, "Error/Type") == "Sender"
    assert text(root, "Error/Code") == "InvalidAction"
    assert "AssumeRoot" in text(root, "Error/Message")
    assert text(root, "RequestId")
    status, _, root = query_post(api, "sts", {"Version": "2011-06-15"})
    assert status == 400 and text(root, "Error/Code") == "MissingAction"


def test_a_kms_operation_by_query_is_not_served(api):
    # KMS speaks JSON only: a form naming a KMS operation under an sts scope is refused.
    status, _, root = query_post(api, "sts", {"Action": "ListKeys", "Version": "2011-06-15"})
    assert status == 400 and text(root, "Error/Code") == "InvalidAction"


def test_any_credentials_endpoint_answers_as_root(any_api):
    identity = client(any_api, "sts").get_caller_identity()
    assert identity["Arn"] == "arn:aws:iam::444455556666:root"
