"""Multi-Region keys: mrk- keys, ReplicateKey (Creating, then Enabled), UpdatePrimaryRegion
(Updating), shared and per-Region properties, ciphertexts across Regions, replica
deletion before the primary's, and the multi-Region condition keys."""

from __future__ import annotations

import json

import pytest

from kmstui.caller import Caller
from kmstui.errors import (
    AccessDeniedException,
    AlreadyExistsException,
    DisabledException,
    KMSInvalidStateException,
    NotFoundException,
    UnsupportedOperationException,
    ValidationException,
)
from kmstui.kms.arns import KEY_ID

EAST = Caller.root("111122223333", "us-east-1")
WEST = Caller.root("111122223333", "us-west-2")
EU = Caller.root("111122223333", "eu-west-1")
DAY = 86400


def _primary(engine, **params):
    return engine.call("CreateKey", {"MultiRegion": True, **params}, caller=EAST)["KeyMetadata"]


def _replicate(engine, key_id, region="us-west-2", **params):
    return engine.call(
        "ReplicateKey", {"KeyId": key_id, "ReplicaRegion": region, **params}, caller=EAST
    )


def _describe(engine, key_id, caller):
    return engine.call("DescribeKey", {"KeyId": key_id}, caller=caller)["KeyMetadata"]


def test_multi_region_key_has_an_mrk_id_and_its_configuration(engine):
    key = _primary(engine)
    assert key["KeyId"].startswith("mrk-") and KEY_ID.match(key["KeyId"])
    assert key["MultiRegion"] is True
    assert key["MultiRegionConfiguration"] == {
        "MultiRegionKeyType": "PRIMARY",
        "PrimaryKey": {"Arn": key["Arn"], "Region": "us-east-1"},
        "ReplicaKeys": [],
    }
    single = engine.call("CreateKey", {}, caller=EAST)["KeyMetadata"]
    assert single["MultiRegion"] is False and "MultiRegionConfiguration" not in single


def test_a_replica_made_without_tags_answers_no_replica_tags(engine):
    out = _replicate(engine, _primary(engine)["KeyId"])
    assert "ReplicaTags" not in out
    assert set(out) == {"ReplicaKeyMetadata", "ReplicaPolicy"}


def test_replica_starts_creating_then_is_enabled_on_the_next_call(engine):
    key = _primary(engine, Description="primary")
    out = _replicate(
        engine, key["KeyId"], Description="replica", Tags=[{"TagKey": "a", "TagValue": "b"}]
    )
    replica = out["ReplicaKeyMetadata"]
    assert replica["KeyState"] == "Creating" and replica["Enabled"] is False
    assert replica["KeyId"] == key["KeyId"]
    assert replica["Arn"] == f"arn:aws:kms:us-west-2:111122223333:key/{key['KeyId']}"
    assert out["ReplicaTags"] == [{"TagKey": "a", "TagValue": "b"}]
    assert json.loads(out["ReplicaPolicy"])["Statement"]
    seen = _describe(engine, key["KeyId"], WEST)
    assert seen["KeyState"] == "Enabled" and seen["Description"] == "replica"
    config = seen["MultiRegionConfiguration"]
    assert config["MultiRegionKeyType"] == "REPLICA"
    assert config["PrimaryKey"] == {"Arn": key["Arn"], "Region": "us-east-1"}
    assert config["ReplicaKeys"] == [{"Arn": replica["Arn"], "Region": "us-west-2"}]
    assert _describe(engine, key["KeyId"], EAST)["MultiRegionConfiguration"]["ReplicaKeys"] == [
        {"Arn": replica["Arn"], "Region": "us-west-2"}
    ]
    assert _describe(engine, key["KeyId"], EAST)["Description"] == "primary"


