"""CreateVolume, DescribeVolumes, DeleteVolume, encryption defaults: EC2 shapes,
the KMS call behind an encrypted volume, and EC2's error codes."""

from __future__ import annotations

import base64
import os

import pytest

from .conftest import error_of

ACCOUNT = "111122223333"


def test_create_volume_encrypted_generates_a_64_byte_data_key_via_ec2(ebs):
    volume_id = ebs.volume()
    [event] = ebs.named("GenerateDataKeyWithoutPlaintext")
    assert event["requestParameters"]["numberOfBytes"] == 64
    assert event["requestParameters"]["encryptionContext"] == {"aws:ebs:id": volume_id}
    assert event["userIdentity"]["invokedBy"] == "ec2.us-east-1.amazonaws.com"
    assert event["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert "errorCode" not in event


def test_create_volume_without_kms_key_id_uses_alias_aws_ebs(ebs):
    volume_id = ebs.volume()
    ebs_key = ebs.call("DescribeKey", {"KeyId": "alias/aws/ebs"})["KeyMetadata"]["Arn"]
    assert ebs.describe(volume_id)["KmsKeyId"] == ebs_key
    assert (
        ebs.named("GenerateDataKeyWithoutPlaintext")[0]["requestParameters"]["keyId"]
        == "alias/aws/ebs"
    )


def test_create_volume_with_an_alias_stores_the_key_arn(ebs):
    key = ebs.key()
    ebs.call("CreateAlias", {"AliasName": "alias/vols", "TargetKeyId": key})
    volume_id = ebs.volume(KmsKeyId="alias/vols")
    assert ebs.describe(volume_id)["KmsKeyId"] == key


def test_create_volume_returns_the_ec2_shape_in_state_creating(ebs):
    created = ebs.call(
        "CreateVolume",
        {
            "Size": 2,
            "AvailabilityZone": "us-east-1b",
            "VolumeType": "gp3",
            "Encrypted": True,
            "TagSpecifications": [
                {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "data"}]}
            ],
        },
    )
    assert created["State"] == "creating"
    assert created["VolumeId"].startswith("vol-") and len(created["VolumeId"]) == 21
    assert (created["Size"], created["Iops"], created["Throughput"]) == (2, 3000, 125)
    assert created["Tags"] == [{"Key": "Name", "Value": "data"}]
    assert isinstance(created["CreateTime"], float)
    assert ebs.describe(created["VolumeId"])["State"] == "available"


def test_volume_record_holds_the_wrapped_data_key_and_its_context(ebs):
    volume_id = ebs.volume()
    record = ebs.ec2.volume_record(volume_id)
    data_key = record["DataKey"]
    assert len(base64.b64decode(data_key["CiphertextBlob"])) > 64
    assert data_key["EncryptionContext"] == {"aws:ebs:id": volume_id}
    assert data_key["KeyArn"] == record["KmsKeyId"]
    assert record["SectorSize"] == 4096


def test_backing_file_is_sparse_and_named_after_the_volume(ebs):
    volume_id = ebs.volume()
    path = ebs.engine.data_dir / "volumes" / f"{volume_id}.img"
    assert os.path.getsize(path) == 1024**3
    assert os.stat(path).st_blocks * 512 < 1024 * 1024


def test_unencrypted_volume_makes_no_kms_call(ebs):
    volume_id = ebs.volume(Encrypted=False)
    assert ebs.describe(volume_id)["Encrypted"] is False
    assert not [e for e in ebs.events if e["eventSource"] == "kms.amazonaws.com"]


def test_encryption_by_default_encrypts_volumes_that_do_not_ask(ebs):
    assert ebs.call("GetEbsEncryptionByDefault")["EbsEncryptionByDefault"] is False
    ebs.call("EnableEbsEncryptionByDefault")
    volume_id = ebs.volume(Encrypted=False)
    assert ebs.describe(volume_id)["Encrypted"] is True
    ebs.call("DisableEbsEncryptionByDefault")
    assert ebs.describe(ebs.volume(Encrypted=False))["Encrypted"] is False


