"""The stored records match their declared shapes (kmstui.kms.records, kmstui.ebs.records,
kmstui.iam.records): after calls that write every kind of record and every optional
member, each record of each table has the members its TypedDict requires, no member it
does not declare, and values of the declared types."""

from __future__ import annotations

import json
import types
import typing

import pytest

from kmstui.ebs.records import AttachmentRecord, InstanceRecord, SnapshotRecord, VolumeRecord
from kmstui.iam.records import AccessKeyRecord, RoleRecord, UserRecord
from kmstui.kms.records import AliasRecord, GrantRecord, KeyRecord
from tests.kms.test_imported_material import _external, _import

DAY = 86400
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}],
    }
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
TABLES = {
    "keys": KeyRecord,
    "grants": GrantRecord,
    "aliases": AliasRecord,
    "volumes": VolumeRecord,
    "instances": InstanceRecord,
    "attachments": AttachmentRecord,
    "snapshots": SnapshotRecord,
    "iam_users": UserRecord,
    "iam_roles": RoleRecord,
    "iam_access_keys": AccessKeyRecord,
}


def problems(value: object, hint: object, where: str) -> list[str]:
    """Where ``value`` is not of the type ``hint`` (a TypedDict, a union, a list, a
    dict or a scalar), one line each."""
    if typing.is_typeddict(hint):
        assert isinstance(hint, type)
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not an object"]
        hints = typing.get_type_hints(hint)
        found = [f"{where}: lacks {name}" for name in hint.__required_keys__ - value.keys()]
        found += [f"{where}: {name} is not declared" for name in value.keys() - hints.keys()]
        for name in value.keys() & hints.keys():
            found += problems(value[name], hints[name], f"{where}.{name}")
        return found
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        each = [problems(value, arg, where) for arg in args]
        return [] if any(not p for p in each) else [f"{where}: {value!r} is not {hint}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not a list"]
        return [p for i, item in enumerate(value) for p in problems(item, args[0], f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not an object"]
        return [
            p
            for k, v in value.items()
            for p in problems(k, args[0], where) + problems(v, args[1], f"{where}[{k!r}]")
        ]
    if hint is type(None):
        return [] if value is None else [f"{where}: {value!r} is not null"]
    if hint is float:  # a time may have been whole seconds
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    return [] if ok else [f"{where}: {value!r} is not {getattr(hint, '__name__', hint)}"]


@pytest.fixture
def written(engine):
    """An engine after calls that write every kind of record."""
    call = engine.call
    key = call("CreateKey", {"Description": "data", "Tags": [{"TagKey": "a", "TagValue": "b"}]})
    key_id = key["KeyMetadata"]["KeyId"]
    call("EnableKeyRotation", {"KeyId": key_id})
    call("RotateKeyOnDemand", {"KeyId": key_id})
    call("CreateAlias", {"AliasName": "alias/data", "TargetKeyId": key_id})
    call(
        "CreateGrant",
        {
            "KeyId": key_id,
            "GranteePrincipal": f"arn:aws:iam::{engine.account}:root",
            "RetiringPrincipal": f"arn:aws:iam::{engine.account}:root",
            "Operations": ["Decrypt"],
            "Name": "named",
            "Constraints": {"EncryptionContextSubset": {"app": "data"}},
        },
    )
    grantee = f"arn:aws:iam::{engine.account}:role/app"
    call("CreateGrant", {"KeyId": key_id, "GranteePrincipal": grantee, "Operations": ["Encrypt"]})
    call("CreateKey", {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"})
    primary = call("CreateKey", {"MultiRegion": True})["KeyMetadata"]["KeyId"]
    call("ReplicateKey", {"KeyId": primary, "ReplicaRegion": "us-west-2"})
    imported = _external(engine)["KeyId"]
    _import(engine, imported, bytes(range(32)), ValidTo=engine.clock.now() + 30 * DAY)
    doomed = call("CreateKey", {})["KeyMetadata"]["KeyId"]
    call("ScheduleKeyDeletion", {"KeyId": doomed, "PendingWindowInDays": 7})
    waiting = call("CreateKey", {})["KeyMetadata"]["KeyId"]
    engine.advance_clock(7 * DAY + 1)  # the first deletion leaves a tombstone
    call("ScheduleKeyDeletion", {"KeyId": waiting, "PendingWindowInDays": 7})

    call("CreateUser", {"UserName": "ana", "Tags": [{"Key": "team", "Value": "data"}]})
    call("PutUserPolicy", {"UserName": "ana", "PolicyName": "use", "PolicyDocument": POLICY})
    call("CreateAccessKey", {"UserName": "ana"})
    call("CreateAccessKey", {})  # the root user's
    call("CreateRole", {"RoleName": "app", "AssumeRolePolicyDocument": TRUST})

    run = {"ImageId": "ami-12345678", "MinCount": 1, "MaxCount": 1}
    instance_id = call("RunInstances", run)["Instances"][0]["InstanceId"]
    stopped_id = call("RunInstances", run)["Instances"][0]["InstanceId"]
    call("StopInstances", {"InstanceIds": [stopped_id]})
    volume = {"AvailabilityZone": "us-east-1a", "Size": 1, "Encrypted": True, "KmsKeyId": key_id}
    volume_id = call("CreateVolume", volume)["VolumeId"]
    call("CreateVolume", {"AvailabilityZone": "us-east-1a", "Size": 1, "VolumeType": "gp3"})
    call("AttachVolume", {"VolumeId": volume_id, "InstanceId": instance_id, "Device": "/dev/sdf"})
    snapshot_id = call("CreateSnapshot", {"VolumeId": volume_id})["SnapshotId"]
    call("CopySnapshot", {"SourceSnapshotId": snapshot_id, "SourceRegion": "us-east-1"})
    call("CreateVolume", {"AvailabilityZone": "us-east-1a", "SnapshotId": snapshot_id})
    return engine


def test_every_stored_record_has_its_declared_shape(written):
    """Every table, every record; the calls reach the members a record has only
    sometimes, so their declarations are checked too."""
    keys = written.store.table("keys").all()
    assert {"DeletedDate", "DeletionDate", "MultiRegionKeyType", "ExpirationModel"} <= {
        name for key in keys for name in key
    }
    assert {"PublicKey", "RotationType", "ImportDate", "ValidTo"} <= {
        name for key in keys for entry in key["Materials"] for name in entry
    }
    assert any(record.get("StateReason") for record in written.store.table("instances").all())
    found = []
    for table, shape in TABLES.items():
        records = written.store.table(table).all()
        assert records, f"nothing was written to {table}"
        found += [
            p for i, r in enumerate(records) for p in problems(dict(r), shape, f"{table}[{i}]")
        ]
    assert found == []


def test_a_record_that_strays_from_its_shape_is_caught():
    alias = {
        "AccountId": "111122223333",
        "Region": "us-east-1",
        "AliasName": "alias/x",
        "AliasArn": "arn:aws:kms:us-east-1:111122223333:alias/x",
        "TargetKeyId": "k",
        "CreationDate": 1.0,
        "LastUpdatedDate": 1.0,
    }
    assert problems(alias, AliasRecord, "a") == []
    assert problems({**alias, "Extra": 1}, AliasRecord, "a") == ["a: Extra is not declared"]
    assert problems({**alias, "CreationDate": "now"}, AliasRecord, "a") == [
        "a.CreationDate: 'now' is not float"
    ]
    del alias["TargetKeyId"]
    assert problems(alias, AliasRecord, "a") == ["a: lacks TargetKeyId"]
