"""Multi-Region keys through boto3: one endpoint, clients in two Regions (the Region of
a request is its SigV4 credential scope), a ciphertext made in one decrypted in the
other, and AWS's error codes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import client_error


@pytest.fixture(scope="module")
def east(api):
    return api.client(region="us-east-1")


@pytest.fixture(scope="module")
def west(api):
    return api.client(region="us-west-2")


def test_replicate_encrypt_in_one_region_decrypt_in_another(east, west):
    key = east.create_key(MultiRegion=True, Description="mrk")["KeyMetadata"]
    assert key["KeyId"].startswith("mrk-") and key["MultiRegion"] is True
    out = east.replicate_key(KeyId=key["KeyId"], ReplicaRegion="us-west-2")
    assert out["ReplicaKeyMetadata"]["KeyState"] == "Creating"
    assert out["ReplicaKeyMetadata"]["Arn"].split(":")[3] == "us-west-2"
    replica = west.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert replica["KeyState"] == "Enabled"
    config = replica["MultiRegionConfiguration"]
    assert config["MultiRegionKeyType"] == "REPLICA"
    assert config["PrimaryKey"] == {"Arn": key["Arn"], "Region": "us-east-1"}
    assert config["ReplicaKeys"] == [{"Arn": replica["Arn"], "Region": "us-west-2"}]
    blob = east.encrypt(KeyId=key["KeyId"], Plaintext=b"across", EncryptionContext={"a": "b"})
    plain = west.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext={"a": "b"})
    assert plain["Plaintext"] == b"across" and plain["KeyId"] == replica["Arn"]
    assert west.list_keys()["Keys"] == [{"KeyId": key["KeyId"], "KeyArn": replica["Arn"]}]


def test_update_primary_region_and_errors(east, west):
    key = east.create_key(MultiRegion=True)["KeyMetadata"]
    east.replicate_key(KeyId=key["KeyId"], ReplicaRegion="us-west-2")
    with pytest.raises(ClientError) as excinfo:
        east.replicate_key(KeyId=key["KeyId"], ReplicaRegion="us-west-2")
    assert client_error(excinfo)[0] == "AlreadyExistsException"
    east.update_primary_region(KeyId=key["KeyId"], PrimaryRegion="us-west-2")
    west_key = west.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert west_key["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    with pytest.raises(ClientError) as excinfo:
        east.replicate_key(KeyId=key["KeyId"], ReplicaRegion="eu-west-1")
    assert client_error(excinfo)[0] == "UnsupportedOperationException"
    # a key ARN of another Region names no key here
    with pytest.raises(ClientError) as excinfo:
        east.describe_key(KeyId=west_key["Arn"])
    assert client_error(excinfo) == ("NotFoundException", "Invalid arn us-west-2")


def test_replica_deletion_comes_before_the_primary(east, west):
    key = east.create_key(MultiRegion=True)["KeyMetadata"]
    east.replicate_key(KeyId=key["KeyId"], ReplicaRegion="us-west-2")
    out = east.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert out["KeyState"] == "PendingReplicaDeletion" and "DeletionDate" not in out
    west.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert west.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