def test_modified_default_key_is_used_when_kms_key_id_is_omitted(ebs):
    key = ebs.key()
    assert ebs.call("GetEbsDefaultKmsKeyId")["KmsKeyId"] == "alias/aws/ebs"
    assert ebs.call("ModifyEbsDefaultKmsKeyId", {"KmsKeyId": key})["KmsKeyId"] == key
    assert ebs.describe(ebs.volume())["KmsKeyId"] == key
    ebs.call("ResetEbsDefaultKmsKeyId")
    assert ebs.call("GetEbsDefaultKmsKeyId")["KmsKeyId"] == "alias/aws/ebs"


def test_every_ec2_call_emits_one_event_success_or_failure(ebs):
    ebs.volume()
    error_of(lambda: ebs.call("DeleteVolume", {"VolumeId": "vol-0123456789abcdef0"}))
    ec2_events = [e for e in ebs.events if e["eventSource"] == "ec2.amazonaws.com"]
    assert [e["eventName"] for e in ec2_events] == ["CreateVolume", "DeleteVolume"]
    assert ec2_events[1]["errorCode"] == "InvalidVolume.NotFound"


def test_kms_failure_fails_create_volume_with_the_kms_error_and_leaves_nothing(ebs):
    key = ebs.key()
    ebs.call("DisableKey", {"KeyId": key})
    error = error_of(lambda: ebs.volume(KmsKeyId=key))
    assert error.code == "DisabledException"
    assert ebs.call("DescribeVolumes")["Volumes"] == []
    assert list((ebs.engine.data_dir / "volumes").iterdir()) == []
    assert ebs.named("CreateVolume")[0]["errorCode"] == "DisabledException"


def test_unknown_kms_key_fails_with_not_found(ebs):
    error = error_of(lambda: ebs.volume(KmsKeyId="alias/nope"))
    assert error.code == "NotFoundException"


@pytest.mark.parametrize(
    "params, code",
    [
        ({"Size": 1}, "MissingParameter"),
        ({"AvailabilityZone": "us-east-1a"}, "MissingParameter"),
        ({"Size": 1, "AvailabilityZone": "eu-west-1a"}, "InvalidZone.NotFound"),
        (
            {"Size": 1, "AvailabilityZone": "us-east-1a", "VolumeType": "gp9"},
            "InvalidParameterValue",
        ),
        ({"Size": 0, "AvailabilityZone": "us-east-1a"}, "InvalidParameterValue"),
        (
            {"Size": 20000, "AvailabilityZone": "us-east-1a", "VolumeType": "gp3"},
            "InvalidParameterValue",
        ),
        (
            {"Size": 10, "AvailabilityZone": "us-east-1a", "VolumeType": "gp2", "Iops": 300},
            "InvalidParameterCombination",
        ),
        ({"Size": 10, "AvailabilityZone": "us-east-1a", "VolumeType": "io1"}, "MissingParameter"),
        (
            {
                "Size": 10,
                "AvailabilityZone": "us-east-1a",
                "VolumeType": "io2",
                "Throughput": 200,
                "Iops": 1000,
            },
            "InvalidParameterCombination",
        ),
        (
            {"Size": 10, "AvailabilityZone": "us-east-1a", "KmsKeyId": "alias/aws/ebs"},
            "InvalidParameterDependency",
        ),
        (
            {"Size": 10, "AvailabilityZone": "us-east-1a", "SnapshotId": "snap-0123456789abcdef0"},
            "InvalidSnapshot.NotFound",
        ),
    ],
)
def test_create_volume_rejects_bad_parameters_with_ec2_codes(ebs, params, code):
    assert error_of(lambda: ebs.call("CreateVolume", params)).code == code


def test_provisioned_io2_volume_keeps_its_iops(ebs):
    volume_id = ebs.volume(VolumeType="io2", Size=10, Iops=5000)
    assert ebs.describe(volume_id)["Iops"] == 5000


