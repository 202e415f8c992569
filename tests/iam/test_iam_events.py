"""Every IAM call emits one CloudTrail-shaped event, and no event holds a secret."""

from __future__ import annotations

import json

import pytest
from iam_helpers import ACCOUNT, user_caller

from kmstui.errors import AwsError


def test_a_successful_call_emits_one_event(engine, events):
    engine.call("CreateUser", {"UserName": "alice"})
    assert len(events) == 1
    event = events[0]
    assert event["eventSource"] == "iam.amazonaws.com"
    assert event["eventName"] == "CreateUser"
    assert event["requestParameters"] == {"userName": "alice"}
    assert event["responseElements"]["user"]["userName"] == "alice"
    assert "errorCode" not in event
    assert [r["ARN"] for r in event["resources"]] == [f"arn:aws:iam::{ACCOUNT}:user/alice"]


def test_a_failed_call_emits_one_event_with_the_error(engine, events):
    with pytest.raises(AwsError):
        engine.call("GetUser", {"UserName": "ghost"})
    assert len(events) == 1
    assert events[0]["errorCode"] == "NoSuchEntity"
    assert events[0]["errorMessage"] == "The user with name ghost cannot be found."


def test_a_denied_call_emits_an_event_with_the_decision(engine, events):
    engine.call("CreateUser", {"UserName": "alice"})
    with pytest.raises(AwsError):
        engine.call("ListUsers", {}, caller=user_caller("alice"))
    event = events[-1]
    assert event["errorCode"] == "AccessDenied"
    assert event["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert event["decision"]["effect"] == "ImplicitDeny"
    assert event["decision"]["action"] == "iam:ListUsers"


def test_a_validation_failure_emits_an_event(engine, events):
    with pytest.raises(AwsError):
        engine.call("CreateUser", {"UserName": "bad name"})
    assert [e["errorCode"] for e in events] == ["ValidationError"]


def test_create_access_key_event_holds_no_secret(engine, events):
    engine.call("CreateUser", {"UserName": "alice"})
    key = engine.call("CreateAccessKey", {"UserName": "alice"})["AccessKey"]
    event = events[-1]
    assert event["eventName"] == "CreateAccessKey"
    assert event["responseElements"]["accessKey"]["accessKeyId"] == key["AccessKeyId"]
    assert key["SecretAccessKey"] not in json.dumps(events)
    persisted = engine.event_log.tail(10) if engine.event_log is not None else []
    assert key["SecretAccessKey"] not in json.dumps(persisted)


def test_the_response_still_carries_the_secret_after_the_event(engine):
    engine.call("CreateUser", {"UserName": "alice"})
    key = engine.call("CreateAccessKey", {"UserName": "alice"})["AccessKey"]
    assert len(key["SecretAccessKey"]) == 40