def test_a_ciphertext_made_in_one_region_decrypts_with_the_replica_in_another(engine):
    key = _primary(engine)
    _replicate(engine, key["KeyId"])
    blob = engine.call(
        "Encrypt",
        {"KeyId": key["KeyId"], "Plaintext": b"secret", "EncryptionContext": {"p": "q"}},
        caller=EAST,
    )["CiphertextBlob"]
    out = engine.call(
        "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"p": "q"}}, caller=WEST
    )
    assert out["Plaintext"] == b"secret"
    assert out["KeyId"].startswith("arn:aws:kms:us-west-2:")
    # and back: the replica's ciphertext decrypts with the primary
    back = engine.call("Encrypt", {"KeyId": key["KeyId"], "Plaintext": b"x"}, caller=WEST)
    assert (
        engine.call("Decrypt", {"CiphertextBlob": back["CiphertextBlob"]}, caller=EAST)["Plaintext"]
        == b"x"
    )
    # a Region without a replica has no key to decrypt with
    with pytest.raises(NotFoundException, match="eu-west-1"):
        engine.call("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"p": "q"}}, caller=EU)


def test_rotation_and_material_are_shared_state_and_policy_are_not(engine):
    key = _primary(engine)
    _replicate(engine, key["KeyId"])
    engine.call("RotateKeyOnDemand", {"KeyId": key["KeyId"]}, caller=EAST)
    engine.call("EnableKeyRotation", {"KeyId": key["KeyId"]}, caller=EAST)
    status = engine.call("GetKeyRotationStatus", {"KeyId": key["KeyId"]}, caller=WEST)
    assert status["KeyRotationEnabled"] is True and status["OnDemandRotationCount"] == 1
    east = _describe(engine, key["KeyId"], EAST)
    west = _describe(engine, key["KeyId"], WEST)
    assert east["CurrentKeyMaterialId"] == west["CurrentKeyMaterialId"]
    with pytest.raises(UnsupportedOperationException, match="replica"):
        engine.call("RotateKeyOnDemand", {"KeyId": key["KeyId"]}, caller=WEST)
    # state, tags, aliases and policy are per Region
    engine.call("DisableKey", {"KeyId": key["KeyId"]}, caller=WEST)
    assert _describe(engine, key["KeyId"], EAST)["KeyState"] == "Enabled"
    with pytest.raises(DisabledException):
        engine.call("Encrypt", {"KeyId": key["KeyId"], "Plaintext": b"x"}, caller=WEST)
    engine.call(
        "TagResource",
        {"KeyId": key["KeyId"], "Tags": [{"TagKey": "t", "TagValue": "v"}]},
        caller=WEST,
    )
    assert engine.call("ListResourceTags", {"KeyId": key["KeyId"]}, caller=EAST)["Tags"] == []
    engine.call(
        "CreateAlias", {"AliasName": "alias/west", "TargetKeyId": key["KeyId"]}, caller=WEST
    )
    assert engine.call("ListAliases", {"KeyId": key["KeyId"]}, caller=EAST)["Aliases"] == []
    with pytest.raises(NotFoundException):
        engine.call("DescribeKey", {"KeyId": "alias/west"}, caller=EAST)
    assert _describe(engine, "alias/west", WEST)["Arn"].startswith("arn:aws:kms:us-west-2:")


def test_grants_belong_to_one_region(engine):
    key = _primary(engine)
    _replicate(engine, key["KeyId"])
    grantee = "arn:aws:iam::111122223333:role/app"
    engine.call(
        "CreateGrant",
        {"KeyId": key["KeyId"], "GranteePrincipal": grantee, "Operations": ["Decrypt"]},
        caller=WEST,
    )
    assert len(engine.call("ListGrants", {"KeyId": key["KeyId"]}, caller=WEST)["Grants"]) == 1
    assert engine.call("ListGrants", {"KeyId": key["KeyId"]}, caller=EAST)["Grants"] == []


def test_replicate_key_errors(engine):
    key = _primary(engine)
    single = engine.call("CreateKey", {}, caller=EAST)["KeyMetadata"]
    with pytest.raises(UnsupportedOperationException, match="not a multi-Region key"):
        _replicate(engine, single["KeyId"])
    _replicate(engine, key["KeyId"])
    with pytest.raises(AlreadyExistsException):
        _replicate(engine, key["KeyId"])
    with pytest.raises(UnsupportedOperationException, match="replica key"):
        engine.call(
            "ReplicateKey", {"KeyId": key["KeyId"], "ReplicaRegion": "eu-west-1"}, caller=WEST
        )
    with pytest.raises(ValidationException, match="replicaRegion"):
        _replicate(engine, key["KeyId"], region="Mars")
    engine.call("DisableKey", {"KeyId": key["KeyId"]}, caller=EAST)
    with pytest.raises(DisabledException):
        _replicate(engine, key["KeyId"], region="eu-west-1")


def test_an_arn_of_another_region_is_not_found(engine):
    key = _primary(engine)
    single = engine.call("CreateKey", {}, caller=EAST)["KeyMetadata"]
    engine.call(
        "CreateAlias", {"AliasName": "alias/here", "TargetKeyId": single["KeyId"]}, caller=EAST
    )
    for text in (
        single["Arn"],
        key["Arn"],
        "arn:aws:kms:us-east-1:111122223333:alias/here",
    ):
        with pytest.raises(NotFoundException, match="Invalid arn us-east-1$"):
            engine.call("DescribeKey", {"KeyId": text}, caller=WEST)


def test_update_primary_region_swaps_primary_and_replica(engine):
    key = _primary(engine)
    _replicate(engine, key["KeyId"])
    _describe(engine, key["KeyId"], WEST)  # the replica is made
    engine.call(
        "UpdatePrimaryRegion", {"KeyId": key["KeyId"], "PrimaryRegion": "us-west-2"}, caller=EAST
    )
    # both Updating until the change completes, which the next call sees done
    records = [
        engine.kms.key_in("111122223333", r, key["KeyId"]) for r in ("us-east-1", "us-west-2")
    ]
    assert [r["KeyState"] for r in records] == ["Updating", "Updating"]
    west = _describe(engine, key["KeyId"], WEST)
    assert west["KeyState"] == "Enabled"
    assert west["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    east = _describe(engine, key["KeyId"], EAST)
    assert east["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert east["MultiRegionConfiguration"]["PrimaryKey"]["Region"] == "us-west-2"
    with pytest.raises(UnsupportedOperationException):
        engine.call(
            "UpdatePrimaryRegion",
            {"KeyId": key["KeyId"], "PrimaryRegion": "us-west-2"},
            caller=EAST,
        )
    with pytest.raises(NotFoundException):
        engine.call(
            "UpdatePrimaryRegion",
            {"KeyId": key["KeyId"], "PrimaryRegion": "eu-west-1"},
            caller=WEST,
        )


def test_primary_is_deleted_only_after_its_replicas(engine):
    key = _primary(engine)
    _replicate(engine, key["KeyId"])
    out = engine.call(
        "ScheduleKeyDeletion", {"KeyId": key["KeyId"], "PendingWindowInDays": 7}, caller=EAST
    )
    assert out["KeyState"] == "PendingReplicaDeletion" and "DeletionDate" not in out
    assert out["PendingWindowInDays"] == 7
    with pytest.raises(KMSInvalidStateException, match="pending replica deletion"):
        engine.call("Encrypt", {"KeyId": key["KeyId"], "Plaintext": b"x"}, caller=EAST)
    engine.call(
        "ScheduleKeyDeletion", {"KeyId": key["KeyId"], "PendingWindowInDays": 7}, caller=WEST
    )
    engine.advance_clock(8 * DAY)
    # the replica is gone; the primary's own waiting period has just begun
    with pytest.raises(NotFoundException):
        _describe(engine, key["KeyId"], WEST)
    primary = _describe(engine, key["KeyId"], EAST)
    assert primary["KeyState"] == "PendingDeletion"
    assert primary["DeletionDate"] == engine.clock.now() + 7 * DAY
    engine.advance_clock(8 * DAY)
    with pytest.raises(NotFoundException):
        _describe(engine, key["KeyId"], EAST)


def test_cancel_deletion_of_a_primary_waiting_for_replicas(engine):
    key = _primary(engine)
    _replicate(engine, key["KeyId"])
    engine.call("ScheduleKeyDeletion", {"KeyId": key["KeyId"]}, caller=EAST)
    engine.call("CancelKeyDeletion", {"KeyId": key["KeyId"]}, caller=EAST)
    assert _describe(engine, key["KeyId"], EAST)["KeyState"] == "Disabled"


def test_replica_of_an_external_primary_waits_for_its_own_import(engine):
    key = _primary(engine, Origin="EXTERNAL")
    assert key["KeyState"] == "PendingImport"
    _replicate(engine, key["KeyId"])
    assert _describe(engine, key["KeyId"], WEST)["KeyState"] == "PendingImport"


def test_multi_region_condition_keys(engine):
    account = "111122223333"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "kms:ReplicateKey",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ReplicaRegion": "eu-west-1"}},
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "kms:Encrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:MultiRegionKeyType": "REPLICA"}},
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "kms:UpdatePrimaryRegion",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:PrimaryRegion": "eu-west-1"}},
            },
        ],
    }
    text = json.dumps(policy)
    key = _primary(engine, Policy=text)
    with pytest.raises(AccessDeniedException):
        _replicate(engine, key["KeyId"], region="eu-west-1")
    _replicate(engine, key["KeyId"], Policy=text)
    engine.call("Encrypt", {"KeyId": key["KeyId"], "Plaintext": b"x"}, caller=EAST)
    with pytest.raises(AccessDeniedException):
        engine.call("Encrypt", {"KeyId": key["KeyId"], "Plaintext": b"x"}, caller=WEST)
    events = list(engine.events.recent)
    assert any(e["eventName"] == "ReplicateKey" for e in events)


def test_replicas_survive_a_restart(make_engine):
    engine = make_engine()
    key = _primary(engine)
    _replicate(engine, key["KeyId"])
    blob = engine.call("Encrypt", {"KeyId": key["KeyId"], "Plaintext": b"k"}, caller=EAST)
    engine.close()
    again = make_engine()
    assert _describe(again, key["KeyId"], WEST)["KeyState"] == "Enabled"
    assert (
        again.call("Decrypt", {"CiphertextBlob": blob["CiphertextBlob"]}, caller=WEST)["Plaintext"]
        == b"k"
    )
