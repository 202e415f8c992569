"""Simulating an authorization (the policy editor's "who may do what") changes
nothing: not the keys, not the database, not the event stream."""

from __future__ import annotations

import pytest

from kmstui.errors import NotFoundException
from kmstui.store.database import DB_NAME

EC2_USER = "arn:aws:iam::111122223333:user/ops"


def test_simulating_against_the_ebs_managed_alias_creates_no_key(engine, dirs):
    engine.call("CreateKey", {"Description": "app data"})  # the database exists
    keys, aliases = engine.call("ListKeys"), engine.call("ListAliases")
    database = dirs[0] / DB_NAME
    before = database.read_bytes()
    published = []
    engine.events.subscribe(published.append)

    decision = engine.simulate(
        policy_text=None,
        principal=EC2_USER,
        action="Decrypt",
        key_id="alias/aws/ebs",
        via_service="ec2.us-east-1.amazonaws.com",
    )

    assert decision.allowed
    assert published == []
    assert database.read_bytes() == before
    assert engine.call("ListKeys") == keys
    assert engine.call("ListAliases") == aliases


def test_the_managed_key_to_be_is_decided_by_the_policy_it_will_have(engine):
    # The AWS managed key's policy allows the account's principals through EC2 only.
    through_ec2 = engine.simulate(
        policy_text=None,
        principal=EC2_USER,
        action="kms:Decrypt",
        key_id="alias/aws/ebs",
        via_service="ec2.us-east-1.amazonaws.com",
    )
    directly = engine.simulate(
        policy_text=None, principal=EC2_USER, action="kms:Decrypt", key_id="alias/aws/ebs"
    )

    assert through_ec2.allowed
    assert not directly.allowed


def test_simulating_against_a_key_that_does_not_exist_is_not_found(engine):
    with pytest.raises(NotFoundException):
        engine.simulate(
            policy_text=None,
            principal=EC2_USER,
            action="kms:Decrypt",
            key_id="alias/not-there",
        )