def test_describe_volumes_filters_by_status_and_tag(ebs):
    tagged = ebs.volume(
        TagSpecifications=[
            {"ResourceType": "volume", "Tags": [{"Key": "team", "Value": "storage"}]}
        ]
    )
    ebs.volume()
    by_tag = ebs.call("DescribeVolumes", {"Filters": [{"Name": "tag:team", "Values": ["stor*"]}]})
    assert [v["VolumeId"] for v in by_tag["Volumes"]] == [tagged]
    available = ebs.call(
        "DescribeVolumes", {"Filters": [{"Name": "status", "Values": ["available"]}]}
    )
    assert len(available["Volumes"]) == 2


def test_describe_volumes_pages_with_max_results_and_next_token(ebs):
    created = [ebs.volume(Encrypted=False) for _ in range(7)]
    first = ebs.call("DescribeVolumes", {"MaxResults": 5})
    second = ebs.call("DescribeVolumes", {"MaxResults": 5, "NextToken": first["NextToken"]})
    assert "NextToken" not in second
    assert [v["VolumeId"] for v in first["Volumes"] + second["Volumes"]] == created


def test_describe_volumes_rejects_an_unknown_id(ebs):
    error = error_of(lambda: ebs.call("DescribeVolumes", {"VolumeIds": ["vol-0123456789abcdef0"]}))
    assert error.code == "InvalidVolume.NotFound"


def test_malformed_volume_id_is_reported_as_malformed(ebs):
    error = error_of(lambda: ebs.call("DeleteVolume", {"VolumeId": "volume-1"}))
    assert error.code == "InvalidVolumeID.Malformed"


def test_delete_volume_in_use_is_refused_with_volume_in_use(ebs):
    volume_id = ebs.volume()
    ebs.attach(volume_id, ebs.instance())
    assert error_of(lambda: ebs.call("DeleteVolume", {"VolumeId": volume_id})).code == "VolumeInUse"


def test_delete_volume_removes_it_and_its_backing_file(ebs):
    volume_id = ebs.volume()
    ebs.call("DeleteVolume", {"VolumeId": volume_id})
    assert ebs.call("DescribeVolumes")["Volumes"] == []
    assert not (ebs.engine.data_dir / "volumes" / f"{volume_id}.img").exists()


def test_a_disk_failure_is_an_internal_error_that_leaves_no_volume(ebs, monkeypatch):
    from kmstui.ebs import backing

    def full(path, size):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backing, "create_sparse", full)
    error = error_of(lambda: ebs.volume())
    assert error.code == "InternalError"
    assert ebs.call("DescribeVolumes")["Volumes"] == []
    assert ebs.named("CreateVolume")[0]["errorCode"] == "InternalError"


def test_a_failed_record_write_removes_the_new_backing_file(ebs, monkeypatch):
    def failing(record):
        raise OSError(5, "I/O error")

    monkeypatch.setattr(ebs.ec2, "save_volume", failing)
    assert error_of(lambda: ebs.volume()).code == "InternalError"
    assert list((ebs.engine.data_dir / "volumes").iterdir()) == []


def test_describe_volumes_pages_neither_repeat_nor_skip_when_volumes_come_and_go(ebs):
    created = [ebs.volume(Encrypted=False) for _ in range(7)]
    first = ebs.call("DescribeVolumes", {"MaxResults": 5})
    ebs.call("DeleteVolume", {"VolumeId": created[0]})
    ebs.call("DeleteVolume", {"VolumeId": created[4]})  # the last one returned
    ebs.engine.advance_clock(1)  # a later creation time: it sorts after the others
    later = ebs.volume(Encrypted=False)
    second = ebs.call("DescribeVolumes", {"MaxResults": 5, "NextToken": first["NextToken"]})
    assert [v["VolumeId"] for v in first["Volumes"]] == created[:5]
    assert [v["VolumeId"] for v in second["Volumes"]] == [*created[5:], later]


@pytest.mark.parametrize("token", ["not-a-token", "Mg=="])  # "Mg==": a position, 2
def test_describe_volumes_refuses_a_token_it_did_not_make(ebs, token):
    ebs.volume(Encrypted=False)
    error = error_of(lambda: ebs.call("DescribeVolumes", {"MaxResults": 5, "NextToken": token}))
    assert error.code == "InvalidParameterValue"
